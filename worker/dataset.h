/* dataset.h: a labelled data set (IDX or CSV), mapped read-only from a shared cache file. */
#ifndef TUNA_DATASET_H
#define TUNA_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "source.h"

#define DATASET_MAX_CLASSES 1024

enum dataset_ftype { DATASET_U8, DATASET_F32 };
enum dataset_split { SPLIT_TRAIN, SPLIT_VAL, SPLIT_TEST };

/* A loaded data set. Rows of the training file: [0, n_train) train, then n_val validation rows. */
struct dataset {
	enum dataset_ftype ftype;
	size_t n_train, n_val, n_test;
	size_t features;
	int classes;			/* max training label + 1, or the number of names */
	const char **class_names;	/* text labels: class i's name (in strcmp order); NULL
					   for integer labels. The names live in map or owned */
	const void *x_train;		/* (n_train + n_val) x features, uint8_t or float */
	const uint16_t *y_train;	/* (n_train + n_val) */
	const void *x_test;		/* n_test x features, or NULL */
	const uint16_t *y_test;		/* n_test, or NULL */
	float *scale;			/* features: 1/std over the train split (1 when std is 0) */
	float *shift;			/* features: -mean/std, so x_norm = x*scale + shift */
	void *map;			/* mmap of the cache file, or NULL */
	size_t map_len;
	void *owned;			/* private copy when no cache is used, or NULL */
	char *cache_path;		/* the cache file used, or NULL */
};

int dataset_open(struct dataset *ds, const struct dataset_source *src, char **cause);
void dataset_close(struct dataset *ds);
/* The class names as a new JSON array of strings, or NULL for integer labels. */
cJSON *dataset_class_names_json(const struct dataset *ds);
void dataset_batch(float *x, uint16_t *y, const struct dataset *ds, enum dataset_split split,
    const uint32_t *rows, size_t m);

#endif
