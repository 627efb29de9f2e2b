/*
 * probe.c: tuna-worker --check — parse a "dataset" setting (JSON text), open the data set as
 * a trial would (building or mapping the shared cache, so the first trial finds it ready) and
 * report its shape in a "dataset" event, for the daemon's checks and memory model.
 */
#include <errno.h>
#include <string.h>

#include <cJSON.h>

#include "dataset.h"
#include "event.h"
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

/*
 * Parse text (one JSON value, the "dataset" setting; where names it in a message), open the
 * data set and emit its "dataset" event: 0, or a negative errno with the loader's *cause.
 */
int
probe_dataset(const char *text, const char *where, char **cause)
{
	struct dataset_source src;
	struct dataset ds;
	const char *end = NULL;
	cJSON *json;
	int rc;

	memset(&src, 0, sizeof src);
	memset(&ds, 0, sizeof ds);
	if ((json = cJSON_ParseWithOpts(text, &end, 1)) == NULL) {
		rc = xcause(cause, -EINVAL, "%s: invalid JSON at offset %ld", where,
		    end != NULL ? (long)(end - text) : 0L);
		goto fail;
	}
	if ((rc = source_parse(&src, json, "dataset", cause)) != 0 ||
	    (rc = dataset_open(&ds, &src, cause)) != 0)
		goto fail;
	event_emit(probe_event(&ds));
fail:
	dataset_close(&ds);
	source_free(&src);	/* source_parse leaves src safe to free, even when it fails */
	cJSON_Delete(json);
	return rc;
}
