/*
 * suspend.h: a database that cannot be written — the searches suspended, then resumed as
 * after a restart.
 * Layer: engine (private)
 */
#ifndef TUNA_SUSPEND_H
#define TUNA_SUSPEND_H

#include "engine.h"

void suspend_init(struct engine *e);
void suspend_begin(struct engine *e, const char *cause);
char *suspend_refusal(const struct engine *e);

#endif
