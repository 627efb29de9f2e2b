/*
 * exec-slurm.c: the Slurm executor — each slot a job step, `srun … tuna-worker -`, which
 * forwards the worker's stdin and stdout, so tunad talks to it as to a local worker: this is
 * the local executor (exec-local.c) with a launcher. Outside an allocation each slot is a job
 * of its own; inside one (SLURM_JOB_ID set: tunad under sbatch or salloc) a step of it, with
 * --exact so that steps share the allocation's CPUs. srun runs under `setpriv --pdeathsig
 * TERM`, so a killed tunad takes its steps with it. What srun says on stderr tells the rest:
 * a slot waiting in the queue (its trial is queued, with Slurm's reason), allocated (running),
 * refused (no trial of the search can run) or ended by the cluster (a node failure, a cancel,
 * its time limit: the trial runs again). The environment goes along (srun's default,
 * --export=ALL) without TUNA_PARENT, which would make the worker on the node exit at once.
 * While slots wait in the queue, one squeue call for all of them (every 2 s, backing off to
 * 30 s while nothing changes) gives Slurm's reason ("Resources", "Priority", …).
 * Layer: part
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec.h"
#include "execspec.h"
#include "log.h"
#include "xmalloc.h"

extern char **environ;

/* What srun prints: the state of a slot's job (or step), and ends that are the cluster's. */
static const struct {
	const char *text;
	enum exec_state state;
} exec_slurm_states[] = {
	{ "queued and waiting for resources", EXEC_QUEUED },
	{ "step creation temporarily disabled", EXEC_QUEUED },
	{ "has been allocated resources", EXEC_RUNNING },
	{ "Step created for", EXEC_RUNNING },
};

/* srun --immediate found no room (the cluster is busy): not a refusal. */
#define EXEC_SLURM_BUSY "Requested nodes are busy"

/* Seconds a data-set check waits for a slot; then it is checked on tunad's machine. */
#define EXEC_SLURM_CHECK_WAIT 10

static const char *const exec_slurm_refusals[] = {
	"Unable to allocate resources",
	"Invalid partition",
	"Invalid account",
	"Requested time limit is invalid",
	"Memory required by task is not available",
	"More processors requested than permitted",
	"Job violates accounting/QOS policy",
	"Unable to create step",
};

static const char *const exec_slurm_faults[] = {
	"CANCELLED",
	"DUE TO TIME LIMIT",
	"DUE TO PREEMPTION",
	"NODE_FAIL",
	"NODE FAILURE",
	"Job step aborted",
	"Force Terminated",
	"job allocation has been revoked",
};

#define EXEC_SLURM_POLL_MS	2000	/* squeue's first poll; doubled while nothing changes */
#define EXEC_SLURM_POLL_MAX_MS	30000
#define EXEC_SLURM_SQUEUE_MAX	(256 << 10)	/* the most of squeue's output read */

/* A slot whose job waits in the queue. */
struct exec_slurm_wait {
	unsigned long seq;
	long job;
	void *trial;			/* the trial it will run (NULL: a check) */
	char reason[64];		/* Slurm's, as last told */
};

struct exec_slurm {
	struct exec *x;			/* the local executor launching through us */
	uv_loop_t *loop;
	char **prefix;			/* setpriv, srun and its options, NULL-terminated */
	int nprefix;
	long pid;			/* tunad's: in every job name */
	struct exec_slurm_wait *waits;
	int nwaits;
	uv_timer_t timer;		/* the next squeue */
	uv_process_t proc;		/* squeue, while it runs */
	uv_pipe_t out;
	char *buf;			/* its output */
	size_t len;
	uint64_t interval;		/* ms to the next poll */
	int handles;			/* open: freed after the last closes */
	bool polling, exited, eof, freed;
};

static void exec_slurm_poll(struct exec_slurm *xs);
static void exec_slurm_timer_cb(uv_timer_t *timer);

/* The argv of slot seq: our prefix, its job name, then the worker's argv. */
static char **
exec_slurm_argv(void *arg, unsigned long seq, char *const *worker_argv)
{
	struct exec_slurm *xs = arg;
	size_t n = 0, i, j = 0;
	char **argv;

	while (worker_argv[n] != NULL)
		n++;
	argv = xcalloc((size_t)xs->nprefix + n + 4, sizeof *argv);
	for (i = 0; i < (size_t)xs->nprefix; i++)
		argv[j++] = xstrdup(xs->prefix[i]);
	if (n > 1 && strcmp(worker_argv[1], "--check") == 0)	/* a check does not queue */
		argv[j++] = xasprintf("--immediate=%d", EXEC_SLURM_CHECK_WAIT);
	argv[j++] = xasprintf("--job-name=tuna-%ld-%lu", xs->pid, seq);
	argv[j++] = xstrdup("--");
	for (i = 0; i < n; i++)
		argv[j++] = xstrdup(worker_argv[i]);
	return argv;
}

/* The waiting slot seq's index, or -1. */
static int
exec_slurm_find(const struct exec_slurm *xs, unsigned long seq)
{
	int i;

	for (i = 0; i < xs->nwaits; i++)
		if (xs->waits[i].seq == seq)
			return i;
	return -1;
}

/* Slot seq waits no more (it runs, or it is gone). */
static void
exec_slurm_unwait(struct exec_slurm *xs, unsigned long seq)
{
	int i = exec_slurm_find(xs, seq);

	if (i >= 0)
		xs->waits[i] = xs->waits[--xs->nwaits];
}

/* A timer or process handle closed: free the launcher after the last, once it is freed. */
static void
exec_slurm_closed_cb(uv_handle_t *h)
{
	struct exec_slurm *xs = h->data;
	int i;

	if (--xs->handles > 0 || !xs->freed)
		return;
	for (i = 0; i < xs->nprefix; i++)
		free(xs->prefix[i]);
	free(xs->prefix);
	free(xs->waits);
	free(xs->buf);
	free(xs);
}

/* squeue's answer, "JOBID|REASON" a line: each waiting slot's reason, to its trial's owner. */
static void
exec_slurm_answer(struct exec_slurm *xs)
{
	char *line, *next, *bar, *end;
	bool changed = false;
	long job;
	int i;

	xs->buf[xs->len] = '\0';
	for (line = xs->buf; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((bar = strchr(line, '|')) == NULL)
			continue;
		*bar = '\0';
		job = strtol(line, &end, 10);
		for (i = 0; *end == '\0' && i < xs->nwaits; i++) {
			struct exec_slurm_wait *w = &xs->waits[i];

			if (w->job != job || strcmp(w->reason, bar + 1) == 0)
				continue;
			snprintf(w->reason, sizeof w->reason, "%s", bar + 1);
			exec_local_state(xs->x, w->trial, EXEC_QUEUED, w->reason);
			changed = true;
		}
	}
	xs->interval = changed ? EXEC_SLURM_POLL_MS : xs->interval * 2;
	if (xs->interval > EXEC_SLURM_POLL_MAX_MS)
		xs->interval = EXEC_SLURM_POLL_MAX_MS;
}

/* squeue is finished (exited, output read): read its answer; poll again while slots wait. */
static void
exec_slurm_polled(struct exec_slurm *xs)
{
	if (!xs->exited || !xs->eof)
		return;
	xs->polling = false;
	uv_close((uv_handle_t *)&xs->proc, exec_slurm_closed_cb);
	uv_close((uv_handle_t *)&xs->out, exec_slurm_closed_cb);
	if (!xs->freed)
		exec_slurm_answer(xs);
	if (!xs->freed && xs->nwaits > 0)
		uv_timer_start(&xs->timer, exec_slurm_timer_cb, xs->interval, 0);
}

/* squeue exited. */
static void
exec_slurm_exit_cb(uv_process_t *proc, int64_t status, int signal)
{
	struct exec_slurm *xs = proc->data;

	if (status != 0 || signal != 0)
		log_debug("slurm: squeue: exit status %lld, signal %d", (long long)status, signal);
	xs->exited = true;
	exec_slurm_polled(xs);
}

/* Room for squeue's output. */
static void
exec_slurm_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct exec_slurm *xs = h->data;

	(void)suggested;
	*buf = uv_buf_init(xs->buf + xs->len, (unsigned)(EXEC_SLURM_SQUEUE_MAX - xs->len));
}

/* squeue's output (what does not fit is dropped). */
static void
exec_slurm_read_cb(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
	struct exec_slurm *xs = st->data;

	(void)buf;
	if (n < 0 || xs->len + (size_t)n >= EXEC_SLURM_SQUEUE_MAX) {
		uv_read_stop(st);
		xs->eof = true;
		exec_slurm_polled(xs);
		return;
	}
	xs->len += (size_t)n;
}

/* Ask squeue, in one call, for the reason each waiting slot's job waits. */
static void
exec_slurm_poll(struct exec_slurm *xs)
{
	uv_process_options_t opt;
	uv_stdio_container_t stdio[3];
	char *args[6], *jobs, *more;
	int i, rc;

	if (xs->polling || xs->freed || xs->nwaits == 0)
		return;
	jobs = xstrdup("");
	for (i = 0; i < xs->nwaits; i++) {
		if (xs->waits[i].job <= 0)
			continue;
		more = xasprintf("%s%s%ld", jobs, *jobs ? "," : "", xs->waits[i].job);
		free(jobs);
		jobs = more;
	}
	if (*jobs == '\0')
		goto out;
	args[0] = (char *)"squeue";
	args[1] = (char *)"--noheader";
	args[2] = (char *)"--format=%i|%r";
	args[3] = more = xasprintf("--jobs=%s", jobs);
	args[4] = NULL;
	memset(&opt, 0, sizeof opt);
	uv_pipe_init(xs->loop, &xs->out, 0);
	stdio[0].flags = UV_IGNORE;
	stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[1].data.stream = (uv_stream_t *)&xs->out;
	stdio[2].flags = UV_IGNORE;
	opt.file = "squeue";
	opt.args = args;
	opt.stdio = stdio;
	opt.stdio_count = 3;
	opt.exit_cb = exec_slurm_exit_cb;
	xs->proc.data = xs->out.data = xs;
	xs->len = 0;
	xs->exited = xs->eof = false;
	rc = uv_spawn(xs->loop, &xs->proc, &opt);
	free(more);
	xs->handles += 2;
	if (rc != 0) {
		log_warn("slurm: cannot run squeue: %s", uv_strerror(rc));
		uv_close((uv_handle_t *)&xs->out, exec_slurm_closed_cb);
		uv_close((uv_handle_t *)&xs->proc, exec_slurm_closed_cb);
		goto out;
	}
	xs->polling = true;
	uv_read_start((uv_stream_t *)&xs->out, exec_slurm_alloc_cb, exec_slurm_read_cb);
out:
	free(jobs);
}

/* Timer: the next squeue. */
static void
exec_slurm_timer_cb(uv_timer_t *timer)
{
	exec_slurm_poll(timer->data);
}

/* A line srun wrote: the state of the slot's job, when it says. */
static void
exec_slurm_err_line(void *arg, unsigned long seq, void *trial, const char *line)
{
	struct exec_slurm *xs = arg;
	struct exec_slurm_wait *w;
	size_t i;
	long job = -1;

	if (strncmp(line, "srun: ", 6) != 0)
		return;
	for (i = 0; i < sizeof exec_slurm_states / sizeof *exec_slurm_states; i++) {
		if (strstr(line, exec_slurm_states[i].text) == NULL)
			continue;
		log_debug("slurm: slot %lu: %s", seq, line + 6);
		if (exec_slurm_states[i].state == EXEC_RUNNING)
			exec_slurm_unwait(xs, seq);
		else if (exec_slurm_find(xs, seq) < 0) {
			sscanf(line, "srun: job %ld", &job);
			xs->waits = xreallocarray(xs->waits, (size_t)xs->nwaits + 1,
			    sizeof *xs->waits);
			w = &xs->waits[xs->nwaits++];
			w->seq = seq;
			w->job = job;
			w->trial = trial;
			snprintf(w->reason, sizeof w->reason, "%s", exec_slurm_states[i].text);
			xs->interval = EXEC_SLURM_POLL_MS;
			if (!xs->polling)
				uv_timer_start(&xs->timer, exec_slurm_timer_cb,
				    EXEC_SLURM_POLL_MS / 4, 0);
		}
		exec_local_state(xs->x, trial, exec_slurm_states[i].state,
		    exec_slurm_states[i].state == EXEC_QUEUED ? exec_slurm_states[i].text : NULL);
		return;
	}
}

/* Slot seq is finished: it waits no more. */
static void
exec_slurm_gone(void *arg, unsigned long seq)
{
	exec_slurm_unwait(arg, seq);
}

/* Whether text holds one of n phrases. */
static bool
exec_slurm_says(const char *text, const char *const *phrases, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strstr(text, phrases[i]) != NULL)
			return true;
	return false;
}

/* A slot ended: refused by the cluster, ended by it, or neither (the worker's own end). */
static enum exec_fault
exec_slurm_fault(void *arg, unsigned long seq, const struct exec_end *end, const char *errtail)
{
	(void)arg;
	if (end->killed)
		return EXEC_FAULT_NONE;
	if (strstr(errtail, EXEC_SLURM_BUSY) != NULL)
		return EXEC_FAULT_BUSY;
	if (exec_slurm_says(errtail, exec_slurm_refusals, sizeof exec_slurm_refusals /
	    sizeof *exec_slurm_refusals)) {
		log_warn("slurm: slot %lu refused: %s", seq, errtail);
		return EXEC_FAULT_REFUSED;
	}
	if (exec_slurm_says(errtail, exec_slurm_faults, sizeof exec_slurm_faults /
	    sizeof *exec_slurm_faults)) {
		log_info("slurm: slot %lu ended by the cluster: %s", seq, errtail);
		return EXEC_FAULT_CLUSTER;
	}
	return EXEC_FAULT_NONE;
}

/* End a slot: srun, sent SIGTERM, ends its job step and exits. */
static void
exec_slurm_kill(void *arg, unsigned long seq, int pid)
{
	(void)arg;
	log_debug("slurm: slot %lu: ending its step", seq);
	kill(pid, SIGTERM);
}

/* Free the launcher's own state (with the executor): once its handles are closed. */
static void
exec_slurm_free(void *arg)
{
	struct exec_slurm *xs = arg;

	xs->freed = true;
	xs->nwaits = 0;
	uv_close((uv_handle_t *)&xs->timer, exec_slurm_closed_cb);
}

/* Our environment for the nodes: without TUNA_PARENT; OpenBLAS on one thread of its own. */
static char **
exec_slurm_env(void)
{
	size_t n = 0, i, j = 0;
	char **env;

	while (environ[n] != NULL)
		n++;
	env = xcalloc(n + 2, sizeof *env);
	for (i = 0; i < n; i++) {
		if (strncmp(environ[i], "OPENBLAS_NUM_THREADS=", 21) != 0 &&
		    strncmp(environ[i], "TUNA_PARENT=", 12) != 0)
			env[j++] = xstrdup(environ[i]);
	}
	env[j++] = xstrdup("OPENBLAS_NUM_THREADS=1");
	env[j] = NULL;
	return env;
}

/* Add an argument to the prefix. */
static void
exec_slurm_arg(struct exec_slurm *xs, char *arg)
{
	xs->prefix = xreallocarray(xs->prefix, (size_t)xs->nprefix + 2, sizeof *xs->prefix);
	xs->prefix[xs->nprefix++] = arg;
	xs->prefix[xs->nprefix] = NULL;
}

/*
 * A Slurm executor on loop running worker_path (a path the nodes see) in slots of threads
 * CPUs each, as spec says (partition, account, time, mem, more srun options).
 */
int
exec_slurm_new(struct exec **x, uv_loop_t *loop, const char *worker_path,
    const struct execspec *spec, int threads, char **cause)
{
	struct exec_slurm *xs = xcalloc(1, sizeof *xs);
	struct exec_launch launch = {
		.argv = exec_slurm_argv,
		.err_line = exec_slurm_err_line,
		.fault = exec_slurm_fault,
		.kill = exec_slurm_kill,
		.gone = exec_slurm_gone,
		.free = exec_slurm_free,
		.arg = xs,
	};
	const char *job = getenv("SLURM_JOB_ID");
	int i, rc;

	xs->pid = (long)getpid();
	xs->loop = loop;
	xs->buf = xmalloc(EXEC_SLURM_SQUEUE_MAX + 1);
	xs->interval = EXEC_SLURM_POLL_MS;
	uv_timer_init(loop, &xs->timer);
	xs->timer.data = xs;
	xs->handles = 1;
	exec_slurm_arg(xs, xstrdup("setpriv"));
	exec_slurm_arg(xs, xstrdup("--pdeathsig"));
	exec_slurm_arg(xs, xstrdup("TERM"));
	exec_slurm_arg(xs, xstrdup("--"));
	exec_slurm_arg(xs, xstrdup("srun"));
	exec_slurm_arg(xs, xstrdup("--nodes=1"));
	exec_slurm_arg(xs, xstrdup("--ntasks=1"));
	exec_slurm_arg(xs, xasprintf("--cpus-per-task=%d", threads));
	exec_slurm_arg(xs, xstrdup("--export=ALL"));
	if (job != NULL && *job != '\0')	/* a step of tunad's allocation */
		exec_slurm_arg(xs, xstrdup("--exact"));
	if (spec->partition != NULL)
		exec_slurm_arg(xs, xasprintf("--partition=%s", spec->partition));
	if (spec->account != NULL)
		exec_slurm_arg(xs, xasprintf("--account=%s", spec->account));
	if (spec->time_min > 0)
		exec_slurm_arg(xs, xasprintf("--time=%d", spec->time_min));
	if (spec->mem_mb > 0)
		exec_slurm_arg(xs, xasprintf("--mem=%d", spec->mem_mb));
	for (i = 0; i < spec->nargs; i++)
		exec_slurm_arg(xs, xstrdup(spec->args[i]));
	/* a slot retires before its time limit: no trial starts that the time left cannot hold */
	launch.lifetime = spec->time_min > 0 ? spec->time_min * 60 : 0;
	launch.where = "checked on the cluster's nodes";
	launch.env = exec_slurm_env();
	if ((rc = exec_local_new_launched(x, loop, worker_path, &launch, cause)) != 0)
		return rc;
	xs->x = *x;
	return 0;
}
