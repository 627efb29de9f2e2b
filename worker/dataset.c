/* dataset.c: loading IDX or CSV data through the shared cache, normalization, and batches. */
#include <sys/mman.h>
#include <sys/stat.h>

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "classes.h"
#include "csv.h"
#include "dataset.h"
#include "idx.h"
#include "xmalloc.h"

#define DATASET_KEY_VERSION	1
#define DATASET_VEC		16	/* floats per block in the batch loops */
#define DATASET_U8_STD_FLOOR	0.3	/* of the average std, for 8-bit features */

/* Append a source file's identity (real path, size, mtime in ns) to the cache key. */
static int
dataset_key_file(char **key, const char *role, const char *path, char **cause)
{
	struct stat st;
	char *real, *next;

	if (path == NULL) {
		next = xasprintf("%s%s -\n", *key, role);
		free(*key);
		*key = next;
		return 0;
	}
	if ((real = realpath(path, NULL)) == NULL || stat(real, &st) != 0) {
		free(real);
		return xcause(cause, -errno, "%s: %s", path, strerror(errno));
	}
	next = xasprintf("%s%s %s %lld %lld.%09ld\n", *key, role, real, (long long)st.st_size,
	    (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
	free(real);
	free(*key);
	*key = next;
	return 0;
}

/* The cache key of a source: everything that determines the decoded arrays. */
static int
dataset_key(char **key, const struct dataset_source *src, char **cause)
{
	int err;

	*key = xasprintf("tuna dataset cache key %d, layout %d\n", DATASET_KEY_VERSION,
	    CACHE_VERSION);
	if (src->format == DATASET_IDX) {
		char *next = xasprintf("%sformat idx\n", *key);

		free(*key);
		*key = next;
		if ((err = dataset_key_file(key, "train_images", src->train_images, cause)) != 0 ||
		    (err = dataset_key_file(key, "train_labels", src->train_labels, cause)) != 0 ||
		    (err = dataset_key_file(key, "test_images", src->test_images, cause)) != 0 ||
		    (err = dataset_key_file(key, "test_labels", src->test_labels, cause)) != 0)
			goto fail;
	} else {
		char *next = xasprintf("%sformat csv label_column %d label_name %s header %d\n",
		    *key, src->label_column, src->label_name != NULL ? src->label_name : "-",
		    src->header);

		free(*key);
		*key = next;
		if ((err = dataset_key_file(key, "train", src->train_csv, cause)) != 0 ||
		    (err = dataset_key_file(key, "test", src->test_csv, cause)) != 0)
			goto fail;
	}
	return 0;
fail:
	free(*key);
	*key = NULL;
	return err;
}

/* Widen labels to 16 bits; a label >= classes (when classes > 0) is an error at its offset. */
static int
dataset_labels(uint16_t *y, const uint8_t *b, const struct idx *ix, int classes, int *max,
    char **cause)
{
	size_t i;

	*max = -1;
	for (i = 0; i < ix->count; i++) {
		if (classes > 0 && b[i] >= classes)
			return xcause(cause, -EINVAL, "%s: offset %zu: label %d out of range (train "
			    "has %d classes)", ix->path, ix->data_offset + i, b[i], classes);
		y[i] = b[i];
		if (b[i] > *max)
			*max = b[i];
	}
	return 0;
}

/* Decode IDX files into a new block laid out like a cache file. */
static int
dataset_load_idx(void **blockp, const struct dataset_source *src, char **cause)
{
	const char *paths[4] = { src->train_images, src->train_labels, src->test_images,
	    src->test_labels };
	struct idx ix[4];
	struct cache_header h;
	uint8_t *block = NULL, *tmp = NULL;
	int i, n = src->test_images != NULL ? 4 : 2, max, err;

	*blockp = NULL;
	memset(ix, 0, sizeof ix);
	for (i = 0; i < n; i++) {
		if ((err = idx_open(&ix[i], paths[i], i % 2 ? IDX_LABELS : IDX_IMAGES,
		    cause)) != 0)
			goto fail;
	}
	for (i = 0; i < n; i += 2) {
		if (ix[i].count != ix[i + 1].count) {
			err = xcause(cause, -EINVAL, "%s: %zu images, but %s: %zu labels: the counts "
			    "must match", ix[i].path, ix[i].count, ix[i + 1].path, ix[i + 1].count);
			goto fail;
		}
	}
	if (n == 4 && ix[2].features != ix[0].features) {
		err = xcause(cause, -EINVAL, "%s: %zu features per image, but %s has %zu",
		    ix[2].path, ix[2].features, ix[0].path, ix[0].features);
		goto fail;
	}
	if (ix[0].count == 0) {
		err = xcause(cause, -EINVAL, "%s: no images", ix[0].path);
		goto fail;
	}
	if ((err = cache_layout(&h, DATASET_U8, ix[0].count, n == 4 ? ix[2].count : 0,
	    ix[0].features, 0, cause)) != 0)
		goto fail;

	block = xaligned(h.size);
	if ((err = idx_read(&ix[0], block + h.x_train, cause)) != 0)
		goto fail;
	tmp = xmalloc(ix[1].count);
	if ((err = idx_read(&ix[1], tmp, cause)) != 0 ||
	    (err = dataset_labels((uint16_t *)(block + h.y_train), tmp, &ix[1], 0, &max,
	    cause)) != 0)
		goto fail;
	if (max < 1) {
		err = xcause(cause, -EINVAL, "%s: needs at least 2 classes, but every label is %d",
		    ix[1].path, max);
		goto fail;
	}
	h.classes = (uint32_t)max + 1;
	free(tmp);
	tmp = NULL;
	if (n == 4) {
		if ((err = idx_read(&ix[2], block + h.x_test, cause)) != 0)
			goto fail;
		tmp = xmalloc(ix[3].count);
		if ((err = idx_read(&ix[3], tmp, cause)) != 0 ||
		    (err = dataset_labels((uint16_t *)(block + h.y_test), tmp, &ix[3],
		    (int)h.classes, &max, cause)) != 0)
			goto fail;
	}
	memcpy(block, &h, sizeof h);
	*blockp = block;
	block = NULL;
fail:
	for (i = 0; i < 4; i++)
		idx_close(&ix[i]);
	free(tmp);
	free(block);
	return err;
}

/*
 * Number text labels in strcmp order of their names: renumber the training labels (read with
 * ids in order of appearance) and put the names after the arrays of the block.
 */
static int
dataset_names(uint8_t *block, struct cache_header *h, struct classes *cl, const char *path,
    char **cause)
{
	uint16_t map[DATASET_MAX_CLASSES], *y = (uint16_t *)(block + h->y_train);
	size_t i;

	if (cl->n < 2)
		return xcause(cause, -EINVAL, "%s: needs at least 2 classes, but every label is "
		    "\"%s\"", path, cl->names[0]);
	classes_sort(cl, map);
	for (i = 0; i < h->n_train; i++)
		y[i] = map[y[i]];
	/* The arrays keep their offsets: the block was made with room for any names. */
	if (cache_layout(h, (enum dataset_ftype)h->ftype, h->n_train, h->n_test, h->features,
	    classes_packed_size(cl), cause) != 0)
		return -EOVERFLOW;
	classes_pack(cl, (char *)block + h->names);
	return 0;
}

/* Decode CSV files into a new block laid out like a cache file. */
static int
dataset_load_csv(void **blockp, const struct dataset_source *src, char **cause)
{
	struct csv train, test;
	struct cache_header h;
	struct classes cl;
	uint8_t *block = NULL;
	int have_test = src->test_csv != NULL, err;

	*blockp = NULL;
	memset(&train, 0, sizeof train);
	memset(&test, 0, sizeof test);
	memset(&cl, 0, sizeof cl);
	if ((err = csv_open(&train, src->train_csv, src->label_column, src->label_name,
	    src->header, cause)) != 0)
		goto fail;
	if (have_test && (err = csv_open(&test, src->test_csv, src->label_column,
	    src->label_name, src->header, cause)) != 0)
		goto fail;
	if (have_test && test.columns != train.columns) {
		err = xcause(cause, -EINVAL, "%s: line %zu: %zu columns, but %s has %zu",
		    test.path, test.first_line, test.columns, train.path, train.columns);
		goto fail;
	}
	if (have_test && test.label_column != train.label_column) {
		err = xcause(cause, -EINVAL, "%s: line 1: \"%s\" (label_column) is column %d, but "
		    "column %d in %s", test.path, src->label_name, test.label_column + 1,
		    train.label_column + 1, train.path);
		goto fail;
	}
	if ((err = cache_layout(&h, DATASET_F32, train.rows, have_test ? test.rows : 0,
	    train.features, CLASSES_MAX_PACKED, cause)) != 0)
		goto fail;

	block = xaligned(h.size);
	if ((err = csv_read(&train, (float *)(block + h.x_train), (uint16_t *)(block + h.y_train),
	    0, &cl, cause)) != 0)
		goto fail;
	if (cl.n > 0) {
		if ((err = dataset_names(block, &h, &cl, train.path, cause)) != 0)
			goto fail;
		h.classes = (uint32_t)cl.n;
	} else {
		if (train.max_label < 1) {
			err = xcause(cause, -EINVAL, "%s: needs at least 2 classes, but every label "
			    "is %d", train.path, train.max_label);
			goto fail;
		}
		/* No names: drop the room made for them. */
		if ((err = cache_layout(&h, DATASET_F32, train.rows, have_test ? test.rows : 0,
		    train.features, 0, cause)) != 0)
			goto fail;
		h.classes = (uint32_t)train.max_label + 1;
	}
	csv_close(&train);
	if (have_test && (err = csv_read(&test, (float *)(block + h.x_test),
	    (uint16_t *)(block + h.y_test), (int)h.classes, &cl, cause)) != 0)
		goto fail;
	memcpy(block, &h, sizeof h);
	*blockp = block;
	block = NULL;
fail:
	csv_close(&train);
	csv_close(&test);
	classes_free(&cl);
	free(block);
	return err;
}

/* Point ds at the arrays of a block laid out like a cache file. */
static void
dataset_attach(struct dataset *ds, const void *block)
{
	const struct cache_header *h = block;
	const char *base = block;

	ds->ftype = (enum dataset_ftype)h->ftype;
	ds->features = h->features;
	ds->classes = (int)h->classes;
	ds->n_train = h->n_train;
	ds->n_test = h->n_test;
	ds->x_train = base + h->x_train;
	ds->y_train = (const uint16_t *)(base + h->y_train);
	ds->x_test = h->n_test > 0 ? base + h->x_test : NULL;
	ds->y_test = h->n_test > 0 ? (const uint16_t *)(base + h->y_test) : NULL;
	ds->class_names = h->names_len > 0 ? classes_unpack(base + h->names, ds->classes) : NULL;
}

/* Add one row of bytes to per-feature sums (or squared deviations when mean is non-NULL). */
static void
dataset_sum_u8(double *restrict acc, const uint8_t *restrict x, const double *restrict mean,
    size_t d)
{
	size_t j;

	if (mean == NULL) {
		for (j = 0; j < d; j++)
			acc[j] += x[j];
	} else {
		for (j = 0; j < d; j++) {
			double t = x[j] - mean[j];

			acc[j] += t * t;
		}
	}
}

/* Add one row of floats to per-feature sums (or squared deviations when mean is non-NULL). */
static void
dataset_sum_f32(double *restrict acc, const float *restrict x, const double *restrict mean,
    size_t d)
{
	size_t j;

	if (mean == NULL) {
		for (j = 0; j < d; j++)
			acc[j] += x[j];
	} else {
		for (j = 0; j < d; j++) {
			double t = x[j] - mean[j];

			acc[j] += t * t;
		}
	}
}

/* Split off the validation rows and compute the normalisation over the train split. */
static int
dataset_normalise(struct dataset *ds, double val_fraction, char **cause)
{
	size_t total = ds->n_train, d = ds->features, i, j;
	double *mean, *m2, std, floor;

	ds->n_val = (size_t)(val_fraction * (double)total);
	if (ds->n_val >= total)
		return xcause(cause, -EINVAL, "training set of %zu rows: val_fraction %g leaves "
		    "no training rows", total, val_fraction);
	ds->n_train = total - ds->n_val;

	mean = xcalloc(d, sizeof *mean);	/* sums first, then means */
	m2 = xcalloc(d, sizeof *m2);
	for (i = 0; i < ds->n_train; i++) {
		if (ds->ftype == DATASET_U8)
			dataset_sum_u8(mean, (const uint8_t *)ds->x_train + i * d, NULL, d);
		else
			dataset_sum_f32(mean, (const float *)ds->x_train + i * d, NULL, d);
	}
	for (j = 0; j < d; j++)
		mean[j] /= (double)ds->n_train;
	for (i = 0; i < ds->n_train; i++) {
		if (ds->ftype == DATASET_U8)
			dataset_sum_u8(m2, (const uint8_t *)ds->x_train + i * d, mean, d);
		else
			dataset_sum_f32(m2, (const float *)ds->x_train + i * d, mean, d);
	}
	ds->scale = xaligned(d * sizeof *ds->scale);
	ds->shift = xaligned(d * sizeof *ds->shift);
	/*
	 * 8-bit features are pixels in one unit, so a near-constant one (an image border) is not
	 * blown up into noise: its std is floored at DATASET_U8_STD_FLOOR of the average std.
	 * CSV features may each have their own unit and are standardized as they are.
	 */
	floor = 0;
	for (j = 0; ds->ftype == DATASET_U8 && j < d; j++)
		floor += sqrt(m2[j] / (double)ds->n_train) * DATASET_U8_STD_FLOOR / (double)d;
	for (j = 0; j < d; j++) {
		std = sqrt(m2[j] / (double)ds->n_train);
		std = std < floor ? floor : std;
		ds->scale[j] = std < 1e-6 ? 1.0f : (float)(1.0 / std);
		ds->shift[j] = (float)(-mean[j] * (double)ds->scale[j]);
	}
	free(mean);
	free(m2);
	return 0;
}

/* Map the cache file at path into ds; 0 on success. */
static int
dataset_map(struct dataset *ds, const char *path)
{
	void *map;
	size_t len;

	if (cache_open(path, &map, &len, NULL) != 0)
		return -1;
	ds->map = map;
	ds->map_len = len;
	ds->cache_path = xstrdup(path);
	dataset_attach(ds, map);
	return 0;
}

/* Load a data set: map its cache file, or decode the sources and (try to) write the cache. */
int
dataset_open(struct dataset *ds, const struct dataset_source *src, char **cause)
{
	char *key = NULL, *path = NULL;
	void *block = NULL;
	int lock = -1, err;

	memset(ds, 0, sizeof *ds);
	if (!(src->val_fraction >= 0 && src->val_fraction <= 0.9)) {
		err = xcause(cause, -EINVAL, "dataset: val_fraction %g is not in [0, 0.9]",
		    src->val_fraction);
		goto fail;
	}
	if (src->format == DATASET_IDX ? src->train_images == NULL || src->train_labels == NULL ||
	    (src->test_images == NULL) != (src->test_labels == NULL) : src->train_csv == NULL) {
		err = xcause(cause, -EINVAL, "dataset: incomplete source (missing training files)");
		goto fail;
	}

	/* Without a usable cache directory the data set lives in private memory: not an error. */
	if (src->cache_dir != NULL && cache_mkdir(src->cache_dir, NULL) == 0) {
		if ((err = dataset_key(&key, src, cause)) != 0)
			goto fail;
		path = cache_name(src->cache_dir, cache_hash(key, strlen(key)));
		if (dataset_map(ds, path) == 0)
			goto loaded;

		/* One worker decodes while the others wait, then they all map its file. */
		lock = cache_lock(path, NULL);
		if (dataset_map(ds, path) == 0)
			goto loaded;
	}

	if (src->format == DATASET_IDX)
		err = dataset_load_idx(&block, src, cause);
	else
		err = dataset_load_csv(&block, src, cause);
	if (err != 0)
		goto fail;

	/* Publish the cache file (without the lock somebody may have done it meanwhile). */
	if (path != NULL && (dataset_map(ds, path) == 0 ||
	    (cache_write(path, block, ((struct cache_header *)block)->size, NULL) == 0 &&
	    dataset_map(ds, path) == 0))) {
		free(block);
		goto loaded;
	}
	ds->owned = block;
	dataset_attach(ds, block);
loaded:
	cache_unlock(lock);
	lock = -1;
	if ((err = dataset_normalise(ds, src->val_fraction, cause)) != 0)
		goto fail;
	free(key);
	free(path);
	return 0;
fail:
	cache_unlock(lock);
	free(key);
	free(path);
	dataset_close(ds);
	return err;
}

/* Free or unmap everything; safe to call twice or on a zeroed struct. */
void
dataset_close(struct dataset *ds)
{
	if (ds->map != NULL)
		munmap(ds->map, ds->map_len);
	free(ds->owned);
	free(ds->scale);
	free(ds->shift);
	free(ds->cache_path);
	free(ds->class_names);
	memset(ds, 0, sizeof *ds);
}

/* The class names as a new JSON array of strings, or NULL for integer labels. */
cJSON *
dataset_class_names_json(const struct dataset *ds)
{
	if (ds->class_names == NULL)
		return NULL;
	return cJSON_CreateStringArray(ds->class_names, ds->classes);
}

/* Normalise one row of bytes: out = x * scale + shift. */
static inline void
dataset_row_u8(float *restrict out, const uint8_t *restrict x, const float *restrict scale,
    const float *restrict shift, size_t d)
{
	size_t j, k;

	/* Fixed-width blocks vectorize even under -O2's very cheap cost model. */
	for (j = 0; j + DATASET_VEC <= d; j += DATASET_VEC) {
		for (k = 0; k < DATASET_VEC; k++)
			out[j + k] = (float)x[j + k] * scale[j + k] + shift[j + k];
	}
	for (; j < d; j++)
		out[j] = (float)x[j] * scale[j] + shift[j];
}

/* Normalise one row of floats: out = x * scale + shift. */
static inline void
dataset_row_f32(float *restrict out, const float *restrict x, const float *restrict scale,
    const float *restrict shift, size_t d)
{
	size_t j, k;

	for (j = 0; j + DATASET_VEC <= d; j += DATASET_VEC) {
		for (k = 0; k < DATASET_VEC; k++)
			out[j + k] = x[j + k] * scale[j + k] + shift[j + k];
	}
	for (; j < d; j++)
		out[j] = x[j] * scale[j] + shift[j];
}

/* Gather rows of a split, normalised, into x (m x features) and their labels into y. */
void
dataset_batch(float *x, uint16_t *y, const struct dataset *ds, enum dataset_split split,
    const uint32_t *rows, size_t m)
{
	const uint16_t *ys = ds->y_train;
	const void *xs = ds->x_train;
	size_t d = ds->features, base = 0, n = ds->n_train, i, r;

	if (split == SPLIT_VAL) {
		base = ds->n_train;
		n = ds->n_val;
	} else if (split == SPLIT_TEST) {
		xs = ds->x_test;
		ys = ds->y_test;
		n = ds->n_test;
	}
	(void)n;
	for (i = 0; i < m; i++) {
		assert(rows[i] < n);
		r = base + rows[i];
		if (ds->ftype == DATASET_U8)
			dataset_row_u8(x + i * d, (const uint8_t *)xs + r * d, ds->scale, ds->shift,
			    d);
		else
			dataset_row_f32(x + i * d, (const float *)xs + r * d, ds->scale, ds->shift,
			    d);
		if (y != NULL)
			y[i] = ys[r];
	}
}
