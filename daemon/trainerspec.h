/*
 * trainerspec.h: a search's "trainer" setting — the user's own training program — parsed
 * (trainerspec.c).
 * Layer: part
 */
#ifndef TUNA_TRAINERSPEC_H
#define TUNA_TRAINERSPEC_H

#include <stdbool.h>

#include <cJSON.h>

#define TRAINERSPEC_MAX_ARGS	256	/* elements of "command" */
#define TRAINERSPEC_MAX_ENV	256	/* members of "env" */

struct trainerspec {
	bool set;		/* a "trainer" was given: the user's program, not tuna-worker */
	cJSON *command;		/* argv, with {name} and {args} placeholders */
	char *cwd;		/* absolute */
	cJSON *env;		/* {"NAME": "value", …} */
	bool control;		/* it takes commands on stdin at its epoch boundaries */
	int grace_seconds;	/* from SIGTERM to SIGKILL when it is stopped */
};

int trainerspec_parse(struct trainerspec *t, const cJSON *v, char **cause);
int trainerspec_check_names(const struct trainerspec *t, const char *const *names,
    char **cause);
cJSON *trainerspec_json(const struct trainerspec *t);
void trainerspec_free(struct trainerspec *t);

#endif
