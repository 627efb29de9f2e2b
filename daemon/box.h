/*
 * box.h: coarse-to-fine search boxes — pure functions. A box holds, for every hyperparameter of
 * a spec, the range still searched in its sampling scale (r-space: log10 x for "log",
 * log10(1−x) for "one_minus_log", x for "linear" and "int", log2 x for "pow2") or, for
 * categorical ones, the values still in play. Round 1 samples the spec's whole box; each later
 * round samples a box zoomed onto the best trials of the round before, inside it and narrower.
 * Layer: part
 */
#ifndef TUNA_BOX_H
#define TUNA_BOX_H

#include <stdint.h>

#include <cJSON.h>

#include "spec.h"

struct box_dim {
	double lo, hi;		/* range in r-space (continuous, int and pow2 kinds) */
	cJSON *values;		/* DIST_VALUES: the choices still in play (a JSON array) */
};

struct box {
	int n;			/* == the spec's n_params; dim[i] is params[i]'s */
	struct box_dim dim[32];
};

void box_initial(struct box *b, const struct spec *s);
int box_zoom(struct box *next, const struct box *prev, const struct spec *s,
    cJSON *const *best, int k, double zoom, char **cause);
cJSON *box_sample(const struct spec *s, const struct box *b, uint64_t n);
cJSON *box_to_json(const struct spec *s, const struct box *b);
int box_from_json(struct box *b, const struct spec *s, const cJSON *json, char **cause);
char *box_describe(const struct spec *s, const struct box *b);
void box_free(struct box *b);

#endif
