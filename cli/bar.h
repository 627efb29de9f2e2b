/* bar.h: the progress line that tuna tail -f keeps at the bottom of a terminal. */
#ifndef TUNA_CLI_BAR_H
#define TUNA_CLI_BAR_H

#include <stdbool.h>
#include <stdio.h>

#include <cJSON.h>

#define BAR_WIDTH 20	/* cells between the brackets */

struct bar {
	long long search;		/* the watched search */
	long long total;		/* trials requested (0: not known yet) */
	long long started;		/* trial_start events seen */
	long long stopped;		/* trial_end events seen */
	long long ended;		/* of those, not interrupted (tunad re-runs those) */
	char metric[64];		/* the search's objective (val_acc by default) */
	bool minimize;			/* its goal is min */
	bool have_best;
	double best;			/* its best value over the done trials */
	long long best_trial;		/* its id */
	bool finished;			/* search_end seen */
	const char *status;		/* its status (points into a static string) */
	bool have_first;
	double t_first;			/* event time of the first trial_start, seconds */
	double t_end;			/* event time of the last trial_end */
	double t_event;			/* event time of the last event */
	double m_event;			/* monotonic clock when the last event arrived */
	bool drawn;			/* the bar is on the screen */
};

void bar_init(struct bar *b, long long search);
void bar_event(struct bar *b, const cJSON *ev);
char *bar_text(const struct bar *b);
void bar_draw(struct bar *b, FILE *f);
void bar_clear(struct bar *b, FILE *f);

#endif
