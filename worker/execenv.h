/* execenv.h: the environment a user's trainer runs in. */
#ifndef TUNA_EXECENV_H
#define TUNA_EXECENV_H

#include "exectrial.h"

char **execenv_build(const struct exectrial *t, const char *params_file);
const char *execenv_get(char *const *env, const char *name);
void execenv_free(char **env);

#endif
