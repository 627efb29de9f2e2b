/*
 * fit.h: whether a search's models fit — in this machine's memory and in the spec's limits —
 * given the shape of its data set as the executor's check found it. Pure.
 * Layer: part
 */
#ifndef TUNA_FIT_H
#define TUNA_FIT_H

#include "exec.h"
#include "spec.h"

int fit_check(struct spec *s, const struct exec_dataset *ds, double mem_bytes, char **cause);

#endif
