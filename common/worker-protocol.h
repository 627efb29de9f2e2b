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
#define WEV_CHECKED	"checked"	/* (tuna-exec --check only) the trainer can start */

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

/*
 * tuna-exec: a user's own trainer. For a search whose spec has a "trainer" (any command that
 * prints metrics), tunad talks this same protocol to `tuna-exec -`, which runs the command as
 * its child for each trial and turns what it prints into events. Trials come one JSON line
 * after another on stdin, until EOF:
 *
 *   {"id": 17, "search": 3, "seed": 1234567, "threads": 1,
 *    "params": {"lr": 0.01, "layers": 2, "bn": true, "opt": "adam"},
 *    "trainer": {"command": ["python3", "/abs/train.py", "--lr", "{lr}", "{args}"],
 *                "cwd": "/abs/dir", "env": {"K": "V"}, "control": false, "grace_seconds": 10},
 *    "dir": "/abs/ckpt/search-3/trial-17", "objective": "val_loss",
 *    "control": "step", "limits": {"address_space_mb": N, "cpu_seconds": N}}
 *
 *   id, search, seed   integers >= 0; id and search optional (then TUNA_TRIAL, TUNA_SEARCH are
 *                      unset), seed 0 by default; id is echoed in every event
 *   threads            1 … 256 (1): TUNA_THREADS and OMP_NUM_THREADS
 *   epochs             the reports the search expects (the spec's "epochs"): TUNA_EPOCHS
 *   params             numbers, booleans and strings ({} by default)
 *   trainer.command    required: argv, no shell; placeholders (common/placeholder.c): "{lr}" a
 *                      value, an element "{args}" one "--name=value" per parameter, "{{" "}}"
 *                      braces; command[0] is found as execvp would (on the trainer's PATH)
 *   trainer.cwd        absolute; tuna-exec's own by default
 *   trainer.env        strings, set last: they may override anything below
 *   trainer.control    whether the program reads commands on its stdin (false)
 *   trainer.grace_seconds   SIGTERM → SIGKILL, 0 … WEXEC_MAX_GRACE_SECONDS (WEXEC_GRACE_SECONDS)
 *   dir                required, absolute: the trial's directory, made (mkdir -p, 0700), with
 *                      WEXEC_PARAMS_FILE (the params, written atomically), WEXEC_STDOUT_LOG
 *                      (all the program's stdout) and WEXEC_STDERR_LOG, both appended to
 *   objective          required: the metric the program must report for the trial to complete
 *   control            "step" (only with trainer.control true) or "none" (default)
 *   limits             as for tuna-worker, applied with setrlimit in the child before exec: the
 *                      soft RLIMIT_AS, the soft RLIMIT_CPU (and the hard one a few seconds
 *                      above: a program that ignores SIGXCPU is killed there), none above what
 *                      tuna-exec runs under; RLIMIT_CPU counts each process of the trainer's
 *                      tree alone (a data-loader process has its own)
 *
 * The program runs in its own process group (what is left of it is killed once the program
 * has exited), dies with tuna-exec (PR_SET_PDEATHSIG; tuna-exec dies with tunad when
 * TUNA_PARENT is set), with stdin /dev/null (a pipe with control "step"), and in tuna-exec's
 * environment without TUNA_PARENT and OPENBLAS_NUM_THREADS, plus TUNA_PARAMS (the params as
 * JSON, numbers exact as in the command), TUNA_PARAMS_FILE, TUNA_SEARCH, TUNA_TRIAL, TUNA_SEED,
 * TUNA_CHECKPOINT_DIR (= dir), TUNA_THREADS, OMP_NUM_THREADS, TUNA_OBJECTIVE, TUNA_CONTROL
 * ("step", else unset), then trainer.env.
 *
 * Events:
 *   start   pid (also its process group), command (argv as run), limits {address_space_mb,
 *           cpu_seconds: those set, or null}, version
 *   epoch   epoch, and every metric of a report: each line of the program's stdout that is a
 *           metric report (worker/metricline.c: a JSON or Python-dict object, name=value pairs,
 *           or Keras-style "name: value" segments; at least one number besides epoch/step)
 *           gives one. Its epoch is the report's "epoch" (or "step"), else the last one + 1
 *           (the first: 1); a report of the same epoch as the one before is merged with it, the
 *           event repeating the epoch with all its metrics so far. A report whose every metric
 *           is one of the trial's parameters ("lr=0.01 batch_size=64") is the program printing
 *           its settings, not a report. Other lines are only logged.
 *   done    reason (completed: it exited 0 having reported the objective; stopped: a stop
 *           command ended it, whatever its exit), epochs (the last report's), seconds (wall
 *           clock), and the last value of every metric (not those named reason, epochs or
 *           seconds)
 *   error   error: "train.py exited with status 1: <its last stderr lines, joined by '; '>",
 *           "python3 was killed by signal 11 (Segmentation fault)", "CPU time limit reached
 *           (limits.cpu_seconds = N): python3 was killed by SIGXCPU", "the trainer never
 *           reported val_loss (3 reports: train_loss, val_acc)", "trainer.command[0]: python4:
 *           No such file or directory on PATH=…", or a field of the trial line at fault
 *
 * Commands while a trial runs: {"cmd":"stop"} — forwarded to the program first with control
 * "step" — sends SIGTERM to its process group, then SIGKILL after trainer.grace_seconds; the
 * trial ends done/stopped. With control "step" every other command line (continue, set, save,
 * restore, or any other) is forwarded verbatim, one line, to the program's stdin, which reads
 * them at its epoch boundaries and needs to acknowledge none; EOF on tuna-exec's stdin closes
 * the program's stdin. Without control, commands other than stop are ignored. A trial line read
 * while a trial runs is run after it (with control "step" it stops the running one, as the
 * daemon has moved on). At EOF a running trial goes on to its end, then tuna-exec exits: 0 if
 * every trial ended done, 2 if one ended in an error, 1 for bad usage.
 *
 * `tuna-exec --check -` reads one line {"command": [...], "cwd": "/abs", "env": {...},
 * "writable": ["/abs/dir", ...]} (each member optional) and answers one line: {"event":
 * "checked"} and exit 0 if the program is found and executable (on env's PATH, else its own),
 * cwd is a directory and each writable directory can be made and a file created and removed in
 * it; else an error event naming what is wrong, and exit 1.
 */
#define WEXEC_GRACE_SECONDS	10		/* trainer.grace_seconds by default */
#define WEXEC_MAX_GRACE_SECONDS	3600
#define WEXEC_PARAMS_FILE	"params.json"	/* in the trial's dir: its params */
#define WEXEC_STDOUT_LOG	"stdout.log"	/* in the trial's dir: the program's stdout */
#define WEXEC_STDERR_LOG	"stderr.log"	/* in the trial's dir: the program's stderr */

#endif
