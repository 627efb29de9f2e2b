/*
 * exec.h: executors — what runs trials, behind one interface. The engine hands an executor a
 * trial to run (a job) and sends it commands at epoch boundaries; the executor reports back
 * only through the callbacks the engine registered: each report of a running trial (a typed
 * worker event), the end of a trial (once for every trial it started), the end of a slot (a
 * process it ran). It also checks a data set where its trainer runs, for the submit-time
 * checks and the memory model. The local executor (exec-local.c) runs tuna-worker processes
 * on this machine, a trial after another in each; the engine does not know how.
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

/* How a trial ended, as the executor saw it. */
struct exec_end {
	const struct wevent *report;	/* its last report (done, error; diverged when it did
					   not step), or NULL: it ended some other way */
	bool killed;			/* exec_kill asked for it */
	int exit_status;		/* its process's, or -1 */
	int signal;			/* the signal that ended its process, or 0 */
	const char *error;		/* why it failed, when it did, or NULL */
};

/* What an executor tells its owner. */
struct exec_cb {
	void (*report)(void *arg, void *trial, const struct wevent *ev);
	void (*end)(void *arg, void *trial, const struct exec_end *end);
	void (*slot_end)(void *arg);
	void *arg;
};

/* The answer to exec_check: the data set, or why it cannot be used. */
typedef void exec_check_cb(void *arg, const struct exec_dataset *ds, const char *error);

struct exec_ops {
	const char *name;
	void (*check)(struct exec *x, const cJSON *dataset, exec_check_cb *cb, void *arg);
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
void exec_check(struct exec *x, const cJSON *dataset, exec_check_cb *cb, void *arg);
int exec_start(struct exec *x, const struct exec_job *job, void *trial, char **cause);
int exec_command(struct exec *x, void *trial, const struct exec_cmd *cmd, char **cause);
void exec_kill(struct exec *x, void *trial);
void exec_kill_all(struct exec *x);
int exec_slots(const struct exec *x);
void exec_free(struct exec *x);
const char *exec_cmd_name(enum exec_cmd_kind k);

/* exec-local.c */
int exec_local_new(struct exec **x, uv_loop_t *loop, const char *worker_path, char **cause);

#endif
