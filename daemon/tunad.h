/*
 * tunad.h: the daemon's objects — the server, client connections, searches, running trials and
 * worker processes — and the functions of each daemon/ file (prefix = file name).
 */
#ifndef TUNA_TUNAD_H
#define TUNA_TUNAD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <cJSON.h>
#include <uv.h>

#include "asha.h"
#include "box.h"
#include "lines.h"
#include "panda.h"
#include "spec.h"
#include "store.h"

#ifndef TAILQ_FOREACH_SAFE	/* glibc's sys/queue.h lacks it */
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)				\
	for ((var) = TAILQ_FIRST(head);						\
	    (var) != NULL && ((tvar) = TAILQ_NEXT(var, field), 1);		\
	    (var) = (tvar))
#endif

#define TUNAD_MAX_CLIENTS 4096	/* --max-clients by default */

struct conn;
struct search;
struct trial;
struct worker;

/* The daemon: one libuv loop owns all of it. */
struct tunad {
	uv_loop_t *loop;
	struct store *store;
	char *socket_path;
	char *db_path;
	char *worker_path;
	int lock_fd;			/* DB.lock, held while we run */
	int max_workers;		/* worker processes at once, over all searches */
	int nworkers;			/* worker processes alive */
	int busy;			/* of which running a trial */
	int max_clients;		/* connections at once (--max-clients; server.c may lower it) */
	uv_pipe_t listener;
	uv_timer_t flush_timer;
	uv_timer_t schedule_timer;	/* scheduling goes on at the next turn (search.c) */
	uv_signal_t sigterm, sigint;
	bool stopping;
	char *suspended;		/* the store cannot be written: why (suspend.c), or NULL */
	uv_timer_t suspend_timer;	/* the next try to write */
	uint64_t suspend_ms;		/* the wait before the next try, backing off */
	uint64_t suspend_since;		/* uv_now when the writes began to fail, 0: they work */
	int suspensions;		/* times the store was held since the daemon started */
	int64_t last_event;		/* id of the newest event recorded */
	int64_t committed_event;	/* id of the newest event committed (sent to watchers) */
	TAILQ_HEAD(, conn) conns;
	TAILQ_HEAD(, search) searches;
	TAILQ_HEAD(, worker) workers;
};

extern struct tunad tunad;

/* A client connection. */
struct conn {
	uv_pipe_t pipe;
	uint64_t serial;		/* for the log */
	struct lines in;		/* bytes read, not yet a whole line */
	int refs;			/* the connection, writes and requests in flight */
	int inflight;			/* requests still to reply to (conn_begin, conn_end) */
	bool read_eof;			/* the client sent its last request (it may still read) */
	bool finishing;			/* shutting down after the last reply (conn_finish) */
	const char *finish_why;		/* for the log, once the shutdown is done */
	bool closing;
	bool watching;			/* a watch stream is active */
	int64_t watch_search;		/* 0: all searches */
	int64_t watch_next;		/* next event id to send */
	int64_t watch_until;		/* the last event id to send (INT64_MAX: follow) */
	bool watch_live;		/* history sent; live events go straight out */
	TAILQ_ENTRY(conn) entry;
};

/* A trial to run again: interrupted by a stop or a crash (panda: from its checkpoint). */
struct redo {
	int number;
	int64_t id;			/* its row, when known */
	int round;
	int resume_epoch;		/* > 0: continue from the checkpoint of this epoch */
	double alpha;			/* panda: α in force after that epoch */
	double val_loss;		/* panda: that epoch's validation loss (the best) */
	int retries;			/* runs that failed so far */
	cJSON *params;			/* its hyperparameters, as first drawn */
};

/* A completed trial of the current round, for zooming onto the best. */
struct scored {
	double score;
	cJSON *params;
};

/* A search being run. */
struct search {
	int64_t id;
	struct spec spec;
	int next;			/* next new trial number */
	int running;			/* trials running now */
	int finished;			/* trials in a terminal state */
	int done;			/* of which completed */
	double best_val_acc;
	int64_t best_trial;
	struct redo *redo;		/* trials to run again */
	int nredo;
	bool cancelled;
	int round;			/* coarse-to-fine round, from 1 */
	int round_end;			/* trial numbers below it belong to rounds <= round */
	struct box box;			/* the box the current round samples */
	struct scored *scored;		/* completed trials of the current round */
	int nscored;
	struct asha asha;		/* early stopping (spec.asha) */
	char *ckpt_dir;			/* panda: where its checkpoints live */
	TAILQ_ENTRY(search) entry;
};

/* A trial running in a worker. */
struct trial {
	struct search *search;
	struct worker *worker;
	int64_t id;
	int number;
	int round;
	cJSON *params;
	int epochs;			/* epoch events seen */
	int last_epoch;			/* the number of the last epoch reported */
	double best_val_acc;
	double alpha;			/* α of the next epoch, as last known */
	bool cancelled;			/* killed by a cancel */
	bool interrupted;		/* killed by shutdown */
	bool timed_out;			/* killed for staying silent too long */
	bool step;			/* control "step": the daemon says when to go on */
	bool pruned;			/* stopped by ASHA */
	struct panda_state panda;	/* panda mode: the babysitter's state */
	char *ckpt;			/* panda: its checkpoint file */
	int ckpt_epoch;			/* epoch of the last good checkpoint, -1: none */
	int resume_epoch;		/* > 0: restore the checkpoint before the first epoch */
	int retries;			/* earlier runs of it that failed */
	cJSON *nudges;			/* user nudges waiting for the next boundary */
};

/* A tuna-worker process, running trials one after another. */
struct worker {
	uv_process_t proc;
	uv_pipe_t in, out, err;
	uv_timer_t silence;		/* the trial's timeout, restarted by every report */
	int pid;
	int open_handles;		/* closed in close callbacks; freed at zero */
	bool exited, out_eof, err_eof, closing;
	bool killed;			/* sent SIGKILL: ignore what it still says */
	int64_t exit_status;
	int term_signal;
	struct lines out_lines;		/* stdout bytes not yet a whole line */
	char errtail[512];		/* the end of its stderr, for failure messages */
	size_t errlen;
	struct trial *trial;		/* running now, or NULL when idle */
	TAILQ_ENTRY(worker) entry;
};

/* server.c */
int server_listen(const char *path, char **cause);
void server_stop(void);

/* conn.c */
int conn_fd_reserve(void);
void conn_accept(uv_stream_t *listener);
void conn_send(struct conn *c, cJSON *reply);
void conn_reply_error(struct conn *c, const cJSON *id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void conn_close(struct conn *c, const char *why);
void conn_ref(struct conn *c);
void conn_unref(struct conn *c);
void conn_begin(struct conn *c);
void conn_end(struct conn *c);
void conn_done(struct conn *c);
void conn_pump(struct conn *c);

/* request.c */
void request_handle(struct conn *c, const char *line, size_t len);

/* search.c */
struct search *search_create(int64_t id, struct spec *spec);
void search_begin(struct search *s);
struct search *search_find(int64_t id);
int search_resume(int64_t id, char **cause);
bool search_has_work(const struct search *s);
struct trial *search_next_trial(struct search *s);
void search_trial_end(struct trial *t, const struct store_result *r);
int search_cancel(struct search *s);
void search_free(struct search *s);
void search_schedule(void);

/* babysit.c */
void babysit_start(struct trial *t);
void babysit_epoch(struct trial *t, const cJSON *ev);
void babysit_diverged(struct trial *t, const cJSON *ev);
int babysit_nudge(struct trial *t, const cJSON *nudge, char **cause);
struct trial *babysit_find(int64_t trial_id);

/* pool.c */
int pool_start(struct trial *t, char **cause);
int pool_command(struct trial *t, cJSON *cmd, char **cause);
void pool_kill_search(struct search *s, bool interrupted);
void pool_kill_all(void);

/* watch.c */
void watch_publish(int64_t search_id, int64_t trial_id, const char *kind, cJSON *data);
int watch_commit(char **cause);
void watch_rollback(void);
void watch_start(struct conn *c, int64_t search_id, bool history, bool follow);

/* suspend.c */
void suspend_init(void);
void suspend_close(void);
void suspend_begin(const char *cause);
char *suspend_refusal(void);

/* tunad.c */
void tunad_stop(const char *why);
void tunad_resume(void);
void tunad_store_error(const char *what, char *cause);

#endif
