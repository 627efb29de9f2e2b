/* cmd-best.c: tuna best [ID] [-n N] — the best trials of one search, or of all, best first. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include <cJSON.h>

#include "cmd.h"
#include "format.h"
#include "json.h"
#include "protocol.h"
#include "xmalloc.h"

#define CMD_BEST_DEFAULT 10

/* The table of the best trials. */
static void
cmd_best_table(const cJSON *trials)
{
	static const char *const headers[] = { "RANK", "SEARCH", "TRIAL", "ROUND", "VAL_ACC",
	    "TEST_ACC", "EPOCHS", "PARAMS" };
	struct format_table t;
	const cJSON *tr;
	int rank = 0;

	format_table_init(&t, 8, headers, "rrrrrrrl");
	cJSON_ArrayForEach(tr, trials) {
		format_table_row(&t);
		format_table_cell(&t, "%d", ++rank);
		format_table_take(&t, format_value(json_member(tr, "search")));
		format_table_take(&t, format_value(json_member(tr, "trial")));
		format_table_take(&t, format_value(json_member(tr, "round")));
		format_table_take(&t, format_decimal(tr, "val_acc", 4));
		format_table_take(&t, format_decimal(tr, "test_acc", 4));
		format_table_take(&t, format_value(json_member(tr, "epochs")));
		format_table_take(&t, format_params(json_member(tr, "params")));
	}
	format_table_print(&t, stdout);
	format_table_free(&t);
}

/* tuna best [ID] [-n N]. */
int
cmd_best(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	cJSON *req = NULL, *reply = NULL;
	const cJSON *trials;
	long long id = 0, n = CMD_BEST_DEFAULT;
	int rc, opt;

	optind = 0;
	while ((rc = cmd_getopt(ctx, argc, argv, "n:", &opt, cause)) == 1) {
		if ((rc = cmd_parse_id(ctx, optarg, "count", &n, cause)) != 0)
			return rc;
	}
	if (rc != 0)
		return rc;
	if ((rc = cmd_search_arg(ctx, argc, argv, &id, cause)) != 0)
		return rc;
	req = cmd_new_request(REQ_BEST);
	if (id > 0)
		cJSON_AddNumberToObject(req, "search", (double)id);
	cJSON_AddNumberToObject(req, "n", (double)n);
	if ((rc = cmd_request(ctx, req, &reply, cause)) != 0 || ctx->json)
		goto fail;
	if (!cJSON_IsArray(trials = json_member(reply, "trials"))) {
		rc = xcause(cause, -EPROTO, "tunad's best reply has no \"trials\" array");
		goto fail;
	}
	cmd_best_table(trials);
fail:
	cJSON_Delete(reply);
	cJSON_Delete(req);
	return rc;
}
