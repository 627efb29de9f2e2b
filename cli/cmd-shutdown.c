/* cmd-shutdown.c: tuna shutdown — ask tunad to stop. */
#include <getopt.h>

#include <cJSON.h>

#include "cmd.h"
#include "protocol.h"

/* tuna shutdown: prints nothing unless --json. */
int
cmd_shutdown(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	cJSON *req, *reply = NULL;
	int rc, opt;

	optind = 0;
	while ((rc = cmd_getopt(ctx, argc, argv, "", &opt, cause)) == 1)
		;
	if (rc != 0)
		return rc;
	if (argc - optind != 0)
		return cmd_usage(ctx, cause, "too many arguments");
	req = cmd_new_request(REQ_SHUTDOWN);
	rc = cmd_request(ctx, req, &reply, cause);
	cJSON_Delete(reply);
	cJSON_Delete(req);
	return rc;
}
