/* limit.h: a trial's resource limits (address space, CPU time), applied by the worker itself. */
#ifndef TUNA_LIMIT_H
#define TUNA_LIMIT_H

#include <cJSON.h>

int limit_apply(int address_space_mb, int cpu_seconds, char **cause);
int limit_room(int threads, char **cause);
void limit_explain(char **cause);
cJSON *limit_to_json(void);
int limit_release(char **cause);

#endif
