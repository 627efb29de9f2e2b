/* metricline.h: whether a line a user's trainer printed is a metric report, and its numbers. */
#ifndef TUNA_METRICLINE_H
#define TUNA_METRICLINE_H

#include <stdbool.h>
#include <stddef.h>

struct metric {
	const char *name;		/* points into the metricline's text */
	double value;			/* NaN and ±inf allowed: a loss that diverged */
};

struct metricline {
	char *text;			/* the line's cleaned copy, cut up in place */
	struct metric *m;		/* the metrics in the line's order, not epoch or step */
	size_t n, cap;
	bool has_epoch;			/* the report says which epoch it is */
	bool epoch_from_step;		/* … and said it with "step" (an "epoch" overrides it) */
	int epoch;			/* that epoch, when has_epoch */
};

bool metricline_parse(struct metricline *ml, const char *line, size_t len);
void metricline_free(struct metricline *ml);
char *metricline_clean(const char *line, size_t len);
bool metricline_name(const char *s, size_t n);

#endif
