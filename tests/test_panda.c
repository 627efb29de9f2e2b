/* test_panda.c: unit tests of the panda policy: every rule, its α, checkpoints and reasons. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>

#include "panda.h"
#include "testutil.h"

/* One epoch: decide, print, and check the action, the new α and the checkpoint flag. */
static void
step(struct panda_decision *d, struct panda_state *st, const struct panda_policy *p,
    int epoch, double train_loss, double val_loss, bool diverged, enum panda_action action,
    double alpha, bool checkpoint)
{
	panda_decide(d, st, p, epoch, train_loss, val_loss, diverged);
	printf("epoch %d: %s, %s\n", epoch, panda_action_name(d->action), d->reason);
	ASSERT_EQ_STR(panda_action_name(d->action), panda_action_name(action));
	ASSERT_NEAR(d->alpha, alpha, 1e-12 * alpha);
	ASSERT_NEAR(st->alpha, alpha, 1e-12 * alpha);
	ASSERT_EQ_INT(d->checkpoint, checkpoint);
}

/* The defaults, the start state and the action names. */
static void
test_defaults(void)
{
	struct panda_policy p;
	struct panda_state st;

	panda_policy_default(&p);
	ASSERT_NEAR(p.raise, 1.25, 0);
	ASSERT_EQ_INT(p.raise_after, 2);
	ASSERT_NEAR(p.lower, 0.5, 0);
	ASSERT_NEAR(p.rollback_lower, 0.3, 0);
	ASSERT_NEAR(p.jump, 1.5, 0);
	ASSERT_NEAR(p.alpha_min, 1e-6, 0);
	ASSERT_NEAR(p.alpha_max, 1, 0);
	panda_start(&st, 0.01);
	ASSERT_NEAR(st.alpha, 0.01, 0);
	ASSERT(isnan(st.best_val_loss));
	ASSERT_EQ_INT(st.checkpoint_epoch, 0);
	ASSERT_EQ_INT(st.improving, 0);
	ASSERT_EQ_STR(panda_action_name(PANDA_CONTINUE), "continue");
	ASSERT_EQ_STR(panda_action_name(PANDA_RAISE), "raise");
	ASSERT_EQ_STR(panda_action_name(PANDA_LOWER), "lower");
	ASSERT_EQ_STR(panda_action_name(PANDA_ROLLBACK), "rollback");
}

/* A run that goes through every rule in turn. */
static void
test_sequence(void)
{
	struct panda_policy p;
	struct panda_state st;
	struct panda_decision d;

	panda_policy_default(&p);
	panda_start(&st, 0.01);

	/* Epoch 1: the first epoch is an improvement (from nothing). */
	step(&d, &st, &p, 1, 2.0, 1.0, false, PANDA_CONTINUE, 0.01, true);
	ASSERT_STR_CONTAINS(d.reason, "validation loss improved to 1");
	ASSERT_EQ_INT(st.checkpoint_epoch, 1);
	ASSERT_NEAR(st.best_val_loss, 1.0, 0);
	ASSERT_EQ_INT(st.improving, 1);

	/* Epoch 2: a second improvement in a row raises α. */
	step(&d, &st, &p, 2, 1.5, 0.8, false, PANDA_RAISE, 0.0125, true);
	ASSERT_STR_CONTAINS(d.reason, "steady progress (2 improving epochs)");
	ASSERT_STR_CONTAINS(d.reason, "alpha 0.01 -> 0.0125");
	ASSERT_EQ_INT(st.checkpoint_epoch, 2);
	ASSERT_EQ_INT(st.improving, 0);

	/* Epoch 3: improved again, the run starts over: continue. */
	step(&d, &st, &p, 3, 1.2, 0.7, false, PANDA_CONTINUE, 0.0125, true);
	ASSERT_EQ_INT(st.improving, 1);

	/* Epoch 4: worse but not a jump (0.9 <= 1.5 × 0.7): lower α, no checkpoint. */
	step(&d, &st, &p, 4, 1.1, 0.9, false, PANDA_LOWER, 0.00625, false);
	ASSERT_STR_CONTAINS(d.reason, "validation loss worsened (0.7 -> 0.9)");
	ASSERT_STR_CONTAINS(d.reason, "alpha 0.0125 -> 0.00625");
	ASSERT_EQ_INT(st.checkpoint_epoch, 3);
	ASSERT_NEAR(st.best_val_loss, 0.7, 0);
	ASSERT_EQ_INT(st.improving, 0);

	/* Epoch 5: a jump (1.2 > 1.05): back to epoch 3's checkpoint, α × 0.3. */
	step(&d, &st, &p, 5, 1.0, 1.2, false, PANDA_ROLLBACK, 0.001875, false);
	ASSERT_STR_CONTAINS(d.reason, "validation loss jumped from 0.7 to 1.2");
	ASSERT_STR_CONTAINS(d.reason, "back to the checkpoint of epoch 3");
	ASSERT_STR_CONTAINS(d.reason, "alpha 0.00625 -> 0.001875");
	ASSERT_EQ_INT(st.checkpoint_epoch, 3);
	ASSERT_NEAR(st.best_val_loss, 0.7, 0);

	/* Epoch 6: the trainer says it diverged, whatever the losses. */
	step(&d, &st, &p, 6, 0.5, 0.5, true, PANDA_ROLLBACK, 0.0005625, false);
	ASSERT_STR_CONTAINS(d.reason, "the loss diverged at epoch 6: back to the checkpoint of "
	    "epoch 3, alpha 0.001875 -> 0.0005625");

	/* Epoch 7: an infinite training loss is a divergence too. */
	step(&d, &st, &p, 7, INFINITY, 0.6, false, PANDA_ROLLBACK, 0.00016875, false);
	ASSERT_STR_CONTAINS(d.reason, "diverged at epoch 7");

	/* Epoch 8: equal to the best counts as no worse: a checkpoint, continue. */
	step(&d, &st, &p, 8, 0.9, 0.7, false, PANDA_CONTINUE, 0.00016875, true);
	ASSERT_EQ_INT(st.checkpoint_epoch, 8);
}

/* NaN losses roll back, also before any checkpoint (to the initial weights). */
static void
test_nan(void)
{
	struct panda_policy p;
	struct panda_state st;
	struct panda_decision d;

	panda_policy_default(&p);
	panda_start(&st, 0.1);
	step(&d, &st, &p, 1, NAN, 2.0, false, PANDA_ROLLBACK, 0.03, false);
	ASSERT_STR_CONTAINS(d.reason, "diverged at epoch 1: back to the checkpoint of epoch 0");
	ASSERT_STR_CONTAINS(d.reason, "initial weights");
	ASSERT_EQ_INT(st.checkpoint_epoch, 0);
	ASSERT(isnan(st.best_val_loss));
	step(&d, &st, &p, 2, 2.0, NAN, false, PANDA_ROLLBACK, 0.009, false);
	step(&d, &st, &p, 3, 2.0, 1.5, false, PANDA_CONTINUE, 0.009, true);
	step(&d, &st, &p, 4, 2.0, NAN, false, PANDA_ROLLBACK, 0.0027, false);
	ASSERT_STR_CONTAINS(d.reason, "back to the checkpoint of epoch 3,");
}

/* α stays within [alpha_min, alpha_max], and the reason says when it was clamped. */
static void
test_clamp(void)
{
	struct panda_policy p;
	struct panda_state st;
	struct panda_decision d;

	panda_policy_default(&p);
	p.raise_after = 1;
	p.raise = 2;
	panda_start(&st, 0.4);
	step(&d, &st, &p, 1, 1.0, 1.0, false, PANDA_RAISE, 0.8, true);
	ASSERT(strstr(d.reason, "clamped") == NULL);
	step(&d, &st, &p, 2, 1.0, 0.9, false, PANDA_RAISE, 1.0, true);
	ASSERT_STR_CONTAINS(d.reason, "steady progress (1 improving epochs): alpha 0.8 -> 1 "
	    "(clamped to alpha_max 1)");
	step(&d, &st, &p, 3, 1.0, 0.8, false, PANDA_RAISE, 1.0, true);

	p.alpha_min = 1e-3;
	panda_start(&st, 2e-3);
	step(&d, &st, &p, 1, 1.0, 1.0, false, PANDA_RAISE, 4e-3, true);
	step(&d, &st, &p, 2, 1.0, 10.0, false, PANDA_ROLLBACK, 1.2e-3, false);
	step(&d, &st, &p, 3, 1.0, 1.2, false, PANDA_LOWER, 1e-3, false);
	ASSERT_STR_CONTAINS(d.reason, "(clamped to alpha_min 0.001)");
	/* at alpha_min a rollback would replay the same epoch: a jump is taken as it is … */
	step(&d, &st, &p, 4, 1.0, 10.0, false, PANDA_LOWER, 1e-3, false);
	ASSERT_STR_CONTAINS(d.reason, "clamped to alpha_min");
	/* … and a divergence gives the model up */
	step(&d, &st, &p, 5, 1.0, NAN, true, PANDA_STOP, 1e-3, false);
	ASSERT_STR_CONTAINS(d.reason, "even at alpha_min 0.001: the model is given up");
}

/* A custom policy: raise after 3, a tighter jump threshold. */
static void
test_custom(void)
{
	struct panda_policy p;
	struct panda_state st;
	struct panda_decision d;

	panda_policy_default(&p);
	p.raise_after = 3;
	p.jump = 1.1;
	p.lower = 0.9;
	panda_start(&st, 0.1);
	step(&d, &st, &p, 1, 1, 1.0, false, PANDA_CONTINUE, 0.1, true);
	step(&d, &st, &p, 2, 1, 0.9, false, PANDA_CONTINUE, 0.1, true);
	step(&d, &st, &p, 3, 1, 0.8, false, PANDA_RAISE, 0.125, true);
	ASSERT_STR_CONTAINS(d.reason, "(3 improving epochs)");
	step(&d, &st, &p, 4, 1, 0.85, false, PANDA_LOWER, 0.1125, false);
	step(&d, &st, &p, 5, 1, 0.89, false, PANDA_ROLLBACK, 0.03375, false);
	ASSERT_STR_CONTAINS(d.reason, "jumped from 0.8 to 0.89");
}

/* Run every test. */
int
main(void)
{
	test_defaults();
	test_sequence();
	test_nan();
	test_clamp();
	test_custom();
	printf("test_panda: ok\n");
	return 0;
}
