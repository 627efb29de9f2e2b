/*
 * cmd-status.c: tuna status [ID] — a table of every search, or one search in detail with a
 * table of its trials. A trial is named by its id ("trial", as in best_trial, tail and best);
 * "#" is its number in the search. The BLAS kernels the trials ran on are in the header, each
 * with why it was chosen, and in a column KERNEL when any trial's worker named one.
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
#include "status.h"
#include "xmalloc.h"

/* The trial states that have ended, in the order a breakdown lists them. */
static const enum trial_status cmd_status_ended_states[] = {
	TRIAL_DONE, TRIAL_DIVERGED, TRIAL_FAILED, TRIAL_PRUNED, TRIAL_CANCELLED,
};
#define CMD_STATUS_NENDED (sizeof(cmd_status_ended_states) / sizeof(cmd_status_ended_states[0]))

/* The columns of a search's trials table, and those shown only sometimes. */
enum {
	CMD_STATUS_OWN = 4,	/* the objective, when it is not val_acc */
	CMD_STATUS_KERNEL = 9,	/* the BLAS kernel, when a trial's worker named one */
	CMD_STATUS_NCOLS = 11
};

/* The count of trials of a search in a state ("counts" member), 0 when absent. */
static long long
cmd_status_count(const cJSON *s, enum trial_status state)
{
	return json_int_or(json_member(s, "counts"), trial_status_name(state), 0);
}

/* The count of trials of a search that have ended for good, in any way. */
static long long
cmd_status_ended(const cJSON *s)
{
	long long n = 0;
	size_t i;

	for (i = 0; i < CMD_STATUS_NENDED; i++)
		n += cmd_status_count(s, cmd_status_ended_states[i]);
	return n;
}

/*
 * The trials a search asked for: "trials" (a count) in a list, "requested" in a search shown
 * with its trials; else its spec's "trials", else the sum of the counts.
 */
static long long
cmd_status_total(const cJSON *s)
{
	long long n = 0;
	size_t i;

	if (json_int(s, "trials", &n) || json_int(s, "requested", &n) ||
	    json_int(json_member(s, "spec"), "trials", &n))
		return n;
	for (i = 0; i < TRIAL_NSTATUS; i++)
		n += cmd_status_count(s, (enum trial_status)i);
	return n;
}

/* The metric a search ranks its trials by ("objective": {"metric", "goal"}). */
static const char *
cmd_status_metric(const cJSON *s)
{
	const char *m = json_string(json_member(s, "objective"), "metric");

	return m != NULL ? m : "val_acc";
}

/* "max val_acc": the objective, its direction first (caller frees). */
static char *
cmd_status_objective(const cJSON *s)
{
	const char *goal = json_string(json_member(s, "objective"), "goal");

	return xasprintf("%s %s", goal != NULL ? goal : "max", cmd_status_metric(s));
}

/* "0.8912 (7)", or "-" when there is no best yet (caller frees). */
static char *
cmd_status_best(const cJSON *s, bool word)
{
	char *acc, *out;
	long long trial;

	if (!cJSON_IsNumber(json_member(s, "best")))
		return xstrdup("-");
	acc = format_decimal(s, "best", 4);
	if (json_int(s, "best_trial", &trial))
		out = xasprintf("%s (%s%lld)", acc, word ? "trial " : "", trial);
	else
		out = xstrdup(acc);
	free(acc);
	return out;
}

/* A string member, or "-". */
static const char *
cmd_status_str(const cJSON *obj, const char *name)
{
	const char *s = json_string(obj, name);

	return s != NULL ? s : "-";
}

/* The table of every search. */
static void
cmd_status_list(const cJSON *searches)
{
	static const char *const headers[] = { "ID", "NAME", "MODE", "STATUS", "DONE/TOTAL",
	    "RUNNING", "FAILED", "OBJECTIVE", "BEST (TRIAL)", "CREATED" };
	struct format_table t;
	const cJSON *s;

	format_table_init(&t, 10, headers, "rlllrrrlll");
	cJSON_ArrayForEach(s, searches) {
		format_table_row(&t);
		format_table_take(&t, format_value(json_member(s, "id")));
		format_table_cell(&t, "%s", cmd_status_str(s, "name"));
		format_table_cell(&t, "%s", cmd_status_str(s, "mode"));
		format_table_cell(&t, "%s", cmd_status_str(s, "status"));
		format_table_cell(&t, "%lld/%lld", cmd_status_ended(s), cmd_status_total(s));
		format_table_cell(&t, "%lld", cmd_status_count(s, TRIAL_RUNNING));
		format_table_cell(&t, "%lld", cmd_status_count(s, TRIAL_FAILED));
		format_table_take(&t, cmd_status_objective(s));
		format_table_take(&t, cmd_status_best(s, false));
		format_table_take(&t, format_time(s, "created_at"));
	}
	format_table_print(&t, stdout);
	format_table_free(&t);
}

/* The names of the classes, in class order, when the data set labels them with text. */
static void
cmd_status_classes(const cJSON *names)
{
	const cJSON *n;
	int k = 0;

	if (!cJSON_IsArray(names))
		return;
	printf("classes:   ");
	cJSON_ArrayForEach(n, names) {
		printf("%s%d %s", k > 0 ? " · " : "", k, cJSON_IsString(n) ? n->valuestring : "?");
		k++;
	}
	printf("\n");
}

/*
 * The BLAS kernels a search's trials ran on, each once with why it was chosen (and on how many
 * trials, when there are several).
 */
static void
cmd_status_kernels(const cJSON *kernels)
{
	int i = 0, n = cJSON_IsArray(kernels) ? cJSON_GetArraySize(kernels) : 0;
	const cJSON *k;
	const char *why;
	long long trials;

	if (n == 0)
		return;
	cJSON_ArrayForEach(k, kernels) {
		printf("%s%s", i++ > 0 ? "           " : n > 1 ? "kernels:   " : "kernel:    ",
		    cmd_status_str(k, "core"));
		if (n > 1 && json_int(k, "trials", &trials))
			printf(" (%lld trial%s)", trials, trials == 1 ? "" : "s");
		if ((why = json_string(k, "why")) != NULL && *why != '\0')
			printf(" — %s", why);
		printf("\n");
	}
}

/* The header of one search: name, mode, strategy, status, progress, best and kernels. */
static void
cmd_status_header(const cJSON *s)
{
	char *best = cmd_status_best(s, true), *created = format_time(s, "created_at");
	char *objective = cmd_status_objective(s);
	char *finished = format_time(s, "finished_at");
	long long n, parallel;
	size_t i;
	bool first = true;

	printf("search %lld: %s\n", json_int_or(s, "id", -1), cmd_status_str(s, "name"));
	printf("mode:      %s\n", cmd_status_str(s, "mode"));
	printf("strategy:  %s", cmd_status_str(s, "strategy"));
	if (json_int(s, "parallel", &parallel))
		printf(", %lld parallel", parallel);
	printf("\nstatus:    %s (created %s", cmd_status_str(s, "status"), created);
	if (json_member(s, "finished_at") != NULL)
		printf(", finished %s", finished);
	printf(")\nprogress:  %lld/%lld trials ended", cmd_status_ended(s), cmd_status_total(s));
	for (i = 0; i < CMD_STATUS_NENDED; i++) {
		if ((n = cmd_status_count(s, cmd_status_ended_states[i])) == 0)
			continue;
		printf("%s%lld %s", first ? " (" : ", ", n,
		    trial_status_name(cmd_status_ended_states[i]));
		first = false;
	}
	printf("%s · %lld running · %lld queued", first ? "" : ")",
	    cmd_status_count(s, TRIAL_RUNNING), cmd_status_count(s, TRIAL_QUEUED));
	if ((n = cmd_status_count(s, TRIAL_INTERRUPTED)) > 0)
		printf(" · %lld interrupted (to run again)", n);
	printf("\n");
	printf("objective: %s\n", objective);
	printf("best:      %s\n", best);
	cmd_status_classes(json_member(s, "class_names"));
	cmd_status_kernels(json_member(s, "kernels"));
	free(best);
	free(objective);
	free(created);
	free(finished);
}

/* Whether any trial's worker named its BLAS kernel. */
static bool
cmd_status_any_kernel(const cJSON *trials)
{
	const cJSON *tr;

	cJSON_ArrayForEach(tr, trials) {
		if (json_string(tr, "kernel") != NULL)
			return true;
	}
	return false;
}

/*
 * The table of one search's trials (its objective in a column of its own when it is not
 * val_acc, the kernel when any trial has one), then the errors of those that have one.
 */
static void
cmd_status_trials(const cJSON *trials, const char *metric)
{
	static const char *const names[CMD_STATUS_NCOLS] = { "#", "TRIAL", "ROUND", "STATUS",
	    "", "VAL_ACC", "TEST_ACC", "EPOCHS", "SECONDS", "KERNEL", "PARAMS" };
	static const char aligns[CMD_STATUS_NCOLS + 1] = "rrrlrrrrrll";
	bool own = strcmp(metric, "val_acc") != 0, kernel = cmd_status_any_kernel(trials);
	const char *headers[CMD_STATUS_NCOLS], *err;
	char align[CMD_STATUS_NCOLS + 1], *upper = format_upper(metric);
	struct format_table t;
	const cJSON *tr;
	bool any = false;
	int i, n = 0;

	for (i = 0; i < CMD_STATUS_NCOLS; i++) {	/* the optional columns shown or not */
		if ((i == CMD_STATUS_OWN && !own) || (i == CMD_STATUS_KERNEL && !kernel))
			continue;
		headers[n] = i == CMD_STATUS_OWN ? upper : names[i];
		align[n++] = aligns[i];
	}
	align[n] = '\0';
	format_table_init(&t, n, headers, align);
	cJSON_ArrayForEach(tr, trials) {
		format_table_row(&t);
		format_table_take(&t, format_value(json_member(tr, "number")));
		format_table_take(&t, format_value(json_member(tr, "id")));
		format_table_take(&t, format_value(json_member(tr, "round")));
		format_table_cell(&t, "%s", cmd_status_str(tr, "status"));
		if (own)
			format_table_take(&t, format_decimal(tr, "objective", 4));
		format_table_take(&t, format_decimal(tr, "val_acc", 4));
		format_table_take(&t, format_decimal(tr, "test_acc", 4));
		format_table_take(&t, format_value(json_member(tr, "epochs")));
		format_table_take(&t, format_decimal(tr, "seconds", 1));
		if (kernel)
			format_table_cell(&t, "%s", cmd_status_str(tr, "kernel"));
		format_table_take(&t, format_params(json_member(tr, "params")));
	}
	format_table_print(&t, stdout);
	format_table_free(&t);
	free(upper);
	cJSON_ArrayForEach(tr, trials) {
		if ((err = json_string(tr, "error")) == NULL || *err == '\0')
			continue;
		if (!any)
			printf("\nerrors:\n");
		any = true;
		printf("  #%lld (trial %lld) %s: %s\n", json_int_or(tr, "number", -1),
		    json_int_or(tr, "id", -1), cmd_status_str(tr, "status"), err);
	}
}

/* tuna status [ID]. */
int
cmd_status(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	cJSON *req = NULL, *reply = NULL;
	const cJSON *s, *trials;
	const char *err;
	long long id = 0;
	int rc, opt;

	optind = 0;
	while ((rc = cmd_getopt(ctx, argc, argv, "", &opt, cause)) == 1)
		;
	if (rc != 0)
		return rc;
	if ((rc = cmd_search_arg(ctx, argc, argv, &id, cause)) != 0)
		return rc;
	req = cmd_new_request(REQ_STATUS);
	if (id > 0)
		cJSON_AddNumberToObject(req, "search", (double)id);
	if ((rc = cmd_request(ctx, req, &reply, cause)) != 0 || ctx->json)
		goto fail;
	if ((err = json_string(reply, "store_error")) != NULL)
		printf("warning: tunad cannot write its database (%s): searches are suspended "
		    "until it can\n\n", err);
	if (id == 0) {
		if (!cJSON_IsArray(s = json_member(reply, "searches"))) {
			rc = xcause(cause, -EPROTO, "tunad's status reply has no \"searches\" array");
			goto fail;
		}
		cmd_status_list(s);
	} else {
		if (!cJSON_IsObject(s = json_member(reply, "search"))) {
			rc = xcause(cause, -EPROTO, "tunad's status reply has no \"search\" object");
			goto fail;
		}
		cmd_status_header(s);
		if (cJSON_IsArray(trials = json_member(s, "trials"))) {
			printf("\n");
			cmd_status_trials(trials, cmd_status_metric(s));
		}
	}
fail:
	cJSON_Delete(reply);
	cJSON_Delete(req);
	return rc;
}
