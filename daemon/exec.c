/*
 * exec.c: the executor interface (exec.h): calls through an executor's operations, the names
 * of its commands.
 * Layer: part
 */
#include <stdlib.h>

#include "exec.h"
#include "worker-protocol.h"

/* The commands' names in the worker protocol. */
static const char *const exec_cmd_names[] = {
	[EXEC_CONTINUE] = WCMD_CONTINUE,
	[EXEC_SET] = WCMD_SET,
	[EXEC_SAVE] = WCMD_SAVE,
	[EXEC_RESTORE] = WCMD_RESTORE,
	[EXEC_STOP] = WCMD_STOP,
};

/* Register the callbacks the executor reports through. */
void
exec_set_callbacks(struct exec *x, const struct exec_cb *cb)
{
	x->cb = *cb;
}

/* Check a search's needs where the trainer runs; cb answers, later or at once. */
void
exec_check(struct exec *x, const struct exec_check_req *req, exec_check_cb *cb, void *arg)
{
	x->ops->check(x, req, cb, arg);
}

/* Start a trial (trial: the owner's handle for it); on success its end is reported later. */
int
exec_start(struct exec *x, const struct exec_job *job, void *trial, char **cause)
{
	return x->ops->start(x, job, trial, cause);
}

/* Send a command to a running trial, for its next epoch boundary. */
int
exec_command(struct exec *x, void *trial, const struct exec_cmd *cmd, char **cause)
{
	return x->ops->command(x, trial, cmd, cause);
}

/* Stop a running trial now; its end follows, killed. */
void
exec_kill(struct exec *x, void *trial)
{
	x->ops->kill(x, trial);
}

/* Stop every trial and every process now. */
void
exec_kill_all(struct exec *x)
{
	x->ops->kill_all(x);
}

/* The processes (slots) alive. */
int
exec_slots(const struct exec *x)
{
	return x->ops->slots(x);
}

/* Free the executor: call it once its slots are all gone. */
void
exec_free(struct exec *x)
{
	if (x != NULL)
		x->ops->free(x);
}

/* A command's name in the worker protocol. */
const char *
exec_cmd_name(enum exec_cmd_kind k)
{
	return exec_cmd_names[k];
}
