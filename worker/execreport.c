/*
 * execreport.c: the metric reports of one trial of a user's trainer. Each line of its stdout
 * that is a report (metricline.c) becomes an "epoch" event: the report's epoch, else the
 * previous one + 1 (the first: 1). Reports of one epoch in a row are merged, the second event
 * repeating the epoch with the metrics of both (the daemon keeps an epoch's last report). A
 * report whose every metric is named as one of the trial's parameters is the program printing
 * its settings ("lr=0.01 batch_size=64"), not a report. The last value of every metric is kept
 * for the "done" event, and says whether the objective was ever reported.
 */
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "execreport.h"
#include "metricline.h"
#include "worker-protocol.h"
#include "xmalloc.h"

/* Start with no report. */
void
execreport_init(struct execreport *rep, const cJSON *id, const cJSON *params)
{
	memset(rep, 0, sizeof *rep);
	rep->id = id;
	rep->params = params;
	rep->last = cJSON_CreateObject();
}

/* Free what the reports hold. */
void
execreport_free(struct execreport *rep)
{
	cJSON_Delete(rep->cur);
	cJSON_Delete(rep->last);
	memset(rep, 0, sizeof *rep);
}

/* Set a metric's value in an object (a new member at the end). */
static void
execreport_set(cJSON *obj, const char *name, double v)
{
	cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (item != NULL)
		cJSON_SetNumberValue(item, v);
	else
		cJSON_AddNumberToObject(obj, name, v);
}

/* Whether every metric of a report is named as one of the trial's parameters. */
static bool
execreport_settings(const struct execreport *rep, const struct metricline *ml)
{
	size_t i;

	for (i = 0; i < ml->n; i++) {
		if (cJSON_GetObjectItemCaseSensitive(rep->params, ml->m[i].name) == NULL)
			return false;
	}
	return true;
}

/* A whole line of the program's stdout (len bytes): an epoch event if it is a report. */
void
execreport_line(struct execreport *rep, const char *line, size_t len)
{
	struct metricline ml;
	const cJSON *m;
	cJSON *ev;
	size_t i;
	int n;

	if (!metricline_parse(&ml, line, len) || execreport_settings(rep, &ml)) {
		metricline_free(&ml);
		return;
	}
	n = ml.has_epoch ? ml.epoch : rep->epoch + 1;
	if (rep->reports == 0 || n != rep->epoch) {
		cJSON_Delete(rep->cur);
		rep->cur = cJSON_CreateObject();
	}
	for (i = 0; i < ml.n; i++) {
		execreport_set(rep->cur, ml.m[i].name, ml.m[i].value);
		execreport_set(rep->last, ml.m[i].name, ml.m[i].value);
	}
	rep->epoch = n;
	rep->reports++;
	ev = event_new(WEV_EPOCH, rep->id);
	cJSON_AddNumberToObject(ev, "epoch", n);
	for (m = rep->cur->child; m != NULL; m = m->next)
		cJSON_AddItemToObject(ev, m->string, cJSON_Duplicate(m, 1));
	event_emit(ev);
	metricline_free(&ml);
}

/*
 * NULL if the objective was reported, else why the trial cannot complete (caller frees); log:
 * where the program's stdout is, for a program that reported nothing.
 */
char *
execreport_missing(const struct execreport *rep, const char *objective, const char *log)
{
	const cJSON *m;
	char *names, *s, *msg;

	if (cJSON_GetObjectItemCaseSensitive(rep->last, objective) != NULL)
		return NULL;
	if (rep->reports == 0)
		return xasprintf("the trainer never reported %s (no report on its standard output: "
		    "see %s)", objective, log);
	names = xstrdup("");
	for (m = rep->last->child; m != NULL; m = m->next) {
		s = xasprintf("%s%s%s", names, *names != '\0' ? ", " : "", m->string);
		free(names);
		names = s;
	}
	msg = xasprintf("the trainer never reported %s (%ld report%s: %s)", objective,
	    rep->reports, rep->reports == 1 ? "" : "s", names);
	free(names);
	return msg;
}

/* Add the last epoch and every metric's last value to a done event (its own members win). */
void
execreport_done(const struct execreport *rep, cJSON *ev)
{
	const cJSON *m;

	cJSON_AddNumberToObject(ev, "epochs", rep->epoch);
	for (m = rep->last->child; m != NULL; m = m->next) {
		if (cJSON_GetObjectItemCaseSensitive(ev, m->string) == NULL)
			cJSON_AddItemToObject(ev, m->string, cJSON_Duplicate(m, 1));
	}
}
