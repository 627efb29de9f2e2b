/*
 * front.c: the front's life. Opened once the socket listens (server.c) and the daemon has
 * detached: the engine started with the front's watch streams as its listener, SIGTERM and
 * SIGINT handled. Stopped in order: no new clients, the connections closed, the engine
 * stopped; done when the engine says nothing runs and everything is committed, and the loop
 * then has nothing left to do.
 * Layer: front
 */
#include <signal.h>

#include "conn.h"
#include "front.h"
#include "log.h"
#include "server.h"
#include "watch.h"

/* SIGTERM or SIGINT: stop cleanly. */
static void
front_signal_cb(uv_signal_t *h, int signum)
{
	front_stop(h->data, signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

/* Engine callback: it has stopped; the front's last handles go. */
static void
front_engine_stopped(void *arg)
{
	struct front *f = arg;

	if (!f->signals)
		return;
	uv_close((uv_handle_t *)&f->sigterm, NULL);
	uv_close((uv_handle_t *)&f->sigint, NULL);
}

/* Start the engine (it resumes what was left running) and handle the stop signals. */
int
front_open(struct front *f, char **cause)
{
	struct engine_config cfg = { f->loop, f->store, f->exec, f->max_workers, f->ckpt_dir,
	    f->worker_path, f->exec_path };
	struct engine_cb cb = { watch_event, watch_committed, watch_wanted, front_engine_stopped,
	    f };
	int rc;

	TAILQ_INIT(&f->conns);
	if ((rc = engine_open(&f->engine, &cfg, &cb, cause)) != 0)
		return rc;
	if (f->signals) {
		uv_signal_init(f->loop, &f->sigterm);
		uv_signal_init(f->loop, &f->sigint);
		f->sigterm.data = f->sigint.data = f;
		uv_signal_start(&f->sigterm, front_signal_cb, SIGTERM);
		uv_signal_start(&f->sigint, front_signal_cb, SIGINT);
	}
	return 0;
}

/* Stop: no new clients or trials; the running trials interrupted (the engine's stop). */
void
front_stop(struct front *f, const char *why)
{
	struct conn *c, *c1;

	if (f->stopping)
		return;
	f->stopping = true;
	log_info("stopping: %s", why);
	server_stop(f);
	TAILQ_FOREACH_SAFE(c, &f->conns, entry, c1)
		conn_close(c, "daemon stopping");
	engine_stop(f->engine, why);
}

/* Free what the front holds (after its loop has ended). */
void
front_close(struct front *f)
{
	engine_free(f->engine);
	f->engine = NULL;
}
