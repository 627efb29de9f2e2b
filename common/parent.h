/* parent.h: a process tunad starts dies with tunad (TUNA_PARENT). */
#ifndef TUNA_PARENT_H
#define TUNA_PARENT_H

void parent_follow(void);

#endif
