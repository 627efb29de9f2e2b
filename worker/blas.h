/* blas.h: the BLAS kernel tuna-worker trains on, chosen and verified before its first trial. */
#ifndef TUNA_BLAS_H
#define TUNA_BLAS_H

#include <stdbool.h>

#include <cJSON.h>

int blas_choose(char **argv, bool reexec, char **cause);
int blas_probe_main(int argc, char **argv);
const char *blas_core(void);
const char *blas_why(void);
cJSON *blas_event(void);

#endif
