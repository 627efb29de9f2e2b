/*
 * wevent.c: a worker's line parsed into a typed event (wevent.h). Members other than numbers
 * and the few strings the daemon uses (objects such as a start event's params or a done
 * event's profile, booleans) are skipped: nothing downstream reads them.
 *
 * A start event's BLAS kernel is bounded: a blas_core (a core's name, "SkylakeX") of 64 bytes
 * or more is refused, as a metric's name of that length is (the line is not a worker event);
 * a blas_why (a sentence for people) of 1024 bytes or more is kept, cut at a UTF-8 character
 * boundary to at most 1023 bytes ending in "…". Either one empty, null or not a string counts
 * as absent, as it is from older workers.
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

/*
 * Keep a string member's value in *to (a member given twice: its last value), its control
 * characters made spaces: it goes to one log line and one line of tuna status.
 */
static void
wevent_keep(char **to, const char *s)
{
	char *p;

	free(*to);
	*to = xstrdup(s);
	for (p = *to; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
}

/* A start event's blas_core, unless absent: at most WEVENT_CORE_MAX - 1 bytes. */
static int
wevent_core(struct wevent *ev, const cJSON *v, char **cause)
{
	if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
		return 0;
	if (strlen(v->valuestring) >= WEVENT_CORE_MAX)
		return xcause(cause, -EINVAL, "blas_core \"%.32s…\" longer than %d bytes",
		    v->valuestring, WEVENT_CORE_MAX - 1);
	wevent_keep(&ev->blas_core, v->valuestring);
	return 0;
}

/* A start event's blas_why, unless absent: cut to WEVENT_WHY_MAX - 1 bytes, ending in "…". */
static void
wevent_why(struct wevent *ev, const cJSON *v)
{
	static const char more[] = "…";
	size_t n;

	if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
		return;
	wevent_keep(&ev->blas_why, v->valuestring);
	if (strlen(ev->blas_why) < WEVENT_WHY_MAX)
		return;
	n = WEVENT_WHY_MAX - sizeof more;	/* room for "…" and the NUL */
	while (n > 0 && ((unsigned char)ev->blas_why[n] & 0xc0) == 0x80)
		n--;				/* not within a character */
	memcpy(ev->blas_why + n, more, sizeof more);
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
			wevent_keep(&ev->reason, v->valuestring);
		else if (strcmp(v->string, "error") == 0 && cJSON_IsString(v))
			wevent_keep(&ev->error, v->valuestring);
		else if (strcmp(v->string, "blas_core") == 0 && ev->kind == WEVENT_START) {
			if ((rc = wevent_core(ev, v, cause)) != 0)
				goto out;
		} else if (strcmp(v->string, "blas_why") == 0 && ev->kind == WEVENT_START)
			wevent_why(ev, v);
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
	free(ev->blas_core);
	free(ev->blas_why);
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
