/* cmd-cancel.c: tuna cancel ID — stop a search: its queued trials never run, running ones stop. */
#include <getopt.h>
#include <stdio.h>

#include <cJSON.h>

#include "cmd.h"
#include "json.h"
#include "protocol.h"

/* tuna cancel ID: print how many trials were cancelled. */
int
cmd_cancel(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	cJSON *req = NULL, *reply = NULL;
	long long id, n;
	int rc, opt;

	optind = 0;
	while ((rc = cmd_getopt(ctx, argc, argv, "", &opt, cause)) == 1)
		;
	if (rc != 0)
		return rc;
	if (argc - optind != 1)
		return cmd_usage(ctx, cause, argc - optind == 0 ? "missing search id" :
		    "too many arguments");
	if ((rc = cmd_parse_id(ctx, argv[optind], "search id", &id, cause)) != 0)
		return rc;
	req = cmd_new_request(REQ_CANCEL);
	cJSON_AddNumberToObject(req, "search", (double)id);
	if ((rc = cmd_request(ctx, req, &reply, cause)) != 0 || ctx->json)
		goto fail;
	if (json_int(reply, "cancelled", &n))
		printf("search %lld: cancelled %lld trial%s\n", id, n, n == 1 ? "" : "s");
	else
		printf("search %lld: cancelled\n", id);
fail:
	cJSON_Delete(reply);
	cJSON_Delete(req);
	return rc;
}
