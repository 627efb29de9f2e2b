/*
 * panda.h: babysitting one model — pure. After each epoch the policy decides: go on; raise α
 * while progress is steady; lower α when the validation loss worsens; roll back to the last
 * good checkpoint and lower α when the loss jumps or diverges. Every decision has a reason.
 * A rollback replays its epoch exactly but for α, so at alpha_min there is none: a jump is then
 * taken as it is, and a divergence gives the model up (PANDA_STOP).
 * Layer: part
 */
#ifndef TUNA_PANDA_H
#define TUNA_PANDA_H

#include <stdbool.h>

struct panda_policy {
	double raise;		/* α ×= raise after raise_after improving epochs in a row (1.25) */
	int raise_after;	/* (2) */
	double lower;		/* α ×= lower when the validation loss worsens (0.5) */
	double rollback_lower;	/* α ×= rollback_lower on a rollback (0.3) */
	double jump;		/* a val_loss above jump × the best is a jump: roll back (1.5) */
	double alpha_min, alpha_max;	/* α stays within these (1e-6, 1) */
};

struct panda_state {
	double alpha;		/* α of the next epoch */
	double best_val_loss;	/* NaN before the first epoch */
	int checkpoint_epoch;	/* epoch of the last good checkpoint, 0: none yet */
	int improving;		/* improving epochs in a row */
};

enum panda_action { PANDA_CONTINUE, PANDA_RAISE, PANDA_LOWER, PANDA_ROLLBACK, PANDA_STOP };

struct panda_decision {
	enum panda_action action;
	double alpha;		/* α for the next epoch */
	bool checkpoint;	/* save a checkpoint of this epoch (it is the new best) */
	char reason[200];
};

void panda_policy_default(struct panda_policy *p);
void panda_start(struct panda_state *st, double alpha);
void panda_decide(struct panda_decision *d, struct panda_state *st,
    const struct panda_policy *p, int epoch, double train_loss, double val_loss,
    bool diverged);
const char *panda_action_name(enum panda_action a);

#endif
