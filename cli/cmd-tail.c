/*
 * cmd-tail.c: tuna tail [-f] [ID] — the events of one search (or all) as lines, history first;
 * with -f, follow until the search ends (or until interrupted). With -f and an ID on a terminal,
 * a progress bar stays on the last line (bar.c).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "bar.h"
#include "client.h"
#include "cmd.h"
#include "event.h"
#include "json.h"
#include "protocol.h"
#include "xmalloc.h"

#define CMD_TAIL_REDRAW_MS 1000		/* the bar's ETA counts down this often */

static volatile sig_atomic_t cmd_tail_stop;

/* Signal handler: ask the event loop to stop (SIGWINCH only wakes it to redraw). */
static void
cmd_tail_signal(int sig)
{
	if (sig != SIGWINCH)
		cmd_tail_stop = sig;
}

/* Catch the signals that end tail (unless ignored; a second one kills), and SIGWINCH for the bar. */
static void
cmd_tail_signals(bool bar, struct sigaction *saved)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = cmd_tail_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		sigaction(sigs[i], NULL, &saved[i]);
		if (saved[i].sa_handler == SIG_IGN || (sigs[i] == SIGWINCH && !bar))
			continue;	/* nohup, a background job: leave it ignored */
		sa.sa_flags = sigs[i] == SIGWINCH ? 0 : SA_RESETHAND;	/* no SA_RESTART */
		sigaction(sigs[i], &sa, NULL);
	}
}

/* Put back the signal dispositions saved by cmd_tail_signals. */
static void
cmd_tail_restore(const struct sigaction *saved)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH };
	size_t i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &saved[i], NULL);
}

/* Check that a search exists and get the trials it asked for (0 when not known). */
static int
cmd_tail_search(struct client *c, long long id, long long *total, char **cause)
{
	cJSON *req = cmd_new_request(REQ_STATUS), *reply = NULL;
	const cJSON *s;
	bool found = false;
	int rc;

	*total = 0;
	if ((rc = client_request(c, req, &reply, cause)) != 0)
		goto fail;
	cJSON_ArrayForEach(s, json_member(reply, "searches")) {
		if (json_int_or(s, "id", -1) == id) {
			found = true;
			*total = json_int_or(s, "trials", 0);
		}
	}
	if (!found)
		rc = xcause(cause, -EREMOTEIO, "search %lld: no such search", id);
fail:
	cJSON_Delete(reply);
	cJSON_Delete(req);
	return rc;
}

/* The width of a trial id in digits (at least 2). */
static int
cmd_tail_width(long long n)
{
	int w = 1;

	while (n >= 10) {
		n /= 10;
		w++;
	}
	return w < 2 ? 2 : w;
}

/* Show one event: a raw line (--json) or a formatted one, with the bar kept below it. */
static void
cmd_tail_show(struct cmd_ctx *ctx, struct client *c, const cJSON *ev, struct bar *bar,
    int *width)
{
	const char *kind = json_string(ev, "event");
	char *line;

	if (ctx->json) {
		cmd_print_raw(c);
		return;
	}
	if (kind == NULL || strcmp(kind, "eof") == 0)
		return;
	if (cmd_tail_width(event_trial(ev)) > *width)
		*width = cmd_tail_width(event_trial(ev));	/* grows as trial ids do */
	line = event_format(ev, *width);
	if (bar != NULL) {
		bar_event(bar, ev);
		bar_clear(bar, stdout);
	}
	puts(line);
	free(line);
}

/* tuna tail [-f] [ID]. */
int
cmd_tail(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	struct sigaction saved[4];
	struct client c = { .fd = -1 };
	struct bar bar, *barp = NULL;
	cJSON *req = NULL, *reply = NULL, *ev = NULL;
	const char *kind;
	long long id = 0, total = 0;
	int rc, opt, width = 2;
	bool follow = false;

	optind = 0;
	while ((rc = cmd_getopt(ctx, argc, argv, "f", &opt, cause)) == 1)
		follow = true;
	if (rc != 0)
		return rc;
	if ((rc = cmd_search_arg(ctx, argc, argv, &id, cause)) != 0)
		return rc;
	if (follow && id > 0 && !ctx->json && isatty(STDOUT_FILENO)) {
		bar_init(&bar, id);
		barp = &bar;
	}
	cmd_tail_stop = 0;
	cmd_tail_signals(barp != NULL, saved);
	if ((rc = client_connect(&c, ctx->socket, cause)) != 0)
		goto fail;
	c.stop = &cmd_tail_stop;
	/* (tunad answers the watch of a search it does not know with an empty history) */
	if (id > 0 && (rc = cmd_tail_search(&c, id, &total, cause)) != 0)
		goto fail;
	if (barp != NULL)
		bar.total = total;
	req = cmd_new_request(REQ_WATCH);
	if (id > 0)
		cJSON_AddNumberToObject(req, "search", (double)id);
	cJSON_AddBoolToObject(req, "history", true);
	cJSON_AddBoolToObject(req, "follow", follow);
	if ((rc = cmd_call(ctx, &c, req, &reply, cause)) != 0)
		goto fail;
	for (;;) {
		if (cmd_tail_stop) {
			rc = -EINTR;
			goto fail;
		}
		/* Flush (and draw the bar) only when no more lines are waiting. */
		if ((rc = client_poll(&c, 0, cause)) < 0)
			goto fail;
		if (rc == 0) {
			if (barp != NULL)
				bar_draw(barp, stdout);
			fflush(stdout);
			while (barp != NULL &&
			    (rc = client_poll(&c, CMD_TAIL_REDRAW_MS, cause)) == 0)
				bar_draw(barp, stdout);
			if (rc < 0)
				goto fail;
		}
		if ((rc = client_read(&c, &ev, cause)) != 0)
			goto fail;
		if (cJSON_IsFalse(json_member(ev, "ok"))) {
			rc = xcause(cause, -EREMOTEIO, "%s", json_string(ev, "error") != NULL ?
			    json_string(ev, "error") : "tunad ended the watch with an error");
			goto fail;
		}
		cmd_tail_show(ctx, &c, ev, barp, &width);
		if (ferror(stdout)) {
			/* -EPIPE: the reader went away (tuna tail -f | head) */
			rc = errno == EPIPE ? -EPIPE : xcause(cause, -EIO, "stdout: %s",
			    strerror(errno));
			goto fail;
		}
		kind = json_string(ev, "event");
		if (kind != NULL && strcmp(kind, "eof") == 0)
			break;
		cJSON_Delete(ev);
		ev = NULL;
	}
	rc = 0;
fail:
	if (barp != NULL)
		bar_clear(barp, stdout);
	fflush(stdout);
	cmd_tail_restore(saved);
	if (rc == -EINTR)
		ctx->signal = cmd_tail_stop;
	if (rc == -EPIPE)
		ctx->signal = SIGPIPE;
	client_close(&c);	/* harmless after a failed connect */
	cJSON_Delete(ev);
	cJSON_Delete(reply);
	cJSON_Delete(req);
	return rc;
}
