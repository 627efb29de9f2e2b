/* execend.h: how a user's trainer ended, in words for a failed trial. */
#ifndef TUNA_EXECEND_H
#define TUNA_EXECEND_H

#include <sys/resource.h>

char *execend_why(const char *prog, int status, const struct rusage *ru, long cpu_s,
    long as_mb, const char *tail);

#endif
