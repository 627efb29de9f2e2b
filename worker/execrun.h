/* execrun.h: one trial of a user's trainer, run and reported by tuna-exec. */
#ifndef TUNA_EXECRUN_H
#define TUNA_EXECRUN_H

#include "ctl.h"
#include "exectrial.h"

int execrun_trial(const struct exectrial *t, struct ctl *ctl);

#endif
