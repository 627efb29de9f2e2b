/* run.h: run one trial from start to its terminal event, obeying commands between epochs. */
#ifndef TUNA_RUN_H
#define TUNA_RUN_H

#include "ctl.h"
#include "trial.h"

int run_trial(const struct trial *tr, struct ctl *ctl);

#endif
