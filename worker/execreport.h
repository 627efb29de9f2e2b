/* execreport.h: a trial's metric reports — epochs numbered and merged, the last values kept. */
#ifndef TUNA_EXECREPORT_H
#define TUNA_EXECREPORT_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

struct execreport {
	const cJSON *id;		/* the trial's, for its events */
	const cJSON *params;		/* the trial's: a report of only these is not one */
	cJSON *cur;			/* the metrics of the last report's epoch */
	cJSON *last;			/* every metric's last value, the first reported first */
	int epoch;			/* the last report's epoch */
	long reports;
};

void execreport_init(struct execreport *rep, const cJSON *id, const cJSON *params);
void execreport_line(struct execreport *rep, const char *line, size_t len);
char *execreport_missing(const struct execreport *rep, const char *objective,
    const char *log);
void execreport_done(const struct execreport *rep, cJSON *ev);
void execreport_free(struct execreport *rep);

#endif
