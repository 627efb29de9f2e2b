/*
 * tuna.c: the tuna command-line client of tunad: global options, the command table and the
 * exit status (0 ok, 1 the daemon replied with an error, 2 usage or bad input, 3 cannot
 * connect to the daemon). An interrupted tail -f dies of the signal that stopped it, and a
 * command whose reader went away (tuna tail -f | head) of SIGPIPE.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "paths.h"
#include "xmalloc.h"

#define TUNA_EXIT_DAEMON	1
#define TUNA_EXIT_USAGE		2
#define TUNA_EXIT_CONNECT	3
#define TUNA_EXIT_INTERRUPTED	130

static int tuna_help(struct cmd_ctx *ctx, int argc, char **argv, char **cause);

static const struct cmd_entry tuna_cmds[] = {
	{ "submit", cmd_submit, "SPEC.json", "start a search (SPEC.json may be - for stdin)" },
	{ "status", cmd_status, "[ID]", "list searches, or show one with its trials" },
	{ "best", cmd_best, "[ID] [-n N]", "the N best trials (default 10) of a search or of all" },
	{ "tail", cmd_tail, "[-f] [ID]", "print events; -f follows until the search ends" },
	{ "cancel", cmd_cancel, "ID", "cancel a search" },
	{ "nudge", cmd_nudge, "TRIAL alpha=X|alpha*=F|beta=X|beta1=X|beta2=X|rollback ...",
	    "change a running trial at its next epoch" },
	{ "shutdown", cmd_shutdown, "", "stop tunad" },
	{ "help", tuna_help, "[COMMAND]", "show this help" },
};
#define TUNA_NCMDS (sizeof(tuna_cmds) / sizeof(tuna_cmds[0]))

/* Print the usage of every command. */
static void
tuna_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: tuna [--socket PATH] [--json] COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < TUNA_NCMDS; i++) {
		fprintf(f, "  %-8s %-13s %s\n", tuna_cmds[i].name, tuna_cmds[i].usage,
		    tuna_cmds[i].help);
	}
	fprintf(f, "\noptions:\n"
	    "  --socket PATH  tunad's socket (default: $TUNA_SOCKET, else\n"
	    "                 $XDG_RUNTIME_DIR/tuna/tunad.sock, else /tmp/tuna-UID/tunad.sock)\n"
	    "  --json         print the daemon's replies (and events) as raw JSON lines\n"
	    "  --help         show this help\n"
	    "\nexit status: 0 ok, 1 tunad replied with an error, 2 usage or bad input,\n"
	    "3 cannot connect to tunad\n");
}

/* The command named name, or NULL. */
static const struct cmd_entry *
tuna_find(const char *name)
{
	size_t i;

	for (i = 0; i < TUNA_NCMDS; i++) {
		if (strcmp(tuna_cmds[i].name, name) == 0)
			return &tuna_cmds[i];
	}
	return NULL;
}

/* Print the usage of one command. */
static void
tuna_usage_cmd(FILE *f, const struct cmd_entry *e)
{
	fprintf(f, "usage: tuna %s%s%s\n  %s\n", e->name, *e->usage != '\0' ? " " : "", e->usage,
	    e->help);
}

/* tuna help [COMMAND]. */
static int
tuna_help(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	const struct cmd_entry *e;

	if (argc > 2)
		return cmd_usage(ctx, cause, "too many arguments");
	if (argc == 2) {
		if ((e = tuna_find(argv[1])) == NULL)
			return cmd_usage(ctx, cause, "unknown command: %s", argv[1]);
		tuna_usage_cmd(stdout, e);
		return 0;
	}
	tuna_usage(stdout);
	return 0;
}

/* Whether a command's arguments ask for its help (-h or --help before any "--"). */
static int
tuna_wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return 0;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 1;
	}
	return 0;
}

/* The exit status for a command's result. */
static int
tuna_exit(int rc)
{
	switch (rc) {
	case 0:
		return 0;
	case -EINTR:
		return TUNA_EXIT_INTERRUPTED;
	case -ENOTCONN:
		return TUNA_EXIT_CONNECT;
	case -EREMOTEIO:
	case -EPROTO:
	case -ECONNRESET:
		return TUNA_EXIT_DAEMON;
	default:
		return TUNA_EXIT_USAGE;
	}
}

/* Parse the global options, then run the command. */
int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cmd_ctx ctx = { 0 };
	char *socket = NULL, *cause = NULL;
	int opt, rc;

	signal(SIGPIPE, SIG_IGN);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:S:jh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'S':
			free(socket);
			socket = xstrdup(optarg);
			break;
		case 'j':
			ctx.json = true;
			break;
		case 'h':
			tuna_usage(stdout);
			free(socket);
			return 0;
		case ':':
			fprintf(stderr, "tuna: option %s needs an argument\n", argv[optind - 1]);
			goto usage;
		default:
			if (optopt != 0)
				fprintf(stderr, "tuna: unknown option -%c\n", optopt);
			else
				fprintf(stderr, "tuna: unknown option %s\n", argv[optind - 1]);
			goto usage;
		}
	}
	if (optind == argc) {
		fprintf(stderr, "tuna: missing command\n");
		goto usage;
	}
	if ((ctx.entry = tuna_find(argv[optind])) == NULL) {
		fprintf(stderr, "tuna: unknown command: %s\n", argv[optind]);
		goto usage;
	}
	if (tuna_wants_help(argc - optind, argv + optind)) {
		tuna_usage_cmd(stdout, ctx.entry);
		free(socket);
		return 0;
	}
	ctx.socket = socket != NULL ? socket : (socket = paths_socket());
	rc = ctx.entry->exec(&ctx, argc - optind, argv + optind, &cause);
	if ((fflush(stdout) != 0 || ferror(stdout)) && rc == 0) {
		if (errno == EPIPE) {
			rc = -EPIPE;
			ctx.signal = SIGPIPE;
		} else
			rc = xcause(&cause, -EIO, "stdout: %s", strerror(errno));
	}
	if (rc != 0 && cause != NULL)
		fprintf(stderr, "tuna: %s\n", cause);
	free(cause);
	free(socket);
	if ((rc == -EINTR || rc == -EPIPE) && ctx.signal != 0) {
		/* Die of the signal, as the shell expects of an interrupted command. */
		signal(ctx.signal, SIG_DFL);
		raise(ctx.signal);
	}
	return tuna_exit(rc);
usage:
	tuna_usage(stderr);
	free(socket);
	return TUNA_EXIT_USAGE;
}
