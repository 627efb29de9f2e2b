/* json.h: typed reading of members of the daemon's replies, where any member may be null. */
#ifndef TUNA_CLI_JSON_H
#define TUNA_CLI_JSON_H

#include <stdbool.h>

#include <cJSON.h>

bool json_number(const cJSON *obj, const char *name, double *out);
bool json_int(const cJSON *obj, const char *name, long long *out);
long long json_int_or(const cJSON *obj, const char *name, long long dflt);
const char *json_string(const cJSON *obj, const char *name);
const cJSON *json_member(const cJSON *obj, const char *name);

#endif
