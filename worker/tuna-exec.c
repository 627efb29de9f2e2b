/*
 * tuna-exec.c: run a user's own trainer for tunad — trials read one JSON line after another on
 * stdin until EOF, each run as a child process, its metric reports turned into worker-protocol
 * events on stdout; with --check, only say whether a trainer could start here. The protocol is
 * in common/worker-protocol.h ("tuna-exec") and README.md.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "ctl.h"
#include "event.h"
#include "execcheck.h"
#include "execrun.h"
#include "exectrial.h"
#include "parent.h"
#include "worker-protocol.h"
#include "xmalloc.h"

/* Print usage and exit. */
static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: tuna-exec -             run a user's trainer for each trial read, one JSON\n"
	    "                               line after another, on stdin\n"
	    "       tuna-exec --check -     read one line {\"command\", \"cwd\", \"env\",\n"
	    "                               \"writable\"} and say whether the trainer can start\n"
	    "Reports JSON lines on stdout (worker protocol version %d); see README.md.\n",
	    WORKER_PROTOCOL_VERSION);
	exit(status);
}

/* Parse and run one trial line; 0, or -1 after an error event. */
static int
exec_trial(const char *text, struct ctl *ctl)
{
	struct exectrial t;
	char *cause = NULL, *msg;
	cJSON *json = cJSON_Parse(text);
	int rc;

	if (json == NULL) {
		const char *at = cJSON_GetErrorPtr();

		msg = xasprintf("stdin: invalid JSON at offset %ld", at != NULL ?
		    (long)(at - text) : 0L);
		event_error(NULL, msg);
		free(msg);
		return -1;
	}
	if (exectrial_parse(&t, json, &cause) != 0) {
		msg = xasprintf("stdin: %s", cause);
		event_error(cJSON_GetObjectItemCaseSensitive(json, "id"), msg);
		free(msg);
		free(cause);
		cJSON_Delete(json);
		return -1;
	}
	cJSON_Delete(json);
	rc = execrun_trial(&t, ctl);
	exectrial_free(&t);
	return rc;
}

/* --check -: one line in, one event out; 0 after "checked", 1 after an error. */
static int
exec_check(struct ctl *ctl)
{
	char *text = NULL, *cause = NULL;
	cJSON *ev;
	int rc;

	if ((rc = ctl_next(ctl, true, &text, &cause)) == -1)
		rc = xcause(&cause, -ENODATA, "stdin: no check line (end of input)");
	if (rc >= 0)
		rc = execcheck_line(text, &cause);
	if (rc < 0)
		event_error(NULL, cause);
	else {
		ev = event_new(WEV_CHECKED, NULL);
		event_emit(ev);
	}
	free(text);
	free(cause);
	return rc < 0 ? 1 : 0;
}

int
main(int argc, char **argv)
{
	cJSON_Hooks hooks = { xmalloc, free };
	struct ctl ctl;
	int status;

	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0))
		usage(0);
	if (argc == 2 && (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0)) {
		printf("tuna-exec protocol %d\n", WORKER_PROTOCOL_VERSION);
		return 0;
	}
	if (!(argc == 2 && strcmp(argv[1], "-") == 0) &&
	    !(argc == 3 && strcmp(argv[1], "--check") == 0 && strcmp(argv[2], "-") == 0))
		usage(1);
	cJSON_InitHooks(&hooks);
	parent_follow();
	signal(SIGPIPE, SIG_IGN);	/* a trainer that closed its stdin: EPIPE, not death */
	ctl_init(&ctl, STDIN_FILENO);
	status = argc == 3 ? exec_check(&ctl) : ctl_stream(&ctl, exec_trial);
	ctl_free(&ctl);
	return status;
}
