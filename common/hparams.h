/* hparams.h: the trainer's hyperparameters, their names, defaults and valid ranges. */
#ifndef TUNA_HPARAMS_H
#define TUNA_HPARAMS_H

#include <stdbool.h>

#include <cJSON.h>

#define HPARAMS_MAX_LAYERS 16
#define HPARAMS_MAX_UNITS 65536

enum optimizer { OPT_GD, OPT_MOMENTUM, OPT_RMSPROP, OPT_ADAM };

struct hparams {
	double alpha;		/* learning rate α0 */
	double beta;		/* momentum EWMA β (optimizer "momentum") */
	double beta1;		/* Adam first-moment β1 */
	double beta2;		/* Adam / RMSprop second-moment β2 */
	double epsilon;		/* Adam / RMSprop ε */
	double lr_decay;	/* α = α0 / (1 + lr_decay·epoch) */
	double bn_momentum;	/* running = bn_momentum·running + (1−bn_momentum)·batch */
	int layers;		/* hidden layers (0: softmax regression) */
	int hidden_units;	/* units per hidden layer */
	int batch_size;		/* mini-batch size */
	enum optimizer optimizer;
	bool batchnorm;
};

/* HP_ANY: a user trainer's parameter (daemon/spec.c), any name, any scalar value */
enum hparams_type { HP_REAL, HP_INT, HP_BOOL, HP_OPTIMIZER, HP_ANY };

/* One hyperparameter: its name, type, valid range and where it lives. */
struct hparams_entry {
	const char *name;
	enum hparams_type type;
	double min, max;	/* inclusive unless the flags below say otherwise */
	bool min_open, max_open;
	const char *help;
};

void hparams_defaults(struct hparams *h);
const struct hparams_entry *hparams_find(const char *name);
const struct hparams_entry *hparams_table(int *n);
int hparams_set(struct hparams *h, const char *name, const cJSON *value, const char *jpath,
    char **cause);
int hparams_parse(struct hparams *h, const cJSON *obj, const char *jpath, char **cause);
double hparams_get(const struct hparams *h, const char *name);
const char *hparams_optimizer_name(enum optimizer o);
cJSON *hparams_to_json(const struct hparams *h);

#endif
