/*
 * metric.h: a named number a trainer reports — the built-in trainer's val_acc, train_loss,
 * alpha, seconds, … or any name a user's program chooses.
 * Layer: base
 */
#ifndef TUNA_METRIC_H
#define TUNA_METRIC_H

#define METRIC_NAME_MAX 64	/* bytes of a name, its NUL included */

struct metric {
	char name[METRIC_NAME_MAX];
	double value;		/* NaN: reported as null */
};

#endif
