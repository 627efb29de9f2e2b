/*
 * cmd-nudge.c: tuna nudge TRIAL alpha=X | alpha*=F | beta=X | beta1=X | beta2=X | rollback —
 * change a running trial at its next epoch boundary (a panda model's, typically).
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "cmd.h"
#include "json.h"
#include "protocol.h"
#include "xmalloc.h"

/* Add one NAME=VALUE or NAME*=FACTOR or "rollback" to a nudge request. */
static int
cmd_nudge_arg(struct cmd_ctx *ctx, cJSON *req, const char *arg, char **cause)
{
	const char *eq = strchr(arg, '=');
	char *name, *end;
	cJSON *group;
	double v;
	bool scale;

	if (strcmp(arg, "rollback") == 0) {
		cJSON_AddBoolToObject(req, "rollback", true);
		return 0;
	}
	if (eq == NULL || eq == arg)
		return cmd_usage(ctx, cause, "%s: expected NAME=VALUE, alpha*=FACTOR or rollback",
		    arg);
	scale = eq[-1] == '*';
	name = xasprintf("%.*s", (int)(eq - arg - (scale ? 1 : 0)), arg);
	v = strtod(eq + 1, &end);
	if (eq[1] == '\0' || *end != '\0' || !isfinite(v)) {
		free(name);
		return cmd_usage(ctx, cause, "%s: %s is not a number", arg, eq + 1);
	}
	if ((group = cJSON_GetObjectItemCaseSensitive(req, scale ? "scale" : "set")) == NULL)
		group = cJSON_AddObjectToObject(req, scale ? "scale" : "set");
	cJSON_AddNumberToObject(group, name, v);
	free(name);
	return 0;
}

/* tuna nudge TRIAL CHANGE...: the daemon says at which epoch it lands. */
int
cmd_nudge(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	cJSON *req = NULL, *reply = NULL;
	long long id, epoch;
	int rc, opt, i;

	optind = 0;
	while ((rc = cmd_getopt(ctx, argc, argv, "", &opt, cause)) == 1)
		;
	if (rc != 0)
		return rc;
	if (argc - optind < 2)
		return cmd_usage(ctx, cause, argc - optind == 0 ? "missing trial id" :
		    "missing change (alpha=X, alpha*=F, beta=X or rollback)");
	if ((rc = cmd_parse_id(ctx, argv[optind], "trial id", &id, cause)) != 0)
		return rc;
	req = cmd_new_request(REQ_NUDGE);
	cJSON_AddNumberToObject(req, "trial", (double)id);
	for (i = optind + 1; i < argc; i++) {
		if ((rc = cmd_nudge_arg(ctx, req, argv[i], cause)) != 0)
			goto fail;
	}
	if ((rc = cmd_request(ctx, req, &reply, cause)) != 0 || ctx->json)
		goto fail;
	if (json_int(reply, "epoch", &epoch))
		printf("trial %lld: nudge lands after epoch %lld\n", id, epoch);
	else
		printf("trial %lld: nudged\n", id);
fail:
	cJSON_Delete(reply);
	cJSON_Delete(req);
	return rc;
}
