/* status.c: the names of trial and search states (status.h), and what they mean. */
#include <string.h>

#include "status.h"

const char *const trial_status_names[TRIAL_NSTATUS] = {
	[TRIAL_QUEUED] = "queued",
	[TRIAL_RUNNING] = "running",
	[TRIAL_DONE] = "done",
	[TRIAL_DIVERGED] = "diverged",
	[TRIAL_FAILED] = "failed",
	[TRIAL_CANCELLED] = "cancelled",
	[TRIAL_INTERRUPTED] = "interrupted",
	[TRIAL_PRUNED] = "pruned",
};

const char *const search_status_names[SEARCH_NSTATUS] = {
	[SEARCH_RUNNING] = "running",
	[SEARCH_DONE] = "done",
	[SEARCH_CANCELLED] = "cancelled",
	[SEARCH_FAILED] = "failed",
};

/* A trial state's name. */
const char *
trial_status_name(enum trial_status s)
{
	return (unsigned)s < TRIAL_NSTATUS ? trial_status_names[s] : "unknown";
}

/* The trial state of a name, or -1. */
int
trial_status_parse(const char *name)
{
	int i;

	for (i = 0; name != NULL && i < TRIAL_NSTATUS; i++) {
		if (strcmp(trial_status_names[i], name) == 0)
			return i;
	}
	return -1;
}

/* Whether a trial in this state is over for good (interrupted ones run again). */
bool
trial_status_final(enum trial_status s)
{
	return s != TRIAL_QUEUED && s != TRIAL_RUNNING && s != TRIAL_INTERRUPTED;
}

/* A search state's name. */
const char *
search_status_name(enum search_status s)
{
	return (unsigned)s < SEARCH_NSTATUS ? search_status_names[s] : "unknown";
}
