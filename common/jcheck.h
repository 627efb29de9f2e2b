/*
 * jcheck.h: checking JSON input — a name in a list, the keys of an object, an integer in a
 * range — with errors naming the JSON path. Shared by the spec, the request table, the
 * data-set setting and the worker's trial.
 */
#ifndef TUNA_JCHECK_H
#define TUNA_JCHECK_H

#include <stdbool.h>

#include <cJSON.h>

bool jcheck_in_list(const char *const *names, const char *name);
int jcheck_unique(const cJSON *obj, const char *jpath, char **cause);
int jcheck_known(const cJSON *obj, const char *const *allowed, const char *jpath,
    char **cause);
int jcheck_keys(const cJSON *obj, const char *const *allowed, const char *jpath,
    char **cause);
int jcheck_int(const cJSON *obj, const char *jpath, const char *key, double lo, double hi,
    double *out, char **cause);

#endif
