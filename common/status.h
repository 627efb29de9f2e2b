/*
 * status.h: the states of a trial and of a search — one enum each, with one name table, used
 * by the daemon's engine and store and by the CLI. The names are what the store and the
 * protocol carry ("done", "pruned", …).
 */
#ifndef TUNA_STATUS_H
#define TUNA_STATUS_H

#include <stdbool.h>

enum trial_status {
	TRIAL_QUEUED,		/* started, its slot waiting in a cluster's queue (exec-slurm.c) */
	TRIAL_RUNNING,
	TRIAL_DONE,		/* completed its epochs */
	TRIAL_DIVERGED,		/* its loss became NaN or infinite */
	TRIAL_FAILED,		/* its process failed, timed out or reported an error */
	TRIAL_CANCELLED,	/* killed by a cancel */
	TRIAL_INTERRUPTED,	/* killed by a stop of the daemon or a suspension: runs again */
	TRIAL_PRUNED,		/* stopped early by ASHA */
	TRIAL_NSTATUS
};

enum search_status {
	SEARCH_RUNNING,
	SEARCH_DONE,
	SEARCH_CANCELLED,
	SEARCH_FAILED,		/* no trial of it could run (the cluster refused its slots) */
	SEARCH_NSTATUS
};

extern const char *const trial_status_names[TRIAL_NSTATUS];
extern const char *const search_status_names[SEARCH_NSTATUS];

const char *trial_status_name(enum trial_status s);
int trial_status_parse(const char *name);
bool trial_status_final(enum trial_status s);
const char *search_status_name(enum search_status s);

#endif
