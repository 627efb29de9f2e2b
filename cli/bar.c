/*
 * bar.c: the progress line of tuna tail -f on a terminal,
 *     [#########.........] 12/40 trials · 2 running · best val_acc 0.8912 (trial 7) · ETA 3m12s
 * counted from the watch events (the history replays the search so far): the best done trial
 * by the search's objective (search_start says it; a search of tuna 1 ranked by val_acc).
 * The ETA comes from
 * the rate of trial_end events: (time from the first trial_start to the last trial_end) / ended
 * × remaining, counting down from that last trial_end.
 */
#include <sys/ioctl.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "bar.h"
#include "event.h"
#include "format.h"
#include "json.h"
#include "protocol.h"
#include "status.h"
#include "xmalloc.h"

/* The monotonic clock, seconds. */
static double
bar_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Start counting for a search. */
void
bar_init(struct bar *b, long long search)
{
	memset(b, 0, sizeof(*b));
	b->search = search;
	b->best_trial = -1;
	snprintf(b->metric, sizeof b->metric, "val_acc");
	b->m_event = bar_now();
}

/* Take a trial's objective value from an event member, if it is better. */
static void
bar_best(struct bar *b, const cJSON *ev, const char *name, long long trial)
{
	double v;

	if (!json_number(ev, name, &v) || !isfinite(v))
		return;
	if (!b->have_best || (b->minimize ? v < b->best : v > b->best)) {
		b->have_best = true;
		b->best = v;
		b->best_trial = trial;
	}
}

/* Count one event of the watch stream. */
void
bar_event(struct bar *b, const cJSON *ev)
{
	const char *kind = json_string(ev, "event"), *status, *metric, *goal, *best;
	const cJSON *objective;
	double now = bar_now(), t;
	long long search, n;

	if (kind == NULL)
		return;
	if (json_int(ev, "search", &search) && search != b->search)
		return;
	if (!event_time(ev, &t))
		t = b->t_event + (now - b->m_event);
	b->t_event = t;
	b->m_event = now;
	if (strcmp(kind, EV_SEARCH_START) == 0) {
		if (json_int(ev, "trials", &n) && n > 0)
			b->total = n;
		objective = json_member(ev, "objective");
		if ((metric = json_string(objective, "metric")) != NULL)
			snprintf(b->metric, sizeof b->metric, "%s", metric);
		b->minimize = (goal = json_string(objective, "goal")) != NULL &&
		    strcmp(goal, "min") == 0;
	} else if (strcmp(kind, EV_TRIAL_START) == 0) {
		b->started++;
		if (!b->have_first) {
			b->have_first = true;
			b->t_first = t;
		}
	} else if (strcmp(kind, EV_TRIAL_END) == 0) {
		b->stopped++;
		status = json_string(ev, "status");
		if (trial_status_parse(status) == TRIAL_INTERRUPTED)
			return;		/* tunad runs it again */
		b->ended++;
		b->t_end = t;
		/* its objective (null: none); a trial of tuna 1: its val_acc */
		if (trial_status_parse(status) == TRIAL_DONE)
			bar_best(b, ev, cJSON_HasObjectItem(ev, "objective") ? "objective" :
			    "val_acc", event_trial(ev));
	} else if (strcmp(kind, EV_SEARCH_END) == 0) {
		b->finished = true;
		status = json_string(ev, "status");
		b->status = status != NULL &&
		    strcmp(status, search_status_name(SEARCH_CANCELLED)) == 0 ? "cancelled" :
		    status != NULL && strcmp(status, search_status_name(SEARCH_FAILED)) == 0 ?
		    "failed" : "finished";
		best = json_member(ev, "best") != NULL ? "best" :
		    json_member(ev, "best_val_acc") != NULL ? "best_val_acc" : NULL;
		if (best != NULL) {
			b->have_best = false;
			bar_best(b, ev, best, json_int_or(ev, "best_trial", -1));
		}
	}
}

/* The estimated time left, as text (caller frees). */
static char *
bar_eta(const struct bar *b)
{
	double rate, left;
	long long remaining = b->total - b->ended;
	char *d, *out;

	if (b->finished)
		return xstrdup(b->status);
	if (b->total > 0 && remaining <= 0)
		return xstrdup("ETA 0s");
	if (b->ended == 0 || !b->have_first || b->total <= 0)
		return xstrdup("ETA --");
	rate = (b->t_end - b->t_first) / (double)b->ended;
	left = rate * (double)remaining - ((b->t_event - b->t_end) + (bar_now() - b->m_event));
	if (left < 0)
		left = 0;
	d = format_duration(left);
	out = xasprintf("ETA %s", d);
	free(d);
	return out;
}

/* The bar's text (caller frees). */
char *
bar_text(const struct bar *b)
{
	char cells[BAR_WIDTH + 1], *eta, *best, *out;
	long long running = b->started - b->stopped, fill = 0;

	if (running < 0 || b->finished)
		running = 0;
	if (b->total > 0)
		fill = (b->ended > b->total ? b->total : b->ended) * BAR_WIDTH / b->total;
	memset(cells, '.', BAR_WIDTH);
	memset(cells, '#', (size_t)fill);
	cells[BAR_WIDTH] = '\0';
	if (!b->have_best)
		best = xasprintf("best %s --", b->metric);
	else if (b->best_trial >= 0)
		best = xasprintf("best %s %.4f (trial %lld)", b->metric, b->best, b->best_trial);
	else
		best = xasprintf("best %s %.4f", b->metric, b->best);
	eta = bar_eta(b);
	if (b->total > 0)
		out = xasprintf("[%s] %lld/%lld trials · %lld running · %s · %s", cells, b->ended,
		    b->total, running, best, eta);
	else
		out = xasprintf("[%s] %lld trials · %lld running · %s · %s", cells, b->ended,
		    running, best, eta);
	free(best);
	free(eta);
	return out;
}

/* Draw (or redraw) the bar on the last line of the terminal f, cut to its width. */
void
bar_draw(struct bar *b, FILE *f)
{
	struct winsize ws;
	char *text = bar_text(b);

	if (ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1)
		format_truncate(text, (size_t)ws.ws_col - 1);
	fprintf(f, "\r\033[K%s", text);
	fflush(f);
	free(text);
	b->drawn = true;
}

/* Erase the bar, leaving the cursor at the start of its line. */
void
bar_clear(struct bar *b, FILE *f)
{
	if (!b->drawn)
		return;
	fputs("\r\033[K", f);
	fflush(f);
	b->drawn = false;
}
