/*
 * queue.h: the BSD list macros of <sys/queue.h>, with what glibc's lacks.
 * Layer: base
 */
#ifndef TUNA_QUEUE_H
#define TUNA_QUEUE_H

#include <sys/queue.h>

#ifndef TAILQ_FOREACH_SAFE
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)				\
	for ((var) = TAILQ_FIRST(head);						\
	    (var) != NULL && ((tvar) = TAILQ_NEXT(var, field), 1);		\
	    (var) = (tvar))
#endif

#endif
