/*
 * cmd-best.c: tuna best [ID] [-n N] — the best trials of one search, or of all, best first by
 * each search's objective.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "cmd.h"
#include "format.h"
#include "json.h"
#include "protocol.h"
#include "xmalloc.h"

#define CMD_BEST_DEFAULT 10

/*
 * The header of the objective's column: none when every trial is ranked by val_acc (the
 * VAL_ACC column says it), its metric's name when they share one, else "OBJECTIVE" (caller
 * frees).
 */
static char *
cmd_best_objective(const cJSON *trials)
{
	const char *metric = NULL, *m;
	const cJSON *tr;

	cJSON_ArrayForEach(tr, trials) {
		if ((m = json_string(tr, "metric")) == NULL)
			m = "val_acc";
		if (metric != NULL && strcmp(m, metric) != 0)
			return xstrdup("OBJECTIVE");
		metric = m;
	}
	return metric == NULL || strcmp(metric, "val_acc") == 0 ? NULL : format_upper(metric);
}

/* The table of the best trials. */
static void
cmd_best_table(const cJSON *trials)
{
	const char *headers[] = { "RANK", "SEARCH", "TRIAL", "ROUND", "", "VAL_ACC",
	    "TEST_ACC", "EPOCHS", "PARAMS" };
	char *objective = cmd_best_objective(trials);
	struct format_table t;
	const cJSON *tr;
	int rank = 0;

	if (objective == NULL)	/* no column of its own: the rest move left */
		memmove(&headers[4], &headers[5], 4 * sizeof headers[0]);
	else
		headers[4] = objective;
	format_table_init(&t, objective != NULL ? 9 : 8, headers,
	    objective != NULL ? "rrrrrrrrl" : "rrrrrrrl");
	cJSON_ArrayForEach(tr, trials) {
		format_table_row(&t);
		format_table_cell(&t, "%d", ++rank);
		format_table_take(&t, format_value(json_member(tr, "search")));
		format_table_take(&t, format_value(json_member(tr, "trial")));
		format_table_take(&t, format_value(json_member(tr, "round")));
		if (objective != NULL)
			format_table_take(&t, format_decimal(tr, "objective", 4));
		format_table_take(&t, format_decimal(tr, "val_acc", 4));
		format_table_take(&t, format_decimal(tr, "test_acc", 4));
		format_table_take(&t, format_value(json_member(tr, "epochs")));
		format_table_take(&t, format_params(json_member(tr, "params")));
	}
	format_table_print(&t, stdout);
	format_table_free(&t);
	free(objective);
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
