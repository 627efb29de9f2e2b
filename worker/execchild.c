/*
 * execchild.c: start a user's trainer (fork and exec: this is tuna-exec's "exec shim", as
 * libuv has no hook between the two) and watch for its end. Between fork and exec the child
 *   - becomes the leader of its own process group, so that a signal reaches the whole tree
 *     the trainer starts (data loaders, a shell's children);
 *   - asks for SIGKILL when tuna-exec dies (PR_SET_PDEATHSIG), and exits if it already has;
 *   - takes its stdin (a pipe from tuna-exec, or /dev/null), stdout and stderr (pipes);
 *   - lowers its soft RLIMIT_AS to address_space_mb, its soft RLIMIT_CPU to cpu_seconds and
 *     its hard RLIMIT_CPU to EXECCHILD_CPU_SLACK seconds more (a trainer that ignores
 *     SIGXCPU is killed there); no limit is raised;
 *   - changes to the trainer's cwd and executes the program.
 * If a step fails, the child writes which and errno on a close-on-exec pipe, which the parent
 * reads to its end before going on: its end without a word means the program runs. The exit is
 * seen through SIGCHLD (a self-pipe, for poll); the group's stragglers are killed before the
 * leader is reaped, while its pid cannot yet name another group.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "execchild.h"
#include "xmalloc.h"

#define EXECCHILD_CPU_SLACK 5	/* seconds from SIGXCPU to the hard limit's SIGKILL */

/* What failed in the child before exec. */
enum execchild_stage { EXECCHILD_SETUP, EXECCHILD_LIMITS, EXECCHILD_CWD, EXECCHILD_EXEC };

struct execchild_report {
	int stage;
	int err;
};

static int execchild_sig[2] = { -1, -1 };	/* written to on SIGCHLD */

/* SIGCHLD: wake the poll loop. */
static void
execchild_sigchld(int sig)
{
	int saved = errno;
	ssize_t n = write(execchild_sig[1], "c", 1);

	(void)sig;
	(void)n;
	errno = saved;
}

/* The first time: the self-pipe and the SIGCHLD handler. */
static int
execchild_init(char **cause)
{
	struct sigaction sa;

	if (execchild_sig[0] >= 0)
		return 0;
	if (pipe2(execchild_sig, O_CLOEXEC | O_NONBLOCK) != 0)
		return xcause(cause, -errno, "tuna-exec: pipe: %s", strerror(errno));
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = execchild_sigchld;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGCHLD, &sa, NULL) != 0)
		return xcause(cause, -errno, "tuna-exec: sigaction: %s", strerror(errno));
	return 0;
}

/* A descriptor that becomes readable when a child may have exited (after execchild_start). */
int
execchild_sigfd(void)
{
	return execchild_sig[0];
}

/* The soft and hard limits the child sets: none above those it inherits. */
static void
execchild_limits(struct execchild *c, const struct execchild_how *how, struct rlimit *as,
    struct rlimit *cpu)
{
	rlim_t want;

	getrlimit(RLIMIT_AS, as);
	getrlimit(RLIMIT_CPU, cpu);
	if (how->address_space_mb > 0) {
		want = (rlim_t)how->address_space_mb << 20;
		if (as->rlim_cur == RLIM_INFINITY || want < as->rlim_cur)
			as->rlim_cur = want;
		c->as_mb = (long)(as->rlim_cur >> 20);
	}
	if (how->cpu_seconds > 0) {
		want = (rlim_t)how->cpu_seconds;
		if (cpu->rlim_cur == RLIM_INFINITY || want < cpu->rlim_cur)
			cpu->rlim_cur = want;
		if (cpu->rlim_max == RLIM_INFINITY || cpu->rlim_cur + EXECCHILD_CPU_SLACK <
		    cpu->rlim_max)
			cpu->rlim_max = cpu->rlim_cur + EXECCHILD_CPU_SLACK;
		c->cpu_s = (long)cpu->rlim_cur;
	}
}

/* In the child: report a failed step to the parent, and exit. */
static void __attribute__((noreturn))
execchild_fail(int fd, int stage)
{
	struct execchild_report r = { stage, errno };
	ssize_t n = write(fd, &r, sizeof r);

	(void)n;
	_exit(127);
}

/* In the child, between fork and exec (fds: stdin, stdout, stderr, report pipe). */
static void __attribute__((noreturn))
execchild_exec(const struct execchild_how *how, const int fds[4], pid_t parent,
    const struct rlimit *as, const struct rlimit *cpu)
{
	sigset_t none;

	sigemptyset(&none);
	if (setpgid(0, 0) != 0 || prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		execchild_fail(fds[3], EXECCHILD_SETUP);
	if (getppid() != parent)
		_exit(127);	/* tuna-exec died before the line above */
	signal(SIGPIPE, SIG_DFL);	/* ignored in tuna-exec; an ignored signal stays so */
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(fds[0], 0) < 0 || dup2(fds[1], 1) < 0 || dup2(fds[2], 2) < 0)
		execchild_fail(fds[3], EXECCHILD_SETUP);
#ifdef CLOSE_RANGE_CLOEXEC
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);	/* nothing else of ours reaches it */
#endif
	if ((how->address_space_mb > 0 && setrlimit(RLIMIT_AS, as) != 0) ||
	    (how->cpu_seconds > 0 && setrlimit(RLIMIT_CPU, cpu) != 0))
		execchild_fail(fds[3], EXECCHILD_LIMITS);
	if (how->cwd != NULL && chdir(how->cwd) != 0)
		execchild_fail(fds[3], EXECCHILD_CWD);
	execve(how->path, how->argv, how->envp);
	execchild_fail(fds[3], EXECCHILD_EXEC);
}

/* The message for a step that failed in the child. */
static int
execchild_why(const struct execchild_how *how, const struct execchild_report *r, char **cause)
{
	switch (r->stage) {
	case EXECCHILD_EXEC:
		return xcause(cause, -r->err, "trainer.command[0]: %s: %s%s", how->argv[0],
		    strerror(r->err), r->err == ENOEXEC ? " (a script needs a #! line)" : "");
	case EXECCHILD_CWD:
		return xcause(cause, -r->err, "trainer.cwd: %s: %s", how->cwd, strerror(r->err));
	case EXECCHILD_LIMITS:
		return xcause(cause, -r->err, "limits: setrlimit: %s", strerror(r->err));
	default:
		return xcause(cause, -r->err, "tuna-exec: starting the trainer: %s",
		    strerror(r->err));
	}
}

/* Close one descriptor if open. */
static void
execchild_closefd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Start the trainer as how says; our ends of its pipes in c. */
int
execchild_start(struct execchild *c, const struct execchild_how *how, char **cause)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 }, rep[2] = { -1, -1 };
	int fds[4], rc = 0, status;
	struct execchild_report r;
	struct rlimit as, cpu;
	pid_t parent = getpid();
	ssize_t n;

	memset(c, 0, sizeof *c);
	c->pid = -1;
	c->in = c->out = c->err = -1;
	if ((rc = execchild_init(cause)) != 0)
		return rc;
	execchild_limits(c, how, &as, &cpu);
	if ((how->with_stdin ? pipe2(in, O_CLOEXEC) :
	    (in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC))) < 0 ||
	    pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0 ||
	    pipe2(rep, O_CLOEXEC) != 0) {
		rc = xcause(cause, -errno, "tuna-exec: pipe: %s", strerror(errno));
		goto fail;
	}
	fds[0] = in[0];
	fds[1] = out[1];
	fds[2] = err[1];
	fds[3] = rep[1];
	if ((c->pid = fork()) < 0) {
		rc = xcause(cause, -errno, "tuna-exec: fork: %s", strerror(errno));
		goto fail;
	}
	if (c->pid == 0)
		execchild_exec(how, fds, parent, &as, &cpu);
	execchild_closefd(&rep[1]);
	do
		n = read(rep[0], &r, sizeof r);
	while (n < 0 && errno == EINTR);
	if (n > 0) {		/* it did not get to the program */
		while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
			;
		c->pid = -1;
		rc = n == (ssize_t)sizeof r ? execchild_why(how, &r, cause) :
		    xcause(cause, -EIO, "tuna-exec: starting the trainer: a short report");
		goto fail;
	}
	c->in = in[1];
	c->out = out[0];
	c->err = err[0];
	in[1] = out[0] = err[0] = -1;
	if (c->in >= 0)
		fcntl(c->in, F_SETFL, fcntl(c->in, F_GETFL) | O_NONBLOCK);
fail:
	execchild_closefd(&in[0]);
	execchild_closefd(&in[1]);
	execchild_closefd(&out[0]);
	execchild_closefd(&out[1]);
	execchild_closefd(&err[0]);
	execchild_closefd(&err[1]);
	execchild_closefd(&rep[0]);
	execchild_closefd(&rep[1]);
	return rc;
}

/*
 * After the self-pipe was readable: whether the trainer has exited. Once it has, the rest of
 * its process group is killed (the trial is over) and it is reaped: status and usage in c.
 */
bool
execchild_reap(struct execchild *c)
{
	char buf[64];
	siginfo_t info;

	while (read(execchild_sig[0], buf, sizeof buf) > 0)
		;
	if (c->exited || c->pid <= 0)
		return c->exited;
	memset(&info, 0, sizeof info);
	if (waitid(P_PID, (id_t)c->pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
	    info.si_pid != c->pid)
		return false;
	kill(-c->pid, SIGKILL);		/* stragglers; the zombie leader holds the id */
	while (wait4(c->pid, &c->status, 0, &c->ru) < 0 && errno == EINTR)
		;
	c->exited = true;
	return true;
}

/* Send sig to the trainer's process group, while it runs. */
void
execchild_signal(const struct execchild *c, int sig)
{
	if (!c->exited && c->pid > 0)
		kill(-c->pid, sig);
}

/* Close our ends of its pipes (once it has exited and its output is read). */
void
execchild_close(struct execchild *c)
{
	execchild_closefd(&c->in);
	execchild_closefd(&c->out);
	execchild_closefd(&c->err);
}
