/* trial.c: parse and check a trial object; every error names the JSON path at fault. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "jcheck.h"
#include "modelsize.h"
#include "trial.h"
#include "wlimits.h"
#include "xmalloc.h"

static const char *const trial_keys[] = {
	"id", "dataset", "params", "epochs", "seed", "threads", "control", "profile", "limits",
	NULL
};

/* Read "limits" (common/wlimits.c) into tr. */
static int
trial_limits(struct trial *tr, const cJSON *v, char **cause)
{
	struct wlimits l;
	int rc;

	if ((rc = wlimits_parse(&l, v, cause)) != 0)
		return rc;
	tr->address_space_mb = l.address_space_mb;
	tr->cpu_seconds = l.cpu_seconds;
	return 0;
}

/* Parse a trial object into tr (defaults for what is absent). */
int
trial_parse(struct trial *tr, const cJSON *json, char **cause)
{
	const cJSON *v;
	double epochs = 10, seed = 0, threads = 1;
	int rc;

	memset(tr, 0, sizeof *tr);
	hparams_defaults(&tr->h);
	if (!cJSON_IsObject(json))
		return xcause(cause, -EINVAL, "trial: must be a JSON object");
	if ((rc = jcheck_known(json, trial_keys, NULL, cause)) != 0)
		return rc;
	if ((v = cJSON_GetObjectItemCaseSensitive(json, "id")) != NULL)
		tr->id = cJSON_Duplicate(v, 1);
	if ((v = cJSON_GetObjectItemCaseSensitive(json, "dataset")) == NULL) {
		rc = xcause(cause, -EINVAL, "dataset: missing (a path or an object)");
		goto fail;
	}
	if ((rc = source_parse(&tr->src, v, "dataset", cause)) != 0)
		goto fail;
	if ((v = cJSON_GetObjectItemCaseSensitive(json, "params")) != NULL &&
	    (rc = hparams_parse(&tr->h, v, "params", cause)) != 0)
		goto fail;
	if ((rc = jcheck_int(json, NULL, "epochs", 1, TRIAL_MAX_EPOCHS, &epochs, cause)) != 0 ||
	    (rc = jcheck_int(json, NULL, "seed", 0, 9007199254740991.0, &seed, cause)) != 0 ||
	    (rc = jcheck_int(json, NULL, "threads", 1, TRIAL_MAX_THREADS, &threads, cause)) != 0)
		goto fail;
	tr->epochs = (int)epochs;
	tr->seed = (uint64_t)seed;
	tr->threads = (int)threads;
	if ((v = cJSON_GetObjectItemCaseSensitive(json, "control")) != NULL) {
		if (!cJSON_IsString(v) || (strcmp(v->valuestring, "step") != 0 &&
		    strcmp(v->valuestring, "none") != 0)) {
			rc = xcause(cause, -EINVAL, "control: must be \"step\" or \"none\"");
			goto fail;
		}
		tr->step = strcmp(v->valuestring, "step") == 0;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(json, "profile")) != NULL) {
		if (!cJSON_IsBool(v)) {
			rc = xcause(cause, -EINVAL, "profile: must be true or false");
			goto fail;
		}
		tr->profile = cJSON_IsTrue(v);
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(json, "limits")) != NULL &&
	    (rc = trial_limits(tr, v, cause)) != 0)
		goto fail;
	/* the spec's rule before the data set is read; train_init checks again with it */
	if ((rc = modelsize_check(0, 0, tr->h.layers, tr->h.hidden_units, cause)) != 0)
		goto fail;
	return 0;
fail:
	trial_free(tr);
	return rc;
}

/* Free what a parsed trial holds. */
void
trial_free(struct trial *tr)
{
	cJSON_Delete(tr->id);
	source_free(&tr->src);
	memset(tr, 0, sizeof *tr);
}
