/*
 * panda.c: babysitting one model — pure. After each epoch the policy looks at the losses and
 * decides, in this order: roll back on divergence or a jump of the validation loss, lower α when
 * the validation loss worsens, otherwise keep the epoch as the new checkpoint and raise α after
 * a run of improving epochs. α stays within [alpha_min, alpha_max]; every decision has a reason.
 * Layer: part
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "panda.h"

static const char *const panda_action_names[] = { "continue", "raise", "lower", "rollback",
    "stop" };

/* The default policy. */
void
panda_policy_default(struct panda_policy *p)
{
	p->raise = 1.25;
	p->raise_after = 2;
	p->lower = 0.5;
	p->rollback_lower = 0.3;
	p->jump = 1.5;
	p->alpha_min = 1e-6;
	p->alpha_max = 1;
}

/* Start babysitting a model at learning rate alpha: no epoch seen, no checkpoint yet. */
void
panda_start(struct panda_state *st, double alpha)
{
	st->alpha = alpha;
	st->best_val_loss = NAN;
	st->checkpoint_epoch = 0;
	st->improving = 0;
}

/* The name of an action, as in events. */
const char *
panda_action_name(enum panda_action a)
{
	if ((unsigned)a >= sizeof panda_action_names / sizeof panda_action_names[0])
		return "unknown";
	return panda_action_names[a];
}

/*
 * Scale α by factor into [alpha_min, alpha_max]; write "alpha A1 -> A2" (and the bound when
 * clamped) after the reason so far, and record the new α in the decision and the state.
 */
static void
panda_scale(struct panda_decision *d, struct panda_state *st, const struct panda_policy *p,
    double factor)
{
	double old = st->alpha, a = st->alpha * factor;
	const char *clamp = NULL;
	size_t len;

	if (a < p->alpha_min) {
		a = p->alpha_min;
		clamp = "alpha_min";
	} else if (a > p->alpha_max) {
		a = p->alpha_max;
		clamp = "alpha_max";
	}
	len = strlen(d->reason);
	if (clamp != NULL)
		snprintf(d->reason + len, sizeof d->reason - len,
		    "alpha %.4g -> %.4g (clamped to %s %.4g)", old, a, clamp, a);
	else
		snprintf(d->reason + len, sizeof d->reason - len, "alpha %.4g -> %.4g", old, a);
	d->alpha = a;
	st->alpha = a;
}

/*
 * Decide what to do after epoch `epoch` (from 1) with these losses; diverged is the trainer's
 * own verdict. Updates st (α, best loss, checkpoint epoch, improving run) and fills d.
 */
void
panda_decide(struct panda_decision *d, struct panda_state *st,
    const struct panda_policy *p, int epoch, double train_loss, double val_loss,
    bool diverged)
{
	memset(d, 0, sizeof *d);
	d->alpha = st->alpha;

	if ((diverged || !isfinite(val_loss) || !isfinite(train_loss)) &&
	    st->alpha <= p->alpha_min) {
		d->action = PANDA_STOP;
		st->improving = 0;
		snprintf(d->reason, sizeof d->reason, "the loss diverged at epoch %d even at "
		    "alpha_min %.4g: the model is given up", epoch, p->alpha_min);
		return;
	}
	if (diverged || !isfinite(val_loss) || !isfinite(train_loss)) {
		d->action = PANDA_ROLLBACK;
		st->improving = 0;
		snprintf(d->reason, sizeof d->reason, "the loss diverged at epoch %d: back to the "
		    "checkpoint of epoch %d%s, ", epoch, st->checkpoint_epoch,
		    st->checkpoint_epoch == 0 ? " (the initial weights)" : "");
		panda_scale(d, st, p, p->rollback_lower);
		return;
	}
	if (val_loss > p->jump * st->best_val_loss && st->alpha > p->alpha_min) {
		d->action = PANDA_ROLLBACK;
		st->improving = 0;
		snprintf(d->reason, sizeof d->reason, "validation loss jumped from %.4g to %.4g: "
		    "back to the checkpoint of epoch %d, ", st->best_val_loss, val_loss,
		    st->checkpoint_epoch);
		panda_scale(d, st, p, p->rollback_lower);
		return;
	}
	if (val_loss > st->best_val_loss) {
		d->action = PANDA_LOWER;
		st->improving = 0;
		snprintf(d->reason, sizeof d->reason, "validation loss worsened (%.4g -> %.4g): ",
		    st->best_val_loss, val_loss);
		panda_scale(d, st, p, p->lower);
		return;
	}

	/* Improved, or the first epoch: this epoch is the new checkpoint. */
	d->checkpoint = true;
	st->checkpoint_epoch = epoch;
	st->best_val_loss = val_loss;
	if (++st->improving >= p->raise_after) {
		d->action = PANDA_RAISE;
		snprintf(d->reason, sizeof d->reason, "steady progress (%d improving epochs): ",
		    st->improving);
		st->improving = 0;
		panda_scale(d, st, p, p->raise);
		return;
	}
	d->action = PANDA_CONTINUE;
	snprintf(d->reason, sizeof d->reason, "validation loss improved to %.4g", val_loss);
}
