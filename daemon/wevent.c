/*
 * wevent.c: a worker's line parsed into a typed event (wevent.h). Members other than numbers
 * and the few strings the daemon uses (objects such as a start event's params or a done
 * event's profile, booleans) are skipped: nothing downstream reads them.
 * Layer: part
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "wevent.h"
#include "worker-protocol.h"
#include "xmalloc.h"

/* The kind of each event name the daemon acts on; the others are WEVENT_OTHER. */
static const char *const wevent_names[WEVENT_NKINDS] = {
	[WEVENT_START] = WEV_START,
	[WEVENT_EPOCH] = WEV_EPOCH,
	[WEVENT_DIVERGED] = WEV_DIVERGED,
	[WEVENT_DONE] = WEV_DONE,
	[WEVENT_ERROR] = WEV_ERROR,
};

/* The kind named name. */
static enum wevent_kind
wevent_kind(const char *name)
{
	int i;

	for (i = 0; i < WEVENT_OTHER; i++) {
		if (strcmp(wevent_names[i], name) == 0)
			return (enum wevent_kind)i;
	}
	return WEVENT_OTHER;
}

/* An integral number member in [0, INT_MAX], or -1. */
static int
wevent_int(const cJSON *v)
{
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= 2147483647.0))
		return -1;
	return (int)v->valuedouble;
}

/* Parse one line (without its newline) into ev; on error ev holds nothing. */
int
wevent_parse(struct wevent *ev, const char *line, size_t len, char **cause)
{
	const cJSON *kind, *v;
	cJSON *json;
	int rc = 0, n = 0;

	memset(ev, 0, sizeof *ev);
	ev->trial = ev->epoch = ev->epochs = -1;
	if ((json = cJSON_ParseWithLength(line, len)) == NULL || !cJSON_IsObject(json) ||
	    !cJSON_IsString(kind = cJSON_GetObjectItemCaseSensitive(json, "event"))) {
		rc = xcause(cause, -EINVAL, "not a worker event");
		goto out;
	}
	ev->kind = wevent_kind(kind->valuestring);
	cJSON_ArrayForEach(v, json)
		n += cJSON_IsNumber(v) || cJSON_IsNull(v);
	ev->metrics = n > 0 ? xcalloc((size_t)n, sizeof *ev->metrics) : NULL;
	cJSON_ArrayForEach(v, json) {
		if (strcmp(v->string, "id") == 0) {
			if (cJSON_IsNumber(v))
				ev->trial = (int64_t)v->valuedouble;
		} else if (strcmp(v->string, "epoch") == 0)
			ev->epoch = wevent_int(v);
		else if (strcmp(v->string, "epochs") == 0 && ev->kind == WEVENT_DONE)
			ev->epochs = wevent_int(v);
		else if (strcmp(v->string, "reason") == 0 && cJSON_IsString(v))
			ev->reason = xstrdup(v->valuestring);
		else if (strcmp(v->string, "error") == 0 && cJSON_IsString(v))
			ev->error = xstrdup(v->valuestring);
		else if (cJSON_IsNumber(v) || cJSON_IsNull(v)) {
			if (strlen(v->string) >= METRIC_NAME_MAX) {
				rc = xcause(cause, -EINVAL, "metric name \"%.32s…\" longer than %d "
				    "bytes", v->string, METRIC_NAME_MAX - 1);
				goto out;
			}
			strcpy(ev->metrics[ev->nmetrics].name, v->string);
			ev->metrics[ev->nmetrics++].value = cJSON_IsNumber(v) ? v->valuedouble : NAN;
		}
	}
out:
	cJSON_Delete(json);
	if (rc != 0)
		wevent_free(ev);
	return rc;
}

/* Free what a parsed event holds. */
void
wevent_free(struct wevent *ev)
{
	free(ev->reason);
	free(ev->error);
	free(ev->metrics);
	memset(ev, 0, sizeof *ev);
	ev->trial = ev->epoch = ev->epochs = -1;
}

/* The value of the metric called name, or NaN when the event has none. */
double
wevent_metric(const struct wevent *ev, const char *name)
{
	int i;

	for (i = 0; i < ev->nmetrics; i++) {
		if (strcmp(ev->metrics[i].name, name) == 0)
			return ev->metrics[i].value;
	}
	return NAN;
}
