/* test_idx.c: unit tests of the IDX reader and of IDX data sets, good and corrupt. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>
#include <zlib.h>

#include "dataset.h"
#include "idx.h"
#include "testutil.h"

#define N_TRAIN		20
#define N_TEST		5
#define ROWS		3
#define COLS		4
#define FEATURES	(ROWS * COLS)
#define CLASSES		3

static char *tmp;

/* Build an IDX file in memory: magic (type, ndims), dims, then n bytes of data. */
static uint8_t *
make_idx(size_t *len, int type, int ndims, const uint32_t *dims, const uint8_t *data, size_t n)
{
	uint8_t *b = malloc(4 + 4 * (size_t)ndims + n), *p;
	int i;

	ASSERT(b != NULL);
	b[0] = 0;
	b[1] = 0;
	b[2] = (uint8_t)type;
	b[3] = (uint8_t)ndims;
	p = b + 4;
	for (i = 0; i < ndims; i++) {
		*p++ = (uint8_t)(dims[i] >> 24);
		*p++ = (uint8_t)(dims[i] >> 16);
		*p++ = (uint8_t)(dims[i] >> 8);
		*p++ = (uint8_t)dims[i];
	}
	if (n > 0)
		memcpy(p, data, n);
	*len = 4 + 4 * (size_t)ndims + n;
	return b;
}

/* Write bytes gzip-compressed with zlib. */
static void
write_gz(const char *path, const void *data, size_t len)
{
	gzFile gz = gzopen(path, "wb");

	ASSERT(gz != NULL);
	ASSERT(gzwrite(gz, data, (unsigned)len) == (int)len);
	ASSERT(gzclose(gz) == Z_OK);
}

/* Write a file raw, or gzip-compressed when its name ends in .gz. */
static void
write_any(const char *path, const void *data, size_t len)
{
	size_t n = strlen(path);

	if (n > 3 && strcmp(path + n - 3, ".gz") == 0)
		write_gz(path, data, len);
	else
		tu_write_file(path, data, len);
}

/* Pixel value of item i, feature j. */
static uint8_t
pixel(size_t i, size_t j)
{
	return (uint8_t)((i * 37 + j * 11) % 256);
}

/* Write an image file of n items (count in the header claims claim items). */
static void
write_images(const char *path, size_t n, size_t claim)
{
	uint32_t dims[3] = { (uint32_t)claim, ROWS, COLS };
	uint8_t *data = malloc(n * FEATURES + 1), *b;
	size_t i, j, len;

	ASSERT(data != NULL);
	for (i = 0; i < n; i++)
		for (j = 0; j < FEATURES; j++)
			data[i * FEATURES + j] = pixel(i, j);
	b = make_idx(&len, 0x08, 3, dims, data, n * FEATURES);
	write_any(path, b, len);
	free(b);
	free(data);
}

/* Write a label file of n labels i % CLASSES (count in the header claims claim). */
static void
write_labels(const char *path, size_t n, size_t claim, int bad_at, int bad_value)
{
	uint32_t dims[1] = { (uint32_t)claim };
	uint8_t *data = malloc(n + 1), *b;
	size_t i, len;

	ASSERT(data != NULL);
	for (i = 0; i < n; i++)
		data[i] = (uint8_t)(i % CLASSES);
	if (bad_at >= 0)
		data[bad_at] = (uint8_t)bad_value;
	b = make_idx(&len, 0x08, 1, dims, data, n);
	write_any(path, b, len);
	free(b);
	free(data);
}

/* Make a directory under tmp holding a full, good data set with the standard names + suffix. */
static char *
make_dir(const char *name, const char *suffix, int with_test)
{
	char *dir = tu_path(tmp, name), *p;
	char file[128];

	ASSERT(mkdir(dir, 0700) == 0);
	snprintf(file, sizeof file, "train-images-idx3-ubyte%s", suffix);
	write_images(p = tu_path(dir, file), N_TRAIN, N_TRAIN);
	free(p);
	snprintf(file, sizeof file, "train-labels-idx1-ubyte%s", suffix);
	write_labels(p = tu_path(dir, file), N_TRAIN, N_TRAIN, -1, 0);
	free(p);
	if (with_test) {
		snprintf(file, sizeof file, "t10k-images-idx3-ubyte%s", suffix);
		write_images(p = tu_path(dir, file), N_TEST, N_TEST);
		free(p);
		snprintf(file, sizeof file, "t10k-labels-idx1-ubyte%s", suffix);
		write_labels(p = tu_path(dir, file), N_TEST, N_TEST, -1, 0);
		free(p);
	}
	return dir;
}

/* Check a loaded synthetic data set. */
static void
check_good(const struct dataset *ds, int with_test, size_t n_val)
{
	const uint8_t *x = ds->x_train;
	size_t i, j;

	ASSERT_EQ_INT(ds->ftype, DATASET_U8);
	ASSERT_EQ_SIZE(ds->features, FEATURES);
	ASSERT_EQ_INT(ds->classes, CLASSES);
	ASSERT_EQ_SIZE(ds->n_val, n_val);
	ASSERT_EQ_SIZE(ds->n_train, N_TRAIN - n_val);
	for (i = 0; i < N_TRAIN; i++) {
		ASSERT_EQ_INT(ds->y_train[i], i % CLASSES);
		for (j = 0; j < FEATURES; j++)
			ASSERT_EQ_INT(x[i * FEATURES + j], pixel(i, j));
	}
	if (!with_test) {
		ASSERT_EQ_SIZE(ds->n_test, 0);
		ASSERT(ds->x_test == NULL && ds->y_test == NULL);
		return;
	}
	ASSERT_EQ_SIZE(ds->n_test, N_TEST);
	x = ds->x_test;
	for (i = 0; i < N_TEST; i++) {
		ASSERT_EQ_INT(ds->y_test[i], i % CLASSES);
		for (j = 0; j < FEATURES; j++)
			ASSERT_EQ_INT(x[i * FEATURES + j], pixel(i, j));
	}
}

/* Parse a JSON text as the dataset setting; returns the error and sets *cause. */
static int
parse(struct dataset_source *src, const char *text, char **cause)
{
	cJSON *json = cJSON_Parse(text);
	int err;

	ASSERT(json != NULL);
	err = source_parse(src, json, "dataset", cause);
	cJSON_Delete(json);
	return err;
}

/* Parse and open a JSON setting; returns the first error, with the message in *cause. */
static int
load(struct dataset *ds, const char *text, char **cause)
{
	struct dataset_source src;
	int err;

	*cause = NULL;
	if ((err = parse(&src, text, cause)) != 0)
		return err;
	err = dataset_open(ds, &src, cause);
	source_free(&src);
	return err;
}

/* Load a JSON setting that must work; print the message if it does not. */
static int
load_ok(struct dataset *ds, const char *text)
{
	char *cause = NULL;
	int err = load(ds, text, &cause);

	if (err != 0)
		fprintf(stderr, "%s: %s\n", text, cause);
	free(cause);
	return err;
}

/* Load the files (NULL test files: none) with "cache": false; expect an error containing needles. */
static void
expect_fail(const char *ti, const char *tl, const char *xi, const char *xl, const char *n1,
    const char *n2)
{
	struct dataset ds;
	char *text, *cause = NULL;
	int err;

	if (xi != NULL)
		ASSERT(asprintf(&text, "{\"format\":\"idx\",\"train_images\":\"%s\","
		    "\"train_labels\":\"%s\",\"test_images\":\"%s\",\"test_labels\":\"%s\","
		    "\"cache\":false}", ti, tl, xi, xl) > 0);
	else
		ASSERT(asprintf(&text, "{\"format\":\"idx\",\"train_images\":\"%s\","
		    "\"train_labels\":\"%s\",\"cache\":false}", ti, tl) > 0);
	memset(&ds, 0, sizeof ds);
	err = load(&ds, text, &cause);
	if (err == 0)
		fprintf(stderr, "unexpected success: %s\n", text);
	ASSERT(err < 0);
	ASSERT(cause != NULL);
	ASSERT_STR_CONTAINS(cause, n1);
	if (n2 != NULL)
		ASSERT_STR_CONTAINS(cause, n2);
	printf("ok: %s\n", cause);
	ASSERT(ds.map == NULL && ds.owned == NULL && ds.scale == NULL);
	free(cause);
	free(text);
}

/* Good data sets: directory form raw and .gz, without a test set, and the explicit form. */
static void
test_good(void)
{
	char *raw = make_dir("raw", "", 1), *gz = make_dir("gz", ".gz", 1);
	char *notest = make_dir("notest", "", 0), *text;
	struct dataset ds;

	ASSERT(asprintf(&text, "\"%s\"", raw) > 0);
	ASSERT_EQ_INT(load_ok(&ds, text), 0);
	check_good(&ds, 1, 2);
	ASSERT(ds.map != NULL && ds.owned == NULL && ds.cache_path != NULL);
	dataset_close(&ds);
	free(text);

	ASSERT(asprintf(&text, "{\"path\":\"%s/\",\"val_fraction\":0,\"cache\":false}", gz) > 0);
	ASSERT_EQ_INT(load_ok(&ds, text), 0);
	check_good(&ds, 1, 0);
	ASSERT(ds.map == NULL && ds.owned != NULL && ds.cache_path == NULL);
	dataset_close(&ds);
	free(text);

	ASSERT(asprintf(&text, "\"%s\"", notest) > 0);
	ASSERT_EQ_INT(load_ok(&ds, text), 0);
	check_good(&ds, 0, 2);
	dataset_close(&ds);
	free(text);

	/* Explicit files, mixing raw and compressed. */
	ASSERT(asprintf(&text, "{\"format\":\"idx\","
	    "\"train_images\":\"%s/train-images-idx3-ubyte.gz\","
	    "\"train_labels\":\"%s/train-labels-idx1-ubyte\","
	    "\"test_images\":\"%s/t10k-images-idx3-ubyte\","
	    "\"test_labels\":\"%s/t10k-labels-idx1-ubyte.gz\",\"val_fraction\":0.25}",
	    gz, raw, raw, gz) > 0);
	ASSERT_EQ_INT(load_ok(&ds, text), 0);
	check_good(&ds, 1, 5);
	dataset_close(&ds);
	dataset_close(&ds);
	free(text);

	free(raw);
	free(gz);
	free(notest);
}

/* The reader on its own: header fields of a 2-dimensional image file. */
static void
test_reader(void)
{
	uint32_t dims[2] = { 3, 5 };
	uint8_t data[15], buf[15], *b;
	char *path = tu_path(tmp, "two-dims.idx"), *cause = NULL;
	struct idx ix;
	size_t len;
	int i;

	for (i = 0; i < 15; i++)
		data[i] = (uint8_t)(200 + i);
	b = make_idx(&len, 0x08, 2, dims, data, sizeof data);
	tu_write_file(path, b, len);
	ASSERT_EQ_INT(idx_open(&ix, path, IDX_IMAGES, &cause), 0);
	ASSERT_EQ_SIZE(ix.count, 3);
	ASSERT_EQ_SIZE(ix.features, 5);
	ASSERT_EQ_SIZE(ix.data_offset, 12);
	ASSERT_EQ_INT(idx_read(&ix, buf, &cause), 0);
	ASSERT(memcmp(buf, data, sizeof data) == 0);
	idx_close(&ix);
	idx_close(&ix);

	/* An image file where labels are wanted. */
	ASSERT(idx_open(&ix, path, IDX_LABELS, &cause) == -EINVAL);
	ASSERT_STR_CONTAINS(cause, "expected 1 for a label file");
	free(cause);
	free(b);
	free(path);
}

/* Corrupt inputs: each fails with a message naming the file and the problem. */
static void
test_corrupt(void)
{
	char *good = make_dir("good", "", 1);
	char *ti = tu_path(good, "train-images-idx3-ubyte");
	char *tl = tu_path(good, "train-labels-idx1-ubyte");
	char *xi = tu_path(good, "t10k-images-idx3-ubyte");
	char *xl = tu_path(good, "t10k-labels-idx1-ubyte");
	char *p, *q, *text, *cause;
	uint32_t dims[3] = { N_TRAIN, ROWS, COLS };
	uint8_t bytes[128], *b;
	struct dataset ds;
	size_t len;
	FILE *f;

	/* Missing file. */
	p = tu_path(tmp, "nope-images");
	expect_fail(p, tl, NULL, NULL, p, "No such file or directory");
	free(p);

	/* Wrong magic. */
	p = tu_path(tmp, "magic.idx");
	memcpy(bytes, "\x12\x34\x56\x78\0\0\0\0", 8);
	tu_write_file(p, bytes, 8);
	expect_fail(p, tl, NULL, NULL, p, "bad magic number 0x12345678");
	free(p);

	/* Unsupported type (float). */
	p = tu_path(tmp, "float.idx");
	b = make_idx(&len, 0x0d, 3, dims, NULL, 0);
	tu_write_file(p, b, len);
	free(b);
	expect_fail(p, tl, NULL, NULL, p, "unsupported data type 0x0d (32-bit float)");
	free(p);

	/* Empty file. */
	p = tu_path(tmp, "empty.idx");
	tu_write_file(p, "", 0);
	expect_fail(p, tl, NULL, NULL, p, "truncated");
	free(p);

	/* Truncated images, raw and compressed. */
	p = tu_path(tmp, "short-images");
	write_images(p, N_TRAIN - 3, N_TRAIN);
	expect_fail(p, tl, NULL, NULL, p, "offset 16: truncated: expected 240 bytes of image data, "
	    "got 204");
	free(p);
	p = tu_path(tmp, "short-images.gz");
	write_images(p, N_TRAIN - 3, N_TRAIN);
	expect_fail(p, tl, NULL, NULL, p, "offset 16: truncated: expected 240 bytes of image data, "
	    "got 204");
	free(p);

	/* Truncated labels. */
	p = tu_path(tmp, "short-labels.gz");
	write_labels(p, N_TRAIN - 1, N_TRAIN, -1, 0);
	expect_fail(ti, p, NULL, NULL, p, "offset 8: truncated: expected 20 bytes of label data, "
	    "got 19");
	free(p);

	/* Truncated header. */
	p = tu_path(tmp, "short-header");
	tu_write_file(p, "\0\0\x08\x03\0\0\0\x14\0\0", 10);
	expect_fail(p, tl, NULL, NULL, p, "offset 4: truncated");
	free(p);

	/* Image and label counts differ. */
	p = tu_path(tmp, "fewer-labels");
	write_labels(p, N_TRAIN - 1, N_TRAIN - 1, -1, 0);
	expect_fail(ti, p, NULL, NULL, p, ti);
	expect_fail(ti, p, NULL, NULL, "20 images", "19 labels");
	free(p);

	/* Label and image files swapped. */
	expect_fail(tl, ti, NULL, NULL, tl, "expected at least 2 for an image file");

	/* Test label out of range (train has 3 classes). */
	p = tu_path(tmp, "bad-test-labels");
	write_labels(p, N_TEST, N_TEST, 4, 7);
	expect_fail(ti, tl, xi, p, p, "offset 12: label 7 out of range (train has 3 classes)");
	free(p);

	/* Test images with a different number of features. */
	p = tu_path(tmp, "wide-test-images");
	dims[0] = N_TEST;
	dims[2] = COLS + 1;
	memset(bytes, 1, sizeof bytes);
	b = make_idx(&len, 0x08, 3, dims, bytes, N_TEST * ROWS * (COLS + 1));
	tu_write_file(p, b, len);
	free(b);
	expect_fail(ti, tl, p, xl, p, "15 features");
	free(p);

	/* Only one class. */
	p = tu_path(tmp, "one-class");
	write_labels(p, N_TRAIN, N_TRAIN, -1, 0);
	f = fopen(p, "r+b");
	ASSERT(f != NULL);
	fseek(f, 8, SEEK_SET);
	memset(bytes, 0, sizeof bytes);
	fwrite(bytes, 1, N_TRAIN, f);
	fclose(f);
	expect_fail(ti, p, NULL, NULL, p, "needs at least 2 classes");
	free(p);

	/* Trailing garbage, raw and inside the compressed stream. */
	p = tu_path(tmp, "long-labels");
	write_labels(p, N_TRAIN + 1, N_TRAIN, -1, 0);
	expect_fail(ti, p, NULL, NULL, p, "offset 28: trailing garbage");
	free(p);
	p = tu_path(tmp, "long-images.gz");
	write_images(p, N_TRAIN + 1, N_TRAIN);
	expect_fail(p, tl, NULL, NULL, p, "offset 256: trailing garbage");
	free(p);

	/* Corrupt .gz: a valid gzip header, then garbage. */
	p = tu_path(tmp, "corrupt.gz");
	memcpy(bytes, "\x1f\x8b\x08\0\0\0\0\0\0\x03", 10);
	memset(bytes + 10, 0xff, 40);
	tu_write_file(p, bytes, 50);
	expect_fail(p, tl, NULL, NULL, p, "corrupt gzip data");
	free(p);

	/* Corrupt .gz: a bad CRC in the trailer, found after the data. */
	p = tu_path(tmp, "bad-crc.gz");
	write_images(p, N_TRAIN, N_TRAIN);
	f = fopen(p, "r+b");
	ASSERT(f != NULL);
	ASSERT(fseek(f, -8, SEEK_END) == 0);
	len = (size_t)fgetc(f);
	ASSERT(fseek(f, -8, SEEK_END) == 0);
	fputc((int)(len ^ 0x55), f);
	fclose(f);
	expect_fail(p, tl, NULL, NULL, p, "corrupt gzip data: incorrect data check");
	free(p);

	/* A .gz cut short inside its trailer: the data is all there, the check is not. */
	p = tu_path(tmp, "cut.gz");
	q = tu_path(tmp, "cut-src.gz");
	write_images(q, N_TRAIN, N_TRAIN);
	f = fopen(q, "rb");
	ASSERT(f != NULL);
	b = malloc(1 << 16);
	len = fread(b, 1, 1 << 16, f);
	fclose(f);
	tu_write_file(p, b, len - 4);
	free(b);
	free(q);
	expect_fail(p, tl, NULL, NULL, p, "truncated");
	free(p);

	/* A header that claims far more data than the file can hold is refused before reading. */
	p = tu_path(tmp, "huge.gz");
	dims[0] = 1u << 31;
	dims[1] = 4096;
	dims[2] = 4096;
	b = make_idx(&len, 0x08, 3, dims, NULL, 0);
	write_gz(p, b, len);
	free(b);
	expect_fail(p, tl, NULL, NULL, p, "truncated");
	free(p);
	p = tu_path(tmp, "too-many-features");
	dims[1] = 1 << 16;
	dims[2] = 1 << 16;
	b = make_idx(&len, 0x08, 3, dims, NULL, 0);
	tu_write_file(p, b, len);
	free(b);
	expect_fail(p, tl, NULL, NULL, p, "features");
	free(p);

	/* Directory forms with files missing. */
	p = tu_path(tmp, "half");
	ASSERT(mkdir(p, 0700) == 0);
	q = tu_path(p, "train-images-idx3-ubyte.gz");
	write_images(q, N_TRAIN, N_TRAIN);
	free(q);
	ASSERT(asprintf(&text, "\"%s\"", p) > 0);
	ASSERT(load(&ds, text, &cause) == -ENOENT);
	ASSERT_STR_CONTAINS(cause, "no train-labels-idx1-ubyte");
	ASSERT_STR_CONTAINS(cause, p);
	printf("ok: %s\n", cause);
	free(cause);
	q = tu_path(p, "train-labels-idx1-ubyte");
	write_labels(q, N_TRAIN, N_TRAIN, -1, 0);
	free(q);
	q = tu_path(p, "t10k-labels-idx1-ubyte");
	write_labels(q, N_TEST, N_TEST, -1, 0);
	free(q);
	ASSERT(load(&ds, text, &cause) == -ENOENT);
	ASSERT_STR_CONTAINS(cause, "no t10k-images-idx3-ubyte");
	printf("ok: %s\n", cause);
	free(cause);
	free(text);
	free(p);

	free(ti);
	free(tl);
	free(xi);
	free(xl);
	free(good);
}

/* Run the tests in a temporary directory. */
int
main(void)
{
	char *cache;

	tmp = tu_mkdtemp("tuna-test-idx");
	cache = tu_path(tmp, "cache");
	setenv("TUNA_CACHE_DIR", cache, 1);
	test_reader();
	test_good();
	test_corrupt();
	tu_rmtree(tmp);
	free(cache);
	free(tmp);
	printf("test_idx: all passed\n");
	return 0;
}
