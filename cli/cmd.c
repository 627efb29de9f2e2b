/* cmd.c: what the commands share: argument checks and one request to the daemon. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "client.h"
#include "cmd.h"
#include "xmalloc.h"

#define CMD_OPT_JSON 0x100
#define CMD_OPT_SOCKET 0x101

/* Fail with a usage error: the problem, then the command's usage line. */
int
cmd_usage(struct cmd_ctx *ctx, char **cause, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	xcause(cause, -EINVAL, "%s\nusage: tuna %s%s%s", msg, ctx->entry->name,
	    *ctx->entry->usage != '\0' ? " " : "", ctx->entry->usage);
	free(msg);
	return -EINVAL;
}

/*
 * The next option of a command's arguments (getopt, options may follow operands): 1 with it in
 * *opt (its argument in optarg), 0 at the end (operands from optind on), or a usage error.
 * The global --json and --socket PATH are taken here too. The first call must be made with
 * optind = 0.
 */
int
cmd_getopt(struct cmd_ctx *ctx, int argc, char **argv, const char *optstring, int *opt,
    char **cause)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, CMD_OPT_JSON },
		{ "socket", required_argument, NULL, CMD_OPT_SOCKET },
		{ NULL, 0, NULL, 0 },
	};
	char spec[32];

	snprintf(spec, sizeof(spec), ":%s", optstring);
	opterr = 0;
	for (;;) {
		switch ((*opt = getopt_long(argc, argv, spec, longopts, NULL))) {
		case -1:
			return 0;
		case CMD_OPT_JSON:
			ctx->json = true;
			break;
		case CMD_OPT_SOCKET:
			ctx->socket = optarg;
			break;
		case ':':
			return cmd_usage(ctx, cause, "option %s needs an argument",
			    argv[optind - 1]);
		case '?':
			if (optopt != 0)
				return cmd_usage(ctx, cause, "unknown option -%c", optopt);
			return cmd_usage(ctx, cause, "unknown option %s", argv[optind - 1]);
		default:
			return 1;
		}
	}
}

/* Parse a positive integer argument (a search id, a count). */
int
cmd_parse_id(struct cmd_ctx *ctx, const char *s, const char *what, long long *out, char **cause)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v <= 0 || v > (1LL << 53))
		return cmd_usage(ctx, cause, "invalid %s: %s", what, s);
	*out = v;
	return 0;
}

/* The arguments left after the options: at most one, an optional search id (0: none). */
int
cmd_search_arg(struct cmd_ctx *ctx, int argc, char **argv, long long *id, char **cause)
{
	*id = 0;
	if (argc - optind > 1)
		return cmd_usage(ctx, cause, "too many arguments");
	if (argc - optind == 1)
		return cmd_parse_id(ctx, argv[optind], "search id", id, cause);
	return 0;
}

/* A new request object of the given type (caller deletes). */
cJSON *
cmd_new_request(const char *type)
{
	cJSON *req = cJSON_CreateObject();

	cJSON_AddStringToObject(req, "type", type);
	return req;
}

/* Print the last line read from the daemon as it came (for --json). */
void
cmd_print_raw(struct client *c)
{
	if (c->line == NULL)
		return;
	fputs(c->line, stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

/* Send a request on an open connection; with --json, print the reply line (even an error). */
int
cmd_call(struct cmd_ctx *ctx, struct client *c, cJSON *req, cJSON **reply, char **cause)
{
	int rc = client_request(c, req, reply, cause);

	if (ctx->json && (rc == 0 || rc == -EREMOTEIO))
		cmd_print_raw(c);
	return rc;
}

/* Connect, send one request, read its reply and close (see cmd_call). */
int
cmd_request(struct cmd_ctx *ctx, cJSON *req, cJSON **reply, char **cause)
{
	struct client c;
	int rc;

	*reply = NULL;
	if ((rc = client_connect(&c, ctx->socket, cause)) != 0)
		return rc;
	rc = cmd_call(ctx, &c, req, reply, cause);
	client_close(&c);
	return rc;
}
