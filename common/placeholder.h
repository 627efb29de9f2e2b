/*
 * placeholder.h: a user trainer's command line with the trial's hyperparameters put in —
 * "{name}" is a parameter's value, an element "{args}" is "--name=value" for every parameter,
 * "{{" and "}}" are literal braces (rules in placeholder.c). tuna-exec expands a command for a
 * trial; tunad checks one at submit, against the spec's parameter names, without values.
 */
#ifndef TUNA_PLACEHOLDER_H
#define TUNA_PLACEHOLDER_H

#include <stdbool.h>

#include <cJSON.h>

#define PLACEHOLDER_ARGS	"{args}"	/* the element that becomes one --name=value each */
#define PLACEHOLDER_NUMBER_MAX	32		/* room for placeholder_number's text */

void placeholder_number(double v, char buf[PLACEHOLDER_NUMBER_MAX]);
char *placeholder_value(const cJSON *v);
char *placeholder_json(const cJSON *params, bool formatted);
int placeholder_check(const cJSON *command, const char *const *names, const char *jpath,
    char **cause);
int placeholder_expand(const cJSON *command, const cJSON *params, const char *jpath,
    cJSON **argv, char **cause);

#endif
