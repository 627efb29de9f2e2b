/*
 * execend.c: the message of a trial whose trainer failed, from its wait status and the end of
 * its stderr (errtail.c), worded as tuna-worker's failures are: "train.py exited with status 1:
 * Traceback …; ValueError: bad", "python3 was killed by signal 11 (Segmentation fault), core
 * dumped", "CPU time limit reached (limits.cpu_seconds = 60): python3 was killed by SIGXCPU"
 * (also when it ignored SIGXCPU and the hard limit's SIGKILL ended it), and, when it failed
 * under an address-space limit saying something of memory or allocation, "… (under the
 * address-space limit: limits.address_space_mb = N)", as worker/limit.c adds it.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "execend.h"
#include "xmalloc.h"

/* CPU seconds a process used, user and system. */
static double
execend_cpu(const struct rusage *ru)
{
	return (double)ru->ru_utime.tv_sec + (double)ru->ru_stime.tv_sec +
	    (ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) / 1e6;
}

/* Why a trainer that did not exit 0 failed (caller frees); tail: its last stderr lines. */
char *
execend_why(const char *prog, int status, const struct rusage *ru, long cpu_s, long as_mb,
    const char *tail)
{
	const char *sep = tail != NULL && *tail != '\0' ? ": " : "";
	char *msg, *more;
	int sig;

	tail = *sep != '\0' ? tail : "";
	if (!WIFSIGNALED(status))
		msg = xasprintf("%s exited with status %d%s%s", prog, WEXITSTATUS(status), sep,
		    tail);
	else if ((sig = WTERMSIG(status)) == SIGXCPU && cpu_s > 0)
		return xasprintf("CPU time limit reached (limits.cpu_seconds = %ld): %s was "
		    "killed by SIGXCPU", cpu_s, prog);
	else if (sig == SIGKILL && cpu_s > 0 && execend_cpu(ru) >= (double)cpu_s)
		return xasprintf("CPU time limit reached (limits.cpu_seconds = %ld): %s ignored "
		    "SIGXCPU and was killed by SIGKILL", cpu_s, prog);
	else
		msg = xasprintf("%s was killed by signal %d (%s)%s%s%s", prog, sig, strsignal(sig),
		    WCOREDUMP(status) ? ", core dumped" : "", sep, tail);
	if (as_mb > 0 && (strcasestr(tail, "memory") != NULL ||
	    strcasestr(tail, "alloc") != NULL)) {
		more = xasprintf("%s (under the address-space limit: "
		    "limits.address_space_mb = %ld)", msg, as_mb);
		free(msg);
		msg = more;
	}
	return msg;
}
