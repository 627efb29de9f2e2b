/*
 * worker-protocol.h: what tunad and tuna-worker say to each other, as JSON lines.
 *
 * tuna-worker reads a trial (a JSON object) from a file named on its command line, or from
 * standard input with "-", where it reads trials one line after another until EOF (one
 * process can run many trials in a row). While a trial runs, further lines on standard input
 * are commands ({"cmd": …}); the worker reads them at every epoch boundary — epoch 0 is the
 * boundary before the first epoch. With "control":"step" in the trial it waits at each
 * boundary until a "continue" (or "stop") arrives; otherwise it only takes what is already
 * there and goes on.
 *
 * Every reply and report is one JSON object per line on standard output, with an "event"
 * member; each carries the trial's "id" when the trial had one.
 *
 * With --check FILE (or "-": one line of standard input, at most CTL_MAX_LINE = 1 MiB), the
 * worker reads a data-set setting — a trial's "dataset" value — opens it as a trial would
 * (building or mapping the shared cache) and prints one line: a "dataset" event and exit status
 * 0, or an "error" event, its message the loader's (naming dataset.… or the file), and status 1.
 * The daemon sends a check request instead, {"dataset": SETTING, "writable": {"checkpoints":
 * DIR}} ("writable" optional): each directory is made if need be and a file written and removed
 * in it, then the data set opened; the answer is the same, an error naming the part that
 * failed ("checkpoints: DIR: Permission denied", "dataset: FILE: No such file or directory").
 *
 * A trial may carry "limits": {"address_space_mb": N, "cpu_seconds": N}, both optional: the
 * worker applies them itself at the start of the trial (worker/limit.c) — the soft RLIMIT_AS,
 * and the soft RLIMIT_CPU at the CPU time the process has used so far plus cpu_seconds, as one
 * process runs trial after trial. Past the CPU limit the kernel kills it with SIGXCPU; past the
 * address-space limit an allocation fails and the worker aborts with a message on stderr
 * containing WLIMIT_AS_REACHED and the limit.
 *
 * Before its first trial the worker chooses its BLAS kernel (worker/blas.c): it may run
 * itself with --blas-probe to test candidates, and re-execute itself with the winner. With
 * --blas it only chooses and prints one "blas" event.
 */
#ifndef TUNA_WORKER_PROTOCOL_H
#define TUNA_WORKER_PROTOCOL_H

#include "protocol.h"	/* PROTOCOL_MAX_LINE: the longest line, here as on the socket */

#define WORKER_PROTOCOL_VERSION 1

/* A trial's "limits": the ranges, and what an allocation failing under the limit says. */
#define WLIMIT_MIN_ADDRESS_SPACE_MB	64
#define WLIMIT_MAX_ADDRESS_SPACE_MB	16777216	/* 16 TiB */
#define WLIMIT_MAX_CPU_SECONDS		31536000	/* a year */
#define WLIMIT_AS_REACHED		"address-space limit reached"

/* Events, worker → daemon. */
#define WEV_START	"start"		/* version, n_train, n_val, n_test, features, classes,
					   [class_names […] for text labels,] parameters,
					   threads, params {…}, limits {…},
					   blas_core, blas_why: the BLAS kernel the trial
					   runs on and why it was chosen (worker/blas.c) */
#define WEV_EPOCH	"epoch"		/* epoch, and the numbers of WEV_EPOCH_METRICS */
#define WEV_DONE	"done"		/* reason (completed|stopped), epochs, val_acc, val_loss,
					   best_val_acc, test_acc, test_loss, seconds,
					   train_seconds, sgemm_seconds[, profile {…}] */
#define WEV_DIVERGED	"diverged"	/* epoch, batch, alpha, train_loss (null) */
#define WEV_ERROR	"error"		/* error: a message naming what is wrong */
#define WEV_SET		"set"		/* epoch, and the values now in force */
#define WEV_SAVED	"saved"		/* path, epoch */
#define WEV_RESTORED	"restored"	/* path, epoch */
#define WEV_BLAS	"blas"		/* (--blas only) core, why, openblas (its config),
					   cache (hit|new|stale|off), cache_path, seconds,
					   candidates [{core, ok, why|error, rates, gflops}] */
#define WEV_DATASET	"dataset"	/* (--check only) n_train, n_val, n_test, features,
					   classes, element_size (1: uint8, 4: float),
					   [class_names […] for text labels,] [cache] */

/*
 * The numbers an epoch event carries (each a named metric a search may rank by; beta, beta1,
 * beta2 only with the optimizers that have them). tests/worker.sh holds tuna-worker to it.
 */
#define WEV_EPOCH_METRICS						\
	"train_loss", "train_acc", "val_loss", "val_acc", "alpha", "beta", "beta1", "beta2",	\
	"seconds", "eval_seconds", "sgemm_seconds"

/* Commands, daemon → worker, between epochs. */
#define WCMD_CONTINUE	"continue"	/* go on to the next epoch (needed with control "step") */
#define WCMD_SET	"set"		/* alpha, beta, beta1, beta2, epsilon, lr_decay, epochs */
#define WCMD_SAVE	"save"		/* path: write a checkpoint (atomically) */
#define WCMD_RESTORE	"restore"	/* path: load a checkpoint; training resumes after its epoch */
#define WCMD_STOP	"stop"		/* end the trial now: test score and "done" (reason stopped) */

#endif
