/* ckpt.h: checkpoints of a training run (weights, optimizer state, schedule, batch order). */
#ifndef TUNA_CKPT_H
#define TUNA_CKPT_H

#include "train.h"

int ckpt_save(const struct train *t, const char *path, char **cause);
int ckpt_load(struct train *t, const char *path, char **cause);

#endif
