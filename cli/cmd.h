/*
 * cmd.h: the commands of the tuna CLI (one file each, cmd-NAME.c) and what they share. A
 * command returns 0 or a negative errno with a message in *cause; tuna.c turns that into the
 * exit status (see tuna_exit).
 */
#ifndef TUNA_CLI_CMD_H
#define TUNA_CLI_CMD_H

#include <stdbool.h>

#include <cJSON.h>

#include "client.h"

struct cmd_ctx;

/* One command of the table in tuna.c. */
struct cmd_entry {
	const char *name;
	int (*exec)(struct cmd_ctx *ctx, int argc, char **argv, char **cause);
	const char *usage;	/* arguments, after "tuna NAME" */
	const char *help;	/* one line */
};

/* What every command gets: the global options. */
struct cmd_ctx {
	const char *socket;		/* the daemon's socket */
	bool json;			/* --json: print replies and events as raw JSON lines */
	const struct cmd_entry *entry;	/* the command running */
	int signal;			/* the signal that interrupted it (it returned -EINTR) */
};

int cmd_usage(struct cmd_ctx *ctx, char **cause, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int cmd_getopt(struct cmd_ctx *ctx, int argc, char **argv, const char *optstring, int *opt,
    char **cause);
int cmd_parse_id(struct cmd_ctx *ctx, const char *s, const char *what, long long *out,
    char **cause);
int cmd_call(struct cmd_ctx *ctx, struct client *c, cJSON *req, cJSON **reply, char **cause);
int cmd_request(struct cmd_ctx *ctx, cJSON *req, cJSON **reply, char **cause);
int cmd_search_arg(struct cmd_ctx *ctx, int argc, char **argv, long long *id, char **cause);
cJSON *cmd_new_request(const char *type);
void cmd_print_raw(struct client *c);

int cmd_submit(struct cmd_ctx *ctx, int argc, char **argv, char **cause);
int cmd_status(struct cmd_ctx *ctx, int argc, char **argv, char **cause);
int cmd_best(struct cmd_ctx *ctx, int argc, char **argv, char **cause);
int cmd_tail(struct cmd_ctx *ctx, int argc, char **argv, char **cause);
int cmd_cancel(struct cmd_ctx *ctx, int argc, char **argv, char **cause);
int cmd_nudge(struct cmd_ctx *ctx, int argc, char **argv, char **cause);
int cmd_shutdown(struct cmd_ctx *ctx, int argc, char **argv, char **cause);

#endif
