/*
 * limit.c: a trial's resource limits, applied by the worker process itself at the start of
 * every trial. One process runs trial after trial, so:
 *
 * - the soft RLIMIT_CPU is the CPU time this process has used so far (all its threads, rounded
 *   up) plus the trial's cpu_seconds; past it the kernel sends SIGXCPU, and the worker dies of
 *   it (a line on stderr first, no core dump: it is not a crash);
 * - the soft RLIMIT_AS is the trial's address_space_mb; past it an allocation fails, and
 *   xmalloc aborts with WLIMIT_AS_REACHED and the limit in its message;
 * - hard limits are never touched (a later trial may raise a soft limit again), and no soft
 *   limit is set above the one the process started with; a trial without limits, and the time
 *   between trials, run under the limits the process started with (limit_release).
 *
 * Under AddressSanitizer RLIMIT_AS cannot work (its shadow memory reserves terabytes of address
 * space up front), so there only the CPU limit is applied, and the start event says so.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "limit.h"
#include "worker-protocol.h"
#include "xmalloc.h"

#if defined(__SANITIZE_ADDRESS__)
#define LIMIT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LIMIT_ASAN 1
#endif
#endif
#ifndef LIMIT_ASAN
#define LIMIT_ASAN 0
#endif

/*
 * Address space a trial still needs once its data and model are in: OpenBLAS (0.3.21, x86_64)
 * maps a 128 MiB buffer for every thread that calls sgemm, and if it cannot, it retries forever
 * (memory.c) instead of failing; plus some slack for the rest (thread stacks, the kept copy of
 * small models, stdio).
 */
#define LIMIT_BLAS_MB	130
#define LIMIT_SLACK_MB	32

#define LIMIT_ASAN_NOTE	"address_space_mb not applied: AddressSanitizer reserves " \
			"terabytes of address space for its shadow memory"

static struct rlimit limit_as0, limit_cpu0;	/* as the process started */
static bool limit_saved;
static long limit_as_mb;		/* the address-space limit in force (MiB), 0: none */
static int limit_cpu_s;			/* this trial's CPU seconds, 0: none */
static bool limit_as_skipped;		/* asked for, not applied (AddressSanitizer) */
static char limit_reason[96];		/* for xmalloc's abort message */
static char limit_xcpu_msg[96];		/* for the SIGXCPU handler */

/* SIGXCPU: the trial's CPU time is up. Say so, and die of the signal, without a core dump. */
static void
limit_xcpu(int sig)
{
	ssize_t n = write(STDERR_FILENO, limit_xcpu_msg, strlen(limit_xcpu_msg));

	(void)n;
	prctl(PR_SET_DUMPABLE, 0);
	raise(sig);		/* SA_RESETHAND: the default action now, which terminates */
}

/* The first time: remember the limits the process started with; catch SIGXCPU. */
static int
limit_init(char **cause)
{
	struct sigaction sa;

	if (limit_saved)
		return 0;
	if (getrlimit(RLIMIT_AS, &limit_as0) != 0 || getrlimit(RLIMIT_CPU, &limit_cpu0) != 0)
		return xcause(cause, -errno, "limits: getrlimit: %s", strerror(errno));
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = limit_xcpu;
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGXCPU, &sa, NULL) != 0)
		return xcause(cause, -errno, "limits: sigaction: %s", strerror(errno));
	limit_saved = true;
	return 0;
}

/* A soft limit of want, but never above the soft limit the process started with. */
static rlim_t
limit_soft(rlim_t want, const struct rlimit *start)
{
	return start->rlim_cur != RLIM_INFINITY && want > start->rlim_cur ? start->rlim_cur : want;
}

/* CPU seconds this process has used so far, all threads, user and system. */
static double
limit_cpu_used(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/*
 * Apply a trial's limits (0: none) to this process: the address space in MiB, the CPU seconds
 * from now on.
 */
int
limit_apply(int address_space_mb, int cpu_seconds, char **cause)
{
	struct rlimit as, cpu;
	int err;

	if ((err = limit_init(cause)) != 0)
		return err;
	as = limit_as0;
	cpu = limit_cpu0;
	limit_as_skipped = address_space_mb > 0 && LIMIT_ASAN;
	if (address_space_mb > 0 && !LIMIT_ASAN)
		as.rlim_cur = limit_soft((rlim_t)address_space_mb << 20, &limit_as0);
	if (cpu_seconds > 0)
		cpu.rlim_cur = limit_soft((rlim_t)ceil(limit_cpu_used()) + (rlim_t)cpu_seconds,
		    &limit_cpu0);
	if ((!LIMIT_ASAN && setrlimit(RLIMIT_AS, &as) != 0) || setrlimit(RLIMIT_CPU, &cpu) != 0)
		return xcause(cause, -errno, "limits: setrlimit: %s", strerror(errno));

	limit_as_mb = address_space_mb > 0 && !LIMIT_ASAN ? (long)(as.rlim_cur >> 20) : 0;
	limit_cpu_s = cpu_seconds;
	if (cpu_seconds > 0)
		snprintf(limit_xcpu_msg, sizeof limit_xcpu_msg, "tuna-worker: CPU time limit "
		    "reached (limits.cpu_seconds = %d)\n", cpu_seconds);
	else		/* the limit the process was started under */
		snprintf(limit_xcpu_msg, sizeof limit_xcpu_msg, "tuna-worker: CPU time limit "
		    "reached (RLIMIT_CPU, %llu s)\n", (unsigned long long)cpu.rlim_cur);
	snprintf(limit_reason, sizeof limit_reason, "%s (limits.address_space_mb = %ld)",
	    WLIMIT_AS_REACHED, limit_as_mb);
	xmalloc_set_reason(limit_as_mb > 0 ? limit_reason : NULL);
	return 0;
}

/* The address space this process has mapped, in bytes (0 when unknown). */
static double
limit_vsz(void)
{
	char buf[128];
	ssize_t n;
	int fd;

	/* no stdio: no allocation under a tight limit */
	if ((fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtod(buf, NULL) * (double)sysconf(_SC_PAGESIZE);
}

/*
 * With the data and the model loaded: check that the address-space limit leaves room for the
 * rest of a trial of this many threads (OpenBLAS would spin forever, not fail, without it).
 */
int
limit_room(int threads, char **cause)
{
	double vsz, need;

	if (limit_as_mb == 0 || (vsz = limit_vsz()) == 0)
		return 0;
	need = ((double)threads * LIMIT_BLAS_MB + LIMIT_SLACK_MB) * 1048576;
	if (vsz + need <= (double)limit_as_mb * 1048576)
		return 0;
	return xcause(cause, -ENOMEM, "%s (limits.address_space_mb = %ld): %.0f MiB in use with "
	    "the data and the model loaded, and training needs about %.0f MiB more (OpenBLAS "
	    "maps %d MiB per trainer thread; threads: %d)", WLIMIT_AS_REACHED, limit_as_mb,
	    vsz / 1048576, need / 1048576, LIMIT_BLAS_MB, threads);
}

/* Add the address-space limit to a message about an allocation that failed under it. */
void
limit_explain(char **cause)
{
	char *s;

	if (limit_as_mb == 0 || *cause == NULL || (strstr(*cause, strerror(ENOMEM)) == NULL &&
	    strstr(*cause, strerror(EAGAIN)) == NULL))
		return;
	s = xasprintf("%s (under the address-space limit: limits.address_space_mb = %ld)",
	    *cause, limit_as_mb);
	free(*cause);
	*cause = s;
}

/*
 * The limits in force, for the start event: {"address_space_mb": MiB or null,
 * "cpu_seconds": s or null}, and a "note" when the address space was asked for but not limited.
 */
cJSON *
limit_to_json(void)
{
	cJSON *o = cJSON_CreateObject();

	if (limit_as_mb > 0)
		cJSON_AddNumberToObject(o, "address_space_mb", (double)limit_as_mb);
	else
		cJSON_AddNullToObject(o, "address_space_mb");
	if (limit_cpu_s > 0)
		cJSON_AddNumberToObject(o, "cpu_seconds", limit_cpu_s);
	else
		cJSON_AddNullToObject(o, "cpu_seconds");
	if (limit_as_skipped)
		cJSON_AddStringToObject(o, "note", LIMIT_ASAN_NOTE);
	return o;
}

/* The trial is over: back to the limits the process started with, until the next trial. */
int
limit_release(char **cause)
{
	if (!limit_saved)
		return 0;
	return limit_apply(0, 0, cause);
}
