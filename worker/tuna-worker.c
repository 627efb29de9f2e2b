/*
 * tuna-worker.c: train one trial (or, reading "-", a stream of trials) and report it as JSON
 * lines; with --check, only open a data set and report its shape. The protocol is in
 * common/worker-protocol.h and README.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "blas.h"
#include "ctl.h"
#include "event.h"
#include "parent.h"
#include "probe.h"
#include "run.h"
#include "trial.h"
#include "worker-protocol.h"
#include "xmalloc.h"

#define WORKER_MAX_TRIAL_FILE (16 << 20)

/* Print usage and exit. */
static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: tuna-worker TRIAL.json   run one trial described in a file\n"
	    "       tuna-worker -            run trials read one per line from stdin\n"
	    "       tuna-worker --check FILE|-\n"
	    "                                open a data set setting (a trial's \"dataset\"),\n"
	    "                                from FILE or one stdin line, and report its shape\n"
	    "       tuna-worker --blas           choose the BLAS kernel as before a trial, and\n"
	    "                                report the choice, its reason and the candidates\n"
	    "Reports JSON lines on stdout (protocol version %d); see README.md.\n",
	    WORKER_PROTOCOL_VERSION);
	exit(status);
}

/* Read a whole file (at most WORKER_MAX_TRIAL_FILE bytes) into a string. */
static int
worker_slurp(const char *path, char **out, char **cause)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n;
	int err, rc = 0;

	if (f == NULL)
		return xcause(cause, -errno, "%s: %s", path, strerror(errno));
	buf = xmalloc(WORKER_MAX_TRIAL_FILE + 1);
	errno = 0;
	n = fread(buf, 1, WORKER_MAX_TRIAL_FILE + 1, f);
	if (ferror(f)) {
		err = errno != 0 ? errno : EIO;		/* EISDIR for a directory */
		rc = xcause(cause, -err, "%s: %s", path, strerror(err));
		goto fail;
	}
	if (n > WORKER_MAX_TRIAL_FILE) {
		rc = xcause(cause, -E2BIG, "%s: larger than %d bytes", path, WORKER_MAX_TRIAL_FILE);
		goto fail;
	}
	buf[n] = '\0';
	*out = buf;
	buf = NULL;
fail:
	free(buf);
	fclose(f);
	return rc;
}

/* Parse and run one trial given as text; returns 0 or -1 after an error event. */
static int
worker_trial(const char *text, const char *where, struct ctl *ctl)
{
	struct trial tr;
	char *cause = NULL, *msg;
	cJSON *json;
	int rc;

	json = cJSON_Parse(text);
	if (json == NULL) {
		const char *at = cJSON_GetErrorPtr();

		msg = xasprintf("%s: invalid JSON at offset %ld", where,
		    at != NULL ? (long)(at - text) : 0L);
		event_error(NULL, msg);
		free(msg);
		return -1;
	}
	if (trial_parse(&tr, json, &cause) != 0) {
		msg = xasprintf("%s: %s", where, cause);
		event_error(cJSON_GetObjectItemCaseSensitive(json, "id"), msg);
		free(msg);
		free(cause);
		cJSON_Delete(json);
		return -1;
	}
	cJSON_Delete(json);
	rc = run_trial(&tr, ctl);
	trial_free(&tr);
	return rc;
}

/* A trial line from stdin (ctl_stream's callback). */
static int
worker_stream_trial(const char *line, struct ctl *ctl)
{
	return worker_trial(line, "stdin", ctl);
}

/* --check: open the data set setting in a file or on stdin ("-"); 0, or 1 after an error event. */
static int
worker_check(const char *path, struct ctl *ctl)
{
	const char *where = strcmp(path, "-") == 0 ? "stdin" : path;
	char *text = NULL, *cause = NULL;
	int rc;

	if (strcmp(path, "-") != 0)
		rc = worker_slurp(path, &text, &cause);
	else if ((rc = ctl_next(ctl, true, &text, &cause)) == -1)
		rc = xcause(&cause, -ENODATA, "stdin: no data set setting (end of input)");
	if (rc >= 0)
		rc = probe_dataset(text, where, &cause);
	if (rc < 0)
		event_error(NULL, cause);
	free(text);
	free(cause);
	return rc < 0 ? 1 : 0;
}

int
main(int argc, char **argv)
{
	cJSON_Hooks hooks = { xmalloc, free };
	struct ctl ctl;
	char *text = NULL, *cause = NULL;
	int check, blas, status = 0;

	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0))
		usage(0);
	if (argc == 2 && (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0)) {
		printf("tuna-worker protocol %d\n", WORKER_PROTOCOL_VERSION);
		return 0;
	}
	cJSON_InitHooks(&hooks);	/* its allocations fail as ours do: abort, naming a limit */
	if (argc >= 2 && strcmp(argv[1], "--blas-probe") == 0)	/* a child of blas_choose */
		return blas_probe_main(argc, argv);
	check = argc >= 2 && strcmp(argv[1], "--check") == 0;
	if (argc != 2 + check)
		usage(1);
	parent_follow();
	blas = strcmp(argv[1], "--blas") == 0;
	if (!check && blas_choose(argv, !blas, &cause) != 0) {
		event_error(NULL, cause);
		free(cause);
		return 2;
	}
	if (blas) {
		event_emit(blas_event());
		return 0;
	}
	ctl_init(&ctl, STDIN_FILENO);
	if (check)
		status = worker_check(argv[2], &ctl);
	else if (strcmp(argv[1], "-") == 0)
		status = ctl_stream(&ctl, worker_stream_trial);
	else if (worker_slurp(argv[1], &text, &cause) != 0) {
		event_error(NULL, cause);
		status = 2;
	} else if (worker_trial(text, argv[1], &ctl) != 0)
		status = 2;
	free(text);
	free(cause);
	ctl_free(&ctl);
	return status;
}
