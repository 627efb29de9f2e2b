/*
 * wevent.h: one line a worker wrote (worker-protocol.h), parsed once, at the executor's
 * boundary, into a typed event: its kind, the trial it belongs to, its epoch, and every number
 * it carries as a named metric, in the order written; a start event also the BLAS kernel the
 * trial runs on and why (both absent from older workers and other trainers: NULL).
 * Layer: part
 */
#ifndef TUNA_WEVENT_H
#define TUNA_WEVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metric.h"

#define WEVENT_CORE_MAX	64	/* bytes of a blas_core, its NUL included: longer is refused */
#define WEVENT_WHY_MAX	1024	/* bytes of a blas_why, its NUL included: longer is cut */

enum wevent_kind {
	WEVENT_START,		/* the trial's data and model are ready */
	WEVENT_EPOCH,		/* an epoch ended: its metrics */
	WEVENT_DIVERGED,	/* the loss became NaN or infinite */
	WEVENT_DONE,		/* the trial ended: its result */
	WEVENT_ERROR,		/* the trial cannot run: the message */
	WEVENT_OTHER,		/* an acknowledgement (set, saved, restored) or a kind not known */
	WEVENT_NKINDS
};

struct wevent {
	enum wevent_kind kind;
	int64_t trial;		/* its "id", or -1 */
	int epoch;		/* its "epoch", or -1 */
	int epochs;		/* done: the epochs run, or -1 */
	char *reason;		/* done: completed, stopped or diverged; else NULL */
	char *error;		/* error: the message; else NULL */
	char *blas_core;	/* start: the BLAS kernel's core ("SkylakeX"), or NULL */
	char *blas_why;		/* start: why that kernel, or NULL */
	int nmetrics;
	struct metric *metrics;	/* every other number (or null) it carries, in order */
};

int wevent_parse(struct wevent *ev, const char *line, size_t len, char **cause);
void wevent_free(struct wevent *ev);
double wevent_metric(const struct wevent *ev, const char *name);

#endif
