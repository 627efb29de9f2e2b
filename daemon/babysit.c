/*
 * babysit.c: the daemon's hand on running trials, at every epoch boundary. Trials that run
 * with control "step" (panda models, and caviar trials under ASHA) wait after each epoch for
 * the daemon's word: ASHA may prune them; the panda policy raises or lowers α, saves a
 * checkpoint of a good epoch, or rolls back to the last one; user nudges land here too. The
 * decisions themselves are pure functions (asha.c, panda.c); this file carries them out,
 * through the executor's commands.
 * Layer: engine
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "babysit.h"
#include "log.h"
#include "protocol.h"
#include "search.h"
#include "trial.h"
#include "xmalloc.h"

/* Send a command to the trial's executor; a failure is logged (the trial is then dying). */
static void
babysit_send(struct trial *t, const struct exec_cmd *cmd)
{
	char *cause = NULL;

	if (exec_command(t->search->exec, t, cmd, &cause) != 0) {
		log_warn("search %lld: trial %d: %s", (long long)t->search->id, t->number, cause);
		free(cause);
	}
}

/* Send a command without arguments: continue, stop. */
static void
babysit_go(struct trial *t, enum exec_cmd_kind kind)
{
	struct exec_cmd c = { .kind = kind };

	babysit_send(t, &c);
}

/* Tell the trial to set α for the next epoch. */
static void
babysit_set_alpha(struct trial *t, double alpha)
{
	struct exec_cmd c = { .kind = EXEC_SET, .nset = 1, .set = { { "alpha", alpha } } };

	t->alpha = alpha;
	babysit_send(t, &c);
}

/* Save a checkpoint of the trial as it stands (epoch `epoch`), and record it. */
static void
babysit_checkpoint(struct trial *t, int epoch)
{
	struct exec_cmd c = { .kind = EXEC_SAVE, .path = t->ckpt };
	cJSON *ev;

	babysit_send(t, &c);
	t->ckpt_epoch = epoch;
	ev = cJSON_CreateObject();
	cJSON_AddNumberToObject(ev, "number", t->number);
	cJSON_AddNumberToObject(ev, "epoch", epoch);
	cJSON_AddStringToObject(ev, "path", t->ckpt);
	engine_publish(t->search->e, t->search->id, t->id, EV_CHECKPOINT, ev);
}

/* Go back to the last checkpoint: the epochs after it are undone. */
static void
babysit_restore(struct trial *t)
{
	struct exec_cmd c = { .kind = EXEC_RESTORE, .path = t->ckpt };
	struct engine *e = t->search->e;
	char *cause = NULL;

	babysit_send(t, &c);
	if (store_trial_rollback(e->store, t->id, t->ckpt_epoch, &cause) != 0)
		engine_store_error(e, "roll back", cause);
}

/* Record a decision (ASHA's or the panda policy's) as an event with its reason. */
static void
babysit_decision(struct trial *t, int epoch, const char *action, double alpha,
    const char *reason)
{
	cJSON *ev = cJSON_CreateObject();

	cJSON_AddNumberToObject(ev, "number", t->number);
	cJSON_AddNumberToObject(ev, "epoch", epoch);
	cJSON_AddStringToObject(ev, "action", action);
	if (!isnan(alpha))
		cJSON_AddNumberToObject(ev, "alpha", alpha);
	cJSON_AddStringToObject(ev, "reason", reason);
	engine_publish(t->search->e, t->search->id, t->id, EV_DECISION, ev);
	log_debug("search %lld: trial %d: epoch %d: %s: %s", (long long)t->search->id,
	    t->number, epoch, action, reason);
}

/* Add name = value to a set command, or replace its value (the last one given counts). */
static void
babysit_set_value(struct exec_cmd *cmd, const char *name, double value)
{
	int i;

	for (i = 0; i < cmd->nset && strcmp(cmd->set[i].name, name) != 0; i++)
		;
	if (i == EXEC_MAX_SET)
		return;		/* the request allows 4 names */
	snprintf(cmd->set[i].name, sizeof cmd->set[i].name, "%s", name);
	cmd->set[i].value = value;
	if (i == cmd->nset)
		cmd->nset++;
}

/* Carry out one nudge: set values, scale α, or roll back; and record it. */
static void
babysit_apply_nudge(struct trial *t, const cJSON *n, int epoch)
{
	const cJSON *set = cJSON_GetObjectItemCaseSensitive(n, "set");
	const cJSON *scale = cJSON_GetObjectItemCaseSensitive(n, "scale");
	const cJSON *item;
	struct exec_cmd cmd = { .kind = EXEC_SET };
	cJSON *ev;
	char *text;
	int i;

	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(n, "rollback"))) {
		babysit_restore(t);
		if (!isnan(t->alpha))
			babysit_set_alpha(t, t->alpha);	/* α as it was, unless set below */
	}
	cJSON_ArrayForEach(item, set)
		babysit_set_value(&cmd, item->string, item->valuedouble);
	cJSON_ArrayForEach(item, scale)	/* only α can be scaled */
		babysit_set_value(&cmd, "alpha", t->alpha * item->valuedouble);
	if (cmd.nset > 0) {
		for (i = 0; i < cmd.nset; i++) {
			if (strcmp(cmd.set[i].name, "alpha") == 0)
				t->alpha = cmd.set[i].value;
		}
		babysit_send(t, &cmd);
	}
	if (t->step && !isnan(t->alpha))
		t->panda.alpha = t->alpha;	/* the policy goes on from the user's α */
	ev = cJSON_Duplicate(n, 1);
	cJSON_AddNumberToObject(ev, "number", t->number);
	cJSON_AddNumberToObject(ev, "epoch", epoch);
	if (!isnan(t->alpha))
		cJSON_AddNumberToObject(ev, "alpha", t->alpha);
	text = cJSON_PrintUnformatted(n);
	log_info("search %lld: trial %d: nudged at epoch %d: %s", (long long)t->search->id,
	    t->number, epoch, text);
	cJSON_free(text);
	engine_publish(t->search->e, t->search->id, t->id, EV_NUDGE, ev);
}

/* Carry out the nudges waiting for this boundary. */
static void
babysit_nudges(struct trial *t, int epoch)
{
	cJSON *n;

	while (t->nudges != NULL && (n = cJSON_DetachItemFromArray(t->nudges, 0)) != NULL) {
		babysit_apply_nudge(t, n, epoch);
		cJSON_Delete(n);
	}
}

/* Boundary 0 of a step trial: resume from a checkpoint, or save the first one; go. */
void
babysit_start(struct trial *t)
{
	char reason[96];

	if (!t->step)
		return;
	if (t->resume_epoch > 0) {
		t->ckpt_epoch = t->resume_epoch;
		babysit_restore(t);
		babysit_set_alpha(t, t->alpha);	/* the α chosen after that epoch */
		snprintf(reason, sizeof reason, "resumed from the checkpoint of epoch %d",
		    t->resume_epoch);
		babysit_decision(t, t->resume_epoch, "resume", NAN, reason);
	} else if (t->ckpt != NULL)
		babysit_checkpoint(t, 0);
	babysit_nudges(t, t->resume_epoch);
	babysit_go(t, EXEC_CONTINUE);
}

/* The panda policy's decision after an epoch (or a divergence), carried out. */
static void
babysit_panda(struct trial *t, int epoch, double train_loss, double val_loss, bool diverged)
{
	const struct panda_policy *p = &t->search->spec.panda;
	struct panda_decision d;

	panda_decide(&d, &t->panda, p, epoch, train_loss, val_loss, diverged);
	babysit_decision(t, epoch, panda_action_name(d.action), d.alpha, d.reason);
	if (d.action == PANDA_STOP)
		return;
	if (d.checkpoint)
		babysit_checkpoint(t, epoch);
	if (d.action == PANDA_ROLLBACK)
		babysit_restore(t);	/* and then α, always: the checkpoint brings its own */
	if (d.action != PANDA_CONTINUE || d.alpha != t->alpha)
		babysit_set_alpha(t, d.alpha);
}

/* After an epoch: for step trials, ASHA or the panda policy, the nudges, then go on or stop. */
void
babysit_epoch(struct trial *t, const struct wevent *ev)
{
	struct search *s = t->search;
	int epoch = ev->epoch;
	double v = wevent_metric(ev, s->spec.objective), cutoff = NAN;
	double sign = s->spec.minimize ? -1 : 1;	/* ASHA keeps the highest scores */
	double a = wevent_metric(ev, "alpha");
	char reason[160];

	if (!isnan(a) && isnan(t->alpha))
		t->alpha = a;
	if (!t->step && !s->spec.asha)
		return;
	if (t->step && s->spec.mode == SPEC_PANDA)
		babysit_panda(t, epoch, wevent_metric(ev, "train_loss"),
		    wevent_metric(ev, "val_loss"), false);
	if (s->spec.asha && asha_report(&s->asha, epoch, sign * v, &cutoff)) {
		snprintf(reason, sizeof reason, "%s %.4f at epoch %d is %s the rung's top-1/%g "
		    "cutoff %.4f", s->spec.objective, v, epoch, s->spec.minimize ? "above" :
		    "below", s->spec.eta, sign * cutoff);
		babysit_decision(t, epoch, "prune", NAN, reason);
		t->pruned = true;
		babysit_go(t, EXEC_STOP);	/* a trainer that does not wait: stopped now */
		return;
	}
	if (!t->step)
		return;
	babysit_nudges(t, epoch);
	babysit_go(t, EXEC_CONTINUE);
}

/* A step trial diverged: panda rolls back; otherwise the trial ends diverged. */
void
babysit_diverged(struct trial *t, const struct wevent *ev)
{
	if (!t->step)
		return;
	if (t->search->spec.mode == SPEC_PANDA && t->ckpt_epoch >= 0)
		babysit_panda(t, ev->epoch, NAN, NAN, true);
	babysit_go(t, EXEC_CONTINUE);
}

/*
 * A user's nudge {"set":{…}, "scale":{"alpha":f}, "rollback":bool}, already checked: step
 * trials take it at their next boundary; others get it now (the worker applies it then).
 */
int
babysit_nudge(struct trial *t, const cJSON *nudge, char **cause)
{
	const struct trainerspec *tr = &t->search->spec.trainer;

	if (tr->set && !tr->control)
		return xcause(cause, -EINVAL, "trial %lld: its trainer takes no commands (its "
		    "spec's trainer.control is false)", (long long)t->id);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(nudge, "rollback")) && t->ckpt == NULL)
		return xcause(cause, -EINVAL, "trial %lld has no checkpoint to roll back to "
		    "(panda trials keep them)", (long long)t->id);
	if (!t->step) {
		babysit_apply_nudge(t, nudge, t->last_epoch);
		return 0;
	}
	if (t->nudges == NULL)
		t->nudges = cJSON_CreateArray();
	cJSON_AddItemToArray(t->nudges, cJSON_Duplicate(nudge, 1));
	return 0;
}
