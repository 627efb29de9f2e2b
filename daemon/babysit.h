/*
 * babysit.h: the engine's hand on running trials at every epoch boundary — ASHA's prunes, the
 * panda policy, checkpoints, rollbacks, user nudges.
 * Layer: engine (private)
 */
#ifndef TUNA_BABYSIT_H
#define TUNA_BABYSIT_H

#include <cJSON.h>

#include "wevent.h"

struct trial;

void babysit_start(struct trial *t);
void babysit_epoch(struct trial *t, const struct wevent *ev);
void babysit_diverged(struct trial *t, const struct wevent *ev);
int babysit_nudge(struct trial *t, const cJSON *nudge, char **cause);

#endif
