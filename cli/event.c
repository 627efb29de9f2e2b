/*
 * event.c: one line of text for each event of a watch stream, like
 *     12:04:31  search 3  trial 5   epoch 3  loss 0.3312  val_acc 0.8812  α 1.2e-03  1.0s
 * Members an event lacks (or has as null) show as "-"; unknown kinds show their members as JSON.
 * A trial is named by its id, as everywhere in the protocol; trial_start adds its #number in
 * the search.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "event.h"
#include "format.h"
#include "json.h"
#include "protocol.h"
#include "xmalloc.h"

/* Append formatted text to *s. */
static void __attribute__((format(printf, 2, 3)))
event_append(char **s, const char *fmt, ...)
{
	va_list ap;
	char *more, *next;

	va_start(ap, fmt);
	more = xvasprintf(fmt, ap);
	va_end(ap);
	next = xasprintf("%s%s", *s, more);
	free(more);
	free(*s);
	*s = next;
}

/* Append a member formatted by format_decimal (so null shows as "-"). */
static void
event_append_decimal(char **s, const char *label, const cJSON *ev, const char *name, int decimals)
{
	char *v = format_decimal(ev, name, decimals);

	event_append(s, "  %s %s", label, v);
	free(v);
}

/* The event's trial (its id, the "trial" of every reply), or -1. */
long long
event_trial(const cJSON *ev)
{
	return json_int_or(ev, "trial", -1);
}

/* The event's time as seconds since 1970 (read as UTC: only differences matter). */
bool
event_time(const cJSON *ev, double *seconds)
{
	const char *s = json_string(ev, "time");
	struct tm tm;
	double sec;
	time_t t;

	if (s == NULL)
		return false;
	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%d-%d-%d%*1[ T]%d:%d:%lf", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	    &tm.tm_hour, &tm.tm_min, &sec) != 6)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_sec = 0;
	if ((t = timegm(&tm)) == (time_t)-1)
		return false;
	*seconds = (double)t + sec;
	return true;
}

/* The clock time of an event, HH:MM:SS (caller frees). */
static char *
event_clock(const cJSON *ev)
{
	const char *s = json_string(ev, "time");

	if (s == NULL)
		return xstrdup("--:--:--");
	if (strlen(s) >= 19 && (s[10] == ' ' || s[10] == 'T'))
		return xasprintf("%.8s", s + 11);
	return xstrdup(s);
}

/* Members of an event not already shown in its prefix, as compact JSON (caller frees). */
static char *
event_rest(const cJSON *ev)
{
	static const char *const shown[] = { "event", "id", "search", "trial", "number", "time" };
	cJSON *copy = cJSON_Duplicate(ev, true);
	char *s, *out;
	size_t i;

	for (i = 0; i < sizeof(shown) / sizeof(shown[0]); i++)
		cJSON_DeleteItemFromObjectCaseSensitive(copy, shown[i]);
	s = cJSON_PrintUnformatted(copy);
	out = xstrdup(s != NULL && strcmp(s, "{}") != 0 ? s : "");
	cJSON_free(s);
	cJSON_Delete(copy);
	return out;
}

/* The text of a search_start event, after the prefix. */
static void
event_search_start(char **s, const cJSON *ev)
{
	const char *name = json_string(ev, "name"), *mode = json_string(ev, "mode");
	const char *strategy = json_string(ev, "strategy");
	long long trials, parallel;

	event_append(s, "  start");
	if (name != NULL)
		event_append(s, "  \"%s\"", name);
	event_append(s, "  %s/%s", mode != NULL ? mode : "-", strategy != NULL ? strategy : "-");
	if (json_int(ev, "trials", &trials))
		event_append(s, "  %lld trials", trials);
	if (json_int(ev, "parallel", &parallel))
		event_append(s, ", %lld parallel", parallel);
}

/* The text of a trial_start event, after the prefix. */
static void
event_trial_start(char **s, const cJSON *ev)
{
	char *params = format_params(json_member(ev, "params"));
	long long number, round;

	event_append(s, "start");
	if (json_int(ev, "number", &number))
		event_append(s, "  #%lld", number);
	if (json_int(ev, "round", &round) && round > 1)
		event_append(s, "  round %lld", round);	/* rounds count from 1 */
	if (*params != '\0')
		event_append(s, "  %s", params);
	free(params);
}

/* The text of an epoch event, after the prefix. */
static void
event_epoch(char **s, const cJSON *ev)
{
	double alpha, seconds;
	char *a;

	event_append(s, "epoch %lld", json_int_or(ev, "epoch", -1));
	event_append_decimal(s, "loss", ev, "train_loss", 4);
	event_append_decimal(s, "val_acc", ev, "val_acc", 4);
	if (json_number(ev, "alpha", &alpha)) {
		a = xasprintf("%.1e", alpha);
		event_append(s, "  α %s", a);
		free(a);
	}
	if (json_number(ev, "seconds", &seconds))
		event_append(s, "  %.1fs", seconds);
}

/* The text of a trial_end event, after the prefix. */
static void
event_trial_end(char **s, const cJSON *ev)
{
	const char *status = json_string(ev, "status"), *error = json_string(ev, "error");
	long long epochs;
	double seconds;

	event_append(s, "%s", status != NULL ? status : "end");
	event_append_decimal(s, "val_acc", ev, "val_acc", 4);
	event_append_decimal(s, "test_acc", ev, "test_acc", 4);
	if (json_int(ev, "epochs", &epochs))
		event_append(s, "  %lld epoch%s", epochs, epochs == 1 ? "" : "s");
	if (json_number(ev, "seconds", &seconds))
		event_append(s, "  %.1fs", seconds);
	if (error != NULL && *error != '\0')
		event_append(s, "  error: %s", error);
}

/* The text of a trial_state event: "queued (Resources)", "running". */
static void
event_trial_state(char **s, const cJSON *ev)
{
	const char *status = json_string(ev, "status"), *reason = json_string(ev, "reason");

	event_append(s, "%s", status != NULL ? status : "state");
	if (reason != NULL)
		event_append(s, " (%s)", reason);
}

/* The text of a search_end event, after the prefix. */
static void
event_search_end(char **s, const cJSON *ev)
{
	const char *status = json_string(ev, "status"), *metric;
	long long done, total, best;
	char *acc;

	event_append(s, "  end  %s", status != NULL ? status : "-");
	if (json_string(ev, "error") != NULL)
		event_append(s, " (%s)", json_string(ev, "error"));
	if (json_int(ev, "done", &done)) {
		event_append(s, "  %lld", done);
		if (json_int(ev, "total", &total))
			event_append(s, "/%lld", total);
		event_append(s, " trials done");
	}
	/* the best by the search's objective (a search of tuna 1: "best_val_acc") */
	metric = json_string(json_member(ev, "objective"), "metric");
	if (metric != NULL && json_member(ev, "best") != NULL)
		acc = format_decimal(ev, "best", 4);
	else if (json_member(ev, "best_val_acc") != NULL) {
		metric = "val_acc";
		acc = format_decimal(ev, "best_val_acc", 4);
	} else
		return;
	event_append(s, "  best %s %s", metric, acc);
	if (json_int(ev, "best_trial", &best))
		event_append(s, " (trial %lld)", best);
	free(acc);
}

/* The text of a round event (coarse-to-fine), after the prefix: "round 2: alpha 3.1e-04..". */
static void
event_round(char **s, const cJSON *ev)
{
	const char *desc = json_string(ev, "description");
	const cJSON *box = json_member(ev, "box");
	long long n;
	char *b;

	event_append(s, "  round %lld", json_int_or(ev, "round", -1));
	if (json_int(ev, "trials", &n))
		event_append(s, " (%lld trials)", n);
	if (desc != NULL)
		event_append(s, ": %s", desc);
	else if (box != NULL && (b = cJSON_PrintUnformatted(box)) != NULL) {
		event_append(s, ": %s", b);
		cJSON_free(b);
	}
}

/* A decision of the babysitter (panda policy, ASHA): "epoch 3  lower  alpha 5e-04  reason". */
static void
event_decision(char **s, const cJSON *ev)
{
	const char *action = json_string(ev, "action"), *reason = json_string(ev, "reason");
	double a;
	char *alpha;

	event_append(s, "epoch %lld  %s", json_int_or(ev, "epoch", -1), action ? action : "?");
	if (json_number(ev, "alpha", &a)) {
		alpha = format_number(a);
		event_append(s, "  α %s", alpha);
		free(alpha);
	}
	if (reason != NULL)
		event_append(s, "  (%s)", reason);
}

/* A user's nudge, or a checkpoint, as it landed. */
static void
event_nudge(char **s, const cJSON *ev, const char *kind)
{
	char *rest;

	if (strcmp(kind, EV_CHECKPOINT) == 0) {
		event_append(s, "checkpoint  epoch %lld", json_int_or(ev, "epoch", -1));
		return;
	}
	rest = event_rest(ev);
	event_append(s, "nudge at epoch %lld  %s", json_int_or(ev, "epoch", -1), rest);
	free(rest);
}

/* The store could not be written for a while; the search resumed. */
static void
event_storage(char **s, const cJSON *ev)
{
	const char *err = json_string(ev, "error");
	double seconds = 0;

	json_number(ev, "seconds", &seconds);
	event_append(s, "  resumed: the database could not be written for %.0f s (%s); the "
	    "trials that were running run again", seconds, err != NULL ? err : "?");
}

/* One line for an event (without the newline; caller frees); trial numbers padded to width. */
char *
event_format(const cJSON *ev, int trial_width)
{
	const char *kind = json_string(ev, "event"), *msg;
	char *s = event_clock(ev), *rest;
	long long search, trial = event_trial(ev);
	bool pertrial;

	if (kind == NULL)
		kind = "?";
	pertrial = strcmp(kind, EV_TRIAL_START) == 0 || strcmp(kind, EV_EPOCH) == 0 ||
	    strcmp(kind, EV_TRIAL_END) == 0 || strcmp(kind, EV_DECISION) == 0 ||
	    strcmp(kind, EV_NUDGE) == 0 || strcmp(kind, EV_CHECKPOINT) == 0 ||
	    strcmp(kind, EV_TRIAL_STATE) == 0;
	if (json_int(ev, "search", &search))
		event_append(&s, "  search %lld", search);
	if (trial >= 0 || pertrial) {
		if (trial >= 0)
			event_append(&s, "  trial %-*lld  ", trial_width, trial);
		else
			event_append(&s, "  trial %-*s  ", trial_width, "-");
	}
	if (strcmp(kind, EV_SEARCH_START) == 0)
		event_search_start(&s, ev);
	else if (strcmp(kind, EV_TRIAL_START) == 0)
		event_trial_start(&s, ev);
	else if (strcmp(kind, EV_EPOCH) == 0)
		event_epoch(&s, ev);
	else if (strcmp(kind, EV_TRIAL_END) == 0)
		event_trial_end(&s, ev);
	else if (strcmp(kind, EV_SEARCH_END) == 0)
		event_search_end(&s, ev);
	else if (strcmp(kind, EV_TRIAL_STATE) == 0)
		event_trial_state(&s, ev);
	else if (strcmp(kind, EV_ROUND) == 0 && trial < 0)
		event_round(&s, ev);
	else if (strcmp(kind, EV_DECISION) == 0)
		event_decision(&s, ev);
	else if (strcmp(kind, EV_NUDGE) == 0 || strcmp(kind, EV_CHECKPOINT) == 0)
		event_nudge(&s, ev, kind);
	else if (strcmp(kind, EV_STORAGE) == 0)
		event_storage(&s, ev);
	else if (strcmp(kind, EV_LOG) == 0 && (msg = json_string(ev, "message")) != NULL)
		event_append(&s, "%s%s", trial >= 0 ? "" : "  ", msg);
	else {
		rest = event_rest(ev);
		event_append(&s, "%s%s%s%s", trial >= 0 ? "" : "  ", kind, *rest != '\0' ? "  " : "",
		    rest);
		free(rest);
	}
	return s;
}
