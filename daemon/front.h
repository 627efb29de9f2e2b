/*
 * front.h: the front — what faces clients: the socket server, the connections, the request
 * table and the watch streams — and the state they share, owned by this layer and handed to
 * its files: the loop, the engine (everything a request asks is done by it), the store (the
 * front only reads it: status, best, event history), the client cap.
 * Layer: front
 */
#ifndef TUNA_FRONT_H
#define TUNA_FRONT_H

#include <stdbool.h>

#include <uv.h>

#include "execspec.h"

#include "engine.h"
#include "exec.h"
#include "queue.h"
#include "store.h"

#define FRONT_MAX_CLIENTS 4096	/* --max-clients by default */

struct conn;

struct front {
	uv_loop_t *loop;
	struct engine *engine;
	struct store *store;		/* read only here */
	struct exec *exec;		/* its processes count against the descriptors */
	char *socket_path;
	char *db_path;
	char *ckpt_dir;			/* panda checkpoints (--checkpoints; DB.ckpt) */
	const char *worker_path;	/* tuna-worker */
	const char *exec_path;		/* tuna-exec (a user's trainer), or NULL: none */
	enum execspec_kind executor;	/* where a search without "executor" runs (--executor) */
	int max_workers;		/* worker processes at once */
	int max_clients;		/* connections at once (server.c may lower it) */
	int nconns;
	int nwatching;			/* connections with a watch stream (watch.c) */
	bool stopping;
	bool signals;			/* SIGTERM and SIGINT handled (not in the fuzz harness) */
	uv_signal_t sigterm, sigint;
	uv_pipe_t listener;
	uv_timer_t server_timer;	/* server.c: a paused listener: when to listen again */
	bool server_timer_ready;	/* server.c: server_timer initialized */
	bool server_paused;		/* server.c: the listener is closed after an accept error */
	bool server_stopped;		/* server.c: server_stop was called */
	TAILQ_HEAD(, conn) conns;
};

int front_open(struct front *f, char **cause);
void front_stop(struct front *f, const char *why);
void front_close(struct front *f);

#endif
