/*
 * conn.h: a client connection — requests in, replies and events out, one teardown that says
 * why.
 * Layer: front
 */
#ifndef TUNA_CONN_H
#define TUNA_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include <cJSON.h>
#include <uv.h>

#include "front.h"
#include "lines.h"
#include "queue.h"

struct conn {
	uv_pipe_t pipe;
	struct front *f;
	uint64_t serial;		/* for the log */
	struct lines in;		/* bytes read, not yet a whole line */
	int refs;			/* the connection, writes and requests in flight */
	int inflight;			/* requests still to reply to (conn_begin, conn_end) */
	bool read_eof;			/* the client sent its last request (it may still read) */
	bool finishing;			/* shutting down after the last reply (conn_finish) */
	const char *finish_why;		/* for the log, once the shutdown is done */
	bool closing;
	bool watching;			/* a watch stream is active (watch.c) */
	int64_t watch_search;		/* 0: all searches */
	int64_t watch_next;		/* next event id to send */
	int64_t watch_until;		/* the last event id to send (INT64_MAX: follow) */
	bool watch_live;		/* history sent; live events go straight out */
	TAILQ_ENTRY(conn) entry;
};

int conn_fd_reserve(const struct front *f);
void conn_accept(struct front *f, uv_stream_t *listener);
void conn_send(struct conn *c, cJSON *reply);
void conn_reply_error(struct conn *c, const cJSON *id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void conn_close(struct conn *c, const char *why);
void conn_begin(struct conn *c);
void conn_end(struct conn *c);
void conn_done(struct conn *c);

#endif
