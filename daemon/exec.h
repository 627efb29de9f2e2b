/*
 * exec.h: executors — what runs trials, behind one interface. The engine hands an executor a
 * trial to run (a job) and sends it commands at epoch boundaries; the executor reports back
 * only through the callbacks the engine registered: each report of a running trial (a typed
 * worker event), the end of a trial (once for every trial it started), the end of a slot (a
 * process it ran). It also checks, where its trainer runs, what a search needs there: its
 * data set (for the submit-time checks and the memory model), the directories it writes in. The local executor (exec-local.c) runs tuna-worker processes
 * on this machine, a trial after another in each; the Slurm executor (exec-slurm.c) runs them
 * as job steps through srun; the engine does not know how.
 * Layer: part
 */
#ifndef TUNA_EXEC_H
#define TUNA_EXEC_H

#include <stdbool.h>
#include <stdint.h>

#include <cJSON.h>
#include <uv.h>

#include "metric.h"
#include "wevent.h"

struct exec;

/* A data set as the trainer sees it where it runs. */
struct exec_dataset {
	uint64_t n_train, n_val, n_test;	/* rows of each split */
	uint64_t features;
	int classes;
	int element_size;		/* bytes of one feature value as the trainer keeps it */
	cJSON *class_names;		/* text labels, in class order, or NULL */
};

/* One trial to run. */
struct exec_job {
	int64_t id;			/* the trial's id: its reports carry it */
	const cJSON *dataset;		/* the spec's setting */
	const cJSON *params;		/* its hyperparameters */
	int epochs;
	uint64_t seed;
	int threads;
	int address_space_mb;		/* 0: none */
	int cpu_seconds;
	bool step;			/* it waits at every epoch boundary for a command */
	int timeout;			/* seconds it may stay silent before it is killed; 0: never */
	int estimate;			/* seconds it is expected to take; 0: unknown */
	/* a user's trainer (run by tuna-exec), or NULL: tuna-worker's own, on dataset */
	const cJSON *trainer;		/* the spec's "trainer", normalized */
	int64_t search;			/* the search's id */
	const char *dir;		/* the trial's directory, where the trainer runs */
	const char *objective;		/* the metric it must report */
};

/* A command at a trial's next epoch boundary. */
enum exec_cmd_kind { EXEC_CONTINUE, EXEC_SET, EXEC_SAVE, EXEC_RESTORE, EXEC_STOP };

#define EXEC_MAX_SET 8

struct exec_cmd {
	enum exec_cmd_kind kind;
	int nset;
	struct metric set[EXEC_MAX_SET];	/* EXEC_SET: alpha, beta, … and their values */
	const char *path;		/* EXEC_SAVE, EXEC_RESTORE: the checkpoint */
};

/* Why a process ended, when it was not the trainer's doing (a launcher tells: exec-slurm.c). */
enum exec_fault {
	EXEC_FAULT_NONE,
	EXEC_FAULT_CLUSTER,	/* the cluster ended it (node failure, preemption, a cancel, its
				   time limit): the trial runs again, not counted as a retry */
	EXEC_FAULT_REFUSED,	/* the cluster refused the slot (a bad partition, over a limit):
				   no trial of the search can run */
	EXEC_FAULT_BUSY,	/* the cluster had no room for a slot that could not wait (a
				   data-set check) */
};

/* How a trial ended, as the executor saw it. */
struct exec_end {
	const struct wevent *report;	/* its last report (done, error; diverged when it did
					   not step), or NULL: it ended some other way */
	bool killed;			/* exec_kill asked for it */
	int exit_status;		/* its process's, or -1 */
	int signal;			/* the signal that ended its process, or 0 */
	const char *error;		/* why it failed, when it did, or NULL */
	enum exec_fault fault;
};

/* Where a trial is, before its worker reports: waiting for the cluster, or running. */
enum exec_state { EXEC_QUEUED, EXEC_RUNNING };

/* What an executor tells its owner. */
struct exec_cb {
	void (*report)(void *arg, void *trial, const struct wevent *ev);
	void (*end)(void *arg, void *trial, const struct exec_end *end);
	void (*slot_end)(void *arg);
	void (*state)(void *arg, void *trial, enum exec_state st, const char *reason);
	void *arg;
};

/* What a submit checks where the trainer runs. */
struct exec_check_req {
	const cJSON *dataset;		/* the spec's setting: readable, its shape (or NULL) */
	const cJSON *trainer;		/* a user's trainer: its command can start, or NULL */
	const char *checkpoints;	/* a directory trials will write in, or NULL */
};

/*
 * The answer to exec_check: the data set, or why it cannot be used. fault: EXEC_FAULT_REFUSED,
 * the cluster refused the check's slot, so nothing of the search could run; EXEC_FAULT_BUSY,
 * it had no room for it now; error is then the cluster's.
 */
typedef void exec_check_cb(void *arg, const struct exec_dataset *ds, const char *error,
    enum exec_fault fault);

struct exec_ops {
	const char *name;
	void (*check)(struct exec *x, const struct exec_check_req *req, exec_check_cb *cb,
	    void *arg);
	int (*start)(struct exec *x, const struct exec_job *job, void *trial, char **cause);
	int (*command)(struct exec *x, void *trial, const struct exec_cmd *cmd, char **cause);
	void (*kill)(struct exec *x, void *trial);
	void (*kill_all)(struct exec *x);
	int (*slots)(const struct exec *x);
	void (*free)(struct exec *x);
};

struct exec {
	const struct exec_ops *ops;
	struct exec_cb cb;
};

void exec_set_callbacks(struct exec *x, const struct exec_cb *cb);
void exec_check(struct exec *x, const struct exec_check_req *req, exec_check_cb *cb,
    void *arg);
int exec_start(struct exec *x, const struct exec_job *job, void *trial, char **cause);
int exec_command(struct exec *x, void *trial, const struct exec_cmd *cmd, char **cause);
void exec_kill(struct exec *x, void *trial);
void exec_kill_all(struct exec *x);
int exec_slots(const struct exec *x);
void exec_free(struct exec *x);
const char *exec_cmd_name(enum exec_cmd_kind k);

/*
 * How the local executor's processes are started, for an executor that runs its workers
 * through a launcher (exec-slurm.c: srun); NULL members keep the local way.
 */
struct exec_launch {
	/* The argv of process seq, given the worker's own (NULL-terminated, both). */
	char **(*argv)(void *arg, unsigned long seq, char *const *worker_argv);
	/* The environment of every process; the executor frees it. */
	char **env;
	/* A line of process seq's stderr (the launcher's messages come that way). */
	void (*err_line)(void *arg, unsigned long seq, void *trial, const char *line);
	/* Process seq ended (how, in end; its stderr's tail): the fault, if it was one. */
	enum exec_fault (*fault)(void *arg, unsigned long seq, const struct exec_end *end,
	    const char *errtail);
	/* Kill process seq (pid): its trial must end. */
	void (*kill)(void *arg, unsigned long seq, int pid);
	/* Process seq is finished (its trial, if any, reported ended). */
	void (*gone)(void *arg, unsigned long seq);
	/* Free the launcher's state, with the executor. */
	void (*free)(void *arg);
	/* Seconds from its start a process may run, 0: no limit. */
	int lifetime;
	/* Where the worker runs, for messages about its files ("on the cluster's nodes"). */
	const char *where;
	void *arg;
};

/* exec-local.c */
int exec_local_new(struct exec **x, uv_loop_t *loop, const char *worker_path, char **cause);
int exec_local_new_launched(struct exec **x, uv_loop_t *loop, const char *worker_path,
    const struct exec_launch *launch, char **cause);
void exec_local_state(struct exec *x, void *trial, enum exec_state st, const char *reason);

/* exec-slurm.c */
struct execspec;
int exec_slurm_new(struct exec **x, uv_loop_t *loop, const char *worker_path,
    const struct execspec *spec, int threads, char **cause);

#endif
