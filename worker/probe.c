/*
 * probe.c: tuna-worker --check — what a trial needs where it runs, checked there. The text is
 * a "dataset" setting (a user checking a data set by hand), or the daemon's check request,
 * {"dataset": SETTING, "writable": {"LABEL": DIR, …}}: each directory made and written to,
 * then the data set opened as a trial would (building or mapping the shared cache, so the
 * first trial finds it ready). The answer is its shape in a "dataset" event, for the daemon's
 * checks and memory model. A request's errors name what failed ("checkpoints: DIR: …",
 * "dataset: …"); a bare setting's are the loader's own.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "dataset.h"
#include "event.h"
#include "jcheck.h"
#include "paths.h"
#include "probe.h"
#include "worker-protocol.h"
#include "xmalloc.h"

/* The "dataset" event of an open data set. */
static cJSON *
probe_event(const struct dataset *ds)
{
	cJSON *ev = event_new(WEV_DATASET, NULL);

	cJSON_AddNumberToObject(ev, "n_train", (double)ds->n_train);
	cJSON_AddNumberToObject(ev, "n_val", (double)ds->n_val);
	cJSON_AddNumberToObject(ev, "n_test", (double)ds->n_test);
	cJSON_AddNumberToObject(ev, "features", (double)ds->features);
	cJSON_AddNumberToObject(ev, "classes", ds->classes);
	/* bytes of one feature value as the trainer keeps it: IDX pixels stay uint8 */
	cJSON_AddNumberToObject(ev, "element_size", ds->ftype == DATASET_U8 ? 1 : 4);
	if (ds->class_names != NULL)
		cJSON_AddItemToObject(ev, "class_names", dataset_class_names_json(ds));
	if (ds->cache_path != NULL)
		cJSON_AddStringToObject(ev, "cache", ds->cache_path);
	return ev;
}

/* A request's "writable" directories, each made and written to: 0, or the first failure. */
static int
probe_writable(const cJSON *dirs, char **cause)
{
	const cJSON *d;
	char *why = NULL;
	int rc;

	if (dirs == NULL)
		return 0;
	if (!cJSON_IsObject(dirs))
		return xcause(cause, -EINVAL, "writable: must be an object of directories");
	cJSON_ArrayForEach(d, dirs) {
		if (!cJSON_IsString(d) || d->valuestring[0] != '/')
			return xcause(cause, -EINVAL, "writable.%s: must be an absolute path",
			    d->string);
		if ((rc = paths_writable(d->valuestring, &why)) != 0) {
			rc = xcause(cause, rc, "%s: %s", d->string, why);
			free(why);
			return rc;
		}
	}
	return 0;
}

/*
 * Parse text (one JSON value, a "dataset" setting or a check request; where names it in a
 * message), check it and emit its "dataset" event: 0, or a negative errno with *cause.
 */
int
probe_dataset(const char *text, const char *where, char **cause)
{
	static const char *const request_keys[] = { "dataset", "writable", NULL };
	struct dataset_source src;
	struct dataset ds;
	const char *end = NULL;
	const cJSON *setting;
	cJSON *json;
	char *why = NULL;
	bool request;
	int rc;

	memset(&src, 0, sizeof src);
	memset(&ds, 0, sizeof ds);
	if ((json = cJSON_ParseWithOpts(text, &end, 1)) == NULL) {
		rc = xcause(cause, -EINVAL, "%s: invalid JSON at offset %ld", where,
		    end != NULL ? (long)(end - text) : 0L);
		goto fail;
	}
	/* a data-set setting never has a "dataset" member: an object with one is a request */
	request = cJSON_IsObject(json) && cJSON_GetObjectItemCaseSensitive(json, "dataset") != NULL;
	setting = request ? cJSON_GetObjectItemCaseSensitive(json, "dataset") : json;
	if (request && ((rc = jcheck_known(json, request_keys, "", cause)) != 0 ||
	    (rc = probe_writable(cJSON_GetObjectItemCaseSensitive(json, "writable"), cause)) != 0))
		goto fail;
	if ((rc = source_parse(&src, setting, "dataset", &why)) != 0 ||
	    (rc = dataset_open(&ds, &src, &why)) != 0) {
		/* a request's answer says which part failed; a bare setting's is the loader's */
		rc = xcause(cause, rc, "%s%s", request ? "dataset: " : "", why);
		free(why);
		goto fail;
	}
	event_emit(probe_event(&ds));
fail:
	dataset_close(&ds);
	source_free(&src);	/* source_parse leaves src safe to free, even when it fails */
	cJSON_Delete(json);
	return rc;
}
