/* execchild.h: a user's trainer as tuna-exec's child process. */
#ifndef TUNA_EXECCHILD_H
#define TUNA_EXECCHILD_H

#include <stdbool.h>
#include <sys/resource.h>
#include <sys/types.h>

/* How to start it. */
struct execchild_how {
	const char *path;		/* the program's file (execpath_resolve) */
	char *const *argv;		/* argv[0]: trainer.command[0] as written */
	char *const *envp;
	const char *cwd;		/* NULL: tuna-exec's */
	bool with_stdin;		/* a pipe from tuna-exec on its stdin; else /dev/null */
	int address_space_mb;		/* RLIMIT_AS, MiB; 0: none */
	int cpu_seconds;		/* RLIMIT_CPU, s; 0: none */
};

struct execchild {
	pid_t pid;			/* also its process group's id */
	int in, out, err;		/* our ends of its stdin, stdout, stderr pipes; -1: none */
	long as_mb, cpu_s;		/* the limits it runs under; 0: none set */
	bool exited;			/* reaped */
	int status;			/* its wait status, once exited */
	struct rusage ru;		/* what it used, once exited */
};

int execchild_start(struct execchild *c, const struct execchild_how *how, char **cause);
int execchild_sigfd(void);
bool execchild_reap(struct execchild *c);
void execchild_signal(const struct execchild *c, int sig);
void execchild_close(struct execchild *c);

#endif
