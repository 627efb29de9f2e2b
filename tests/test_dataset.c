/* test_dataset.c: unit tests of the dataset setting, splits, normalisation, batches and the cache. */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "cache.h"
#include "dataset.h"
#include "testutil.h"

#define FASHION	"/usr/share/datasets/fashion-mnist"

#define N_TRAIN		40
#define N_TEST		6
#define FEATURES	10

static char *tmp;
static char *cache_dir;

/* Parse a JSON text as the dataset setting under jpath. */
static int
parse(struct dataset_source *src, const char *text, const char *jpath, char **cause)
{
	cJSON *json = cJSON_Parse(text);
	int err;

	ASSERT(json != NULL);
	*cause = NULL;
	err = source_parse(src, json, jpath, cause);
	cJSON_Delete(json);
	return err;
}

/* Parse and open a JSON setting that must work. */
static void
load(struct dataset *ds, const char *text)
{
	struct dataset_source src;
	char *cause = NULL;
	int err;

	if ((err = parse(&src, text, "dataset", &cause)) == 0)
		err = dataset_open(ds, &src, &cause);
	if (err != 0)
		fprintf(stderr, "%s: %s\n", text, cause);
	ASSERT_EQ_INT(err, 0);
	source_free(&src);
}

/* Expect a setting to be refused with a message containing needle. */
static void
bad_json(const char *text, const char *jpath, const char *needle)
{
	struct dataset_source src;
	char *cause = NULL;

	memset(&src, 0, sizeof src);
	if (parse(&src, text, jpath, &cause) == 0)
		fprintf(stderr, "unexpected success: %s\n", text);
	ASSERT(cause != NULL);
	ASSERT_STR_CONTAINS(cause, needle);
	ASSERT(src.train_csv == NULL && src.train_images == NULL && src.cache_dir == NULL);
	printf("ok: %s\n", cause);
	free(cause);
}

/* Write an IDX file (type 0x08) with dims and data. */
static void
write_idx(const char *path, int ndims, const uint32_t *dims, const uint8_t *data, size_t n)
{
	uint8_t head[16] = { 0, 0, 0x08, (uint8_t)ndims };
	FILE *f = fopen(path, "wb");
	int i;

	ASSERT(f != NULL);
	for (i = 0; i < ndims; i++) {
		head[4 + 4 * i] = (uint8_t)(dims[i] >> 24);
		head[5 + 4 * i] = (uint8_t)(dims[i] >> 16);
		head[6 + 4 * i] = (uint8_t)(dims[i] >> 8);
		head[7 + 4 * i] = (uint8_t)dims[i];
	}
	ASSERT(fwrite(head, 1, 4 + 4 * (size_t)ndims, f) == 4 + 4 * (size_t)ndims);
	ASSERT(fwrite(data, 1, n, f) == n);
	ASSERT(fclose(f) == 0);
}

/* Feature j of training row i (IDX and CSV data sets below hold the same values). */
static uint8_t
value(size_t i, size_t j)
{
	if (j == 3)
		return 7;			/* a constant feature */
	if (i >= N_TRAIN - 8 && j == 0)
		return 255;			/* outliers only in the validation rows */
	return (uint8_t)((i * 31 + j * 17 + i * j) % 101);
}

/* Make a directory of IDX files with standard names (N_TRAIN x FEATURES, labels i % 4). */
static char *
make_idx_dir(const char *name)
{
	char *dir = tu_path(tmp, name), *p;
	uint8_t x[N_TRAIN * FEATURES], y[N_TRAIN];
	uint32_t dims[3] = { N_TRAIN, 2, FEATURES / 2 };
	size_t i, j;

	for (i = 0; i < N_TRAIN; i++) {
		y[i] = (uint8_t)(i % 4);
		for (j = 0; j < FEATURES; j++)
			x[i * FEATURES + j] = value(i, j);
	}
	ASSERT(mkdir(dir, 0700) == 0);
	write_idx(p = tu_path(dir, "train-images-idx3-ubyte"), 3, dims, x, sizeof x);
	free(p);
	write_idx(p = tu_path(dir, "train-labels-idx1-ubyte"), 1, dims, y, sizeof y);
	free(p);
	dims[0] = N_TEST;
	write_idx(p = tu_path(dir, "t10k-images-idx3-ubyte"), 3, dims, x + FEATURES,
	    N_TEST * FEATURES);
	free(p);
	write_idx(p = tu_path(dir, "t10k-labels-idx1-ubyte"), 1, dims, y + 1, N_TEST);
	free(p);
	return dir;
}

/* Make a CSV file with the same values as make_idx_dir (train) and a test file. */
static void
make_csv(char **train, char **test)
{
	char *text = malloc(N_TRAIN * (FEATURES + 1) * 8 + 256), *p;
	size_t i, j;

	ASSERT(text != NULL);
	p = text + sprintf(text, "label,f0,f1,f2,f3,f4,f5,f6,f7,f8,f9\r\n");
	for (i = 0; i < N_TRAIN; i++) {
		p += sprintf(p, "%zu", i % 4);
		for (j = 0; j < FEATURES; j++)
			p += sprintf(p, ",%d", value(i, j));
		p += sprintf(p, "\r\n");
	}
	*train = tu_path(tmp, "train.csv");
	tu_write_str(*train, text);
	p = text + sprintf(text, "label,f0,f1,f2,f3,f4,f5,f6,f7,f8,f9\n");
	for (i = 1; i <= N_TEST; i++) {
		p += sprintf(p, "%zu", i % 4);
		for (j = 0; j < FEATURES; j++)
			p += sprintf(p, ",%d", value(i, j));
		p += sprintf(p, "\n");
	}
	*test = tu_path(tmp, "test.csv");
	tu_write_str(*test, text);
	free(text);
}

/* The dataset setting: its forms, defaults and errors. */
static void
test_parse(void)
{
	struct dataset_source src;
	char *dir = make_idx_dir("parse"), *text, *cause, *p;

	/* Defaults. */
	ASSERT_EQ_INT(parse(&src, "{\"format\":\"csv\",\"train\":\"t.csv\"}", "dataset", &cause), 0);
	ASSERT_EQ_INT(src.format, DATASET_CSV);
	ASSERT_EQ_STR(src.train_csv, "t.csv");
	ASSERT(src.test_csv == NULL);
	ASSERT_NEAR(src.val_fraction, 0.1, 0);
	ASSERT_EQ_INT(src.header, -1);
	ASSERT_EQ_INT(src.label_column, 0);
	ASSERT_EQ_STR(src.cache_dir, cache_dir);
	source_free(&src);
	source_free(&src);

	ASSERT_EQ_INT(parse(&src, "{\"format\":\"csv\",\"train\":\"t.csv\",\"test\":\"u.csv\","
	    "\"label_column\":3,\"header\":false,\"val_fraction\":0,\"cache\":false}", "dataset",
	    &cause), 0);
	ASSERT_EQ_STR(src.test_csv, "u.csv");
	ASSERT_EQ_INT(src.header, 0);
	ASSERT_EQ_INT(src.label_column, 3);
	ASSERT_NEAR(src.val_fraction, 0, 0);
	ASSERT(src.cache_dir == NULL);
	ASSERT(src.label_name == NULL);
	source_free(&src);

	/* label_column by name. */
	ASSERT_EQ_INT(parse(&src, "{\"format\":\"csv\",\"train\":\"t.csv\","
	    "\"label_column\":\"species\",\"header\":\"auto\"}", "dataset", &cause), 0);
	ASSERT_EQ_STR(src.label_name, "species");
	ASSERT_EQ_INT(src.label_column, -1);
	source_free(&src);
	ASSERT(src.label_name == NULL);

	/* Directory form. */
	ASSERT(asprintf(&text, "{\"path\":\"%s\",\"val_fraction\":0.9}", dir) > 0);
	ASSERT_EQ_INT(parse(&src, text, "dataset", &cause), 0);
	ASSERT_EQ_INT(src.format, DATASET_IDX);
	ASSERT_STR_CONTAINS(src.train_images, "/train-images-idx3-ubyte");
	ASSERT_STR_CONTAINS(src.test_labels, "/t10k-labels-idx1-ubyte");
	ASSERT_NEAR(src.val_fraction, 0.9, 0);
	source_free(&src);
	free(text);

	/* The cache directory from the environment. */
	ASSERT(asprintf(&text, "\"%s\"", dir) > 0);
	setenv("TUNA_CACHE_DIR", "", 1);
	setenv("XDG_CACHE_HOME", "/xdg", 1);
	ASSERT_EQ_INT(parse(&src, text, "dataset", &cause), 0);
	ASSERT_EQ_STR(src.cache_dir, "/xdg/tuna");
	source_free(&src);
	unsetenv("TUNA_CACHE_DIR");
	unsetenv("XDG_CACHE_HOME");
	p = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	setenv("HOME", "/home/someone", 1);
	ASSERT_EQ_INT(parse(&src, text, "dataset", &cause), 0);
	ASSERT_EQ_STR(src.cache_dir, "/home/someone/.cache/tuna");
	source_free(&src);
	unsetenv("HOME");
	ASSERT_EQ_INT(parse(&src, text, "dataset", &cause), 0);
	ASSERT(src.cache_dir == NULL);
	source_free(&src);
	if (p != NULL)
		setenv("HOME", p, 1);
	free(p);
	setenv("TUNA_CACHE_DIR", cache_dir, 1);
	free(text);

	/* Errors name the JSON path. */
	bad_json("{\"path\":\"/x\",\"colour\":1}", "dataset", "dataset.colour: unknown key");
	bad_json("{\"format\":\"csv\",\"train\":\"t\",\"colour\":1}", "trials[3].dataset",
	    "trials[3].dataset.colour: unknown key");
	bad_json("{\"format\":\"idx\",\"train_images\":\"a\",\"train_labels\":\"b\",\"train\":\"c\"}",
	    "dataset", "dataset.train: unknown key with \"format\": \"idx\"");
	bad_json("{\"path\":\"/x\",\"format\":\"csv\"}", "dataset",
	    "dataset.format: unknown key with \"path\"");
	bad_json("{\"format\":\"csv\",\"train\":\"t\",\"val_fraction\":\"0.1\"}", "dataset",
	    "dataset.val_fraction: must be a number in [0, 0.9]");
	bad_json("{\"format\":\"csv\",\"train\":\"t\",\"val_fraction\":0.95}", "dataset",
	    "dataset.val_fraction: must be a number in [0, 0.9]");
	bad_json("{\"format\":\"csv\",\"train\":\"t\",\"val_fraction\":-0.01}", "dataset",
	    "dataset.val_fraction: must be a number in [0, 0.9]");
	bad_json("{\"format\":\"xml\"}", "dataset", "dataset.format: must be \"idx\" or \"csv\"");
	bad_json("{\"format\":3}", "dataset", "dataset.format: must be \"idx\" or \"csv\"");
	bad_json("{\"format\":\"csv\"}", "dataset", "dataset.train: required");
	bad_json("{\"format\":\"csv\",\"train\":5}", "dataset",
	    "dataset.train: must be a non-empty string");
	bad_json("{\"format\":\"csv\",\"train\":\"\"}", "dataset",
	    "dataset.train: must be a non-empty string");
	bad_json("{\"format\":\"idx\",\"train_images\":\"a\"}", "dataset",
	    "dataset.train_labels: required");
	bad_json("{\"format\":\"idx\",\"train_images\":\"a\",\"train_labels\":\"b\","
	    "\"test_images\":\"c\"}", "dataset",
	    "dataset.test_labels: required when test_images is given");
	bad_json("{\"format\":\"csv\",\"train\":\"t\",\"cache\":\"yes\"}", "dataset",
	    "dataset.cache: must be true or false");
	bad_json("{\"format\":\"csv\",\"train\":\"t\",\"header\":\"yes\"}", "dataset",
	    "dataset.header: must be true, false or \"auto\"");
	bad_json("{\"format\":\"csv\",\"train\":\"t\",\"label_column\":-1}", "dataset",
	    "dataset.label_column: must be an integer");
	bad_json("{\"format\":\"csv\",\"train\":\"t\",\"label_column\":1.5}", "dataset",
	    "dataset.label_column: must be an integer");
	bad_json("{\"format\":\"csv\",\"train\":\"t\",\"label_column\":\"\"}", "dataset",
	    "dataset.label_column: must be an integer in [0, 16777216] or a column name");
	bad_json("{\"format\":\"csv\",\"train\":\"t\",\"label_column\":[\"y\"]}", "dataset",
	    "dataset.label_column: must be an integer in [0, 16777216] or a column name");
	bad_json("{\"format\":\"csv\",\"train\":\"t\",\"label_column\":\"y\",\"header\":false}",
	    "trials[1].dataset", "trials[1].dataset.label_column: a column name needs a header row, "
	    "but header is false");
	bad_json("{\"format\":\"csv\",\"train\":\"t\",\"train\":\"u\"}", "dataset",
	    "dataset.train: duplicate key");
	bad_json("{}", "dataset", "dataset: needs \"path\" or \"format\"");
	bad_json("42", "dataset", "dataset: must be a path string or an object");
	bad_json("null", "dataset", "dataset: must be a path string or an object");
	bad_json("\"\"", "dataset", "dataset: must be a non-empty path");
	bad_json("\"/nope/train.csv\"", "dataset", "/nope/train.csv: No such file or directory");
	bad_json("{\"path\":7}", "dataset", "dataset.path: must be a non-empty string");
	ASSERT(source_parse(&src, NULL, "dataset", &cause) == -EINVAL);
	free(cause);
	free(dir);
}

/* The validation split and the normalisation, on the same data as bytes and as floats. */
static void
test_split_normalise(void)
{
	char *dir = make_idx_dir("norm"), *train, *test, *text;
	static const uint32_t rows[3] = { 5, 0, 2 };
	uint32_t all[N_TRAIN];
	float x[N_TRAIN * FEATURES];
	uint16_t y[N_TRAIN];
	struct dataset u8, f32;
	size_t i, j;
	double means[FEATURES], stds[FEATURES], floor_std = 0;

	make_csv(&train, &test);
	ASSERT(asprintf(&text, "{\"path\":\"%s\",\"val_fraction\":0.2,\"cache\":false}", dir) > 0);
	load(&u8, text);
	free(text);
	ASSERT(asprintf(&text, "{\"format\":\"csv\",\"train\":\"%s\",\"test\":\"%s\","
	    "\"val_fraction\":0.2}", train, test) > 0);
	load(&f32, text);
	free(text);

	ASSERT_EQ_INT(u8.ftype, DATASET_U8);
	ASSERT_EQ_INT(f32.ftype, DATASET_F32);
	ASSERT_EQ_SIZE(u8.n_train, 32);
	ASSERT_EQ_SIZE(u8.n_val, 8);
	ASSERT_EQ_SIZE(u8.n_test, N_TEST);
	ASSERT_EQ_SIZE(f32.n_train, 32);
	ASSERT_EQ_SIZE(f32.n_val, 8);
	ASSERT_EQ_SIZE(f32.n_test, N_TEST);
	ASSERT_EQ_INT(u8.classes, 4);
	ASSERT_EQ_INT(f32.classes, 4);

	/*
	 * CSV floats: plain standardization (a constant feature gets scale 1). Bytes: the same,
	 * but each std is floored at DATASET_U8_STD_FLOOR (0.3) of the average std.
	 */
	for (j = 0; j < FEATURES; j++) {
		double sum = 0, sq = 0;

		for (i = 0; i < 32; i++)
			sum += value(i, j);
		means[j] = sum / 32;
		for (i = 0; i < 32; i++)
			sq += (value(i, j) - means[j]) * (value(i, j) - means[j]);
		stds[j] = sqrt(sq / 32);
		floor_std += 0.3 * stds[j] / FEATURES;
	}
	for (j = 0; j < FEATURES; j++) {
		double u8_std = stds[j] < floor_std ? floor_std : stds[j];

		ASSERT_NEAR(u8.scale[j], 1 / u8_std, 1e-6 / u8_std);
		ASSERT_NEAR(u8.shift[j], -means[j] / u8_std, 1e-5);
		if (j == 3) {
			ASSERT_NEAR(f32.scale[j], 1, 0);
			ASSERT_NEAR(f32.shift[j], -7, 0);
		} else {
			ASSERT_NEAR(f32.scale[j], 1 / stds[j], 1e-6 / stds[j]);
			ASSERT_NEAR(f32.shift[j], -means[j] / stds[j], 1e-5);
		}
	}

	/* The normalised train split has mean 0 and std 1 per feature (less where floored). */
	for (i = 0; i < N_TRAIN; i++)
		all[i] = (uint32_t)i;
	dataset_batch(x, y, &u8, SPLIT_TRAIN, all, u8.n_train);
	for (j = 0; j < FEATURES; j++) {
		double sum = 0, sq = 0;
		double u8_std = stds[j] < floor_std ? floor_std : stds[j];

		for (i = 0; i < u8.n_train; i++)
			sum += x[i * FEATURES + j];
		for (i = 0; i < u8.n_train; i++)
			sq += (x[i * FEATURES + j] - sum / 32) * (x[i * FEATURES + j] - sum / 32);
		ASSERT_NEAR(sum / 32, 0, 1e-5);
		ASSERT_NEAR(sqrt(sq / 32), stds[j] / u8_std, 1e-5);
	}
	for (i = 0; i < u8.n_train; i++)
		ASSERT_EQ_INT(y[i], i % 4);

	/* Validation and test rows, bytes and floats alike; y may be NULL. */
	memset(y, 0xff, sizeof y);
	dataset_batch(x, y, &u8, SPLIT_VAL, rows, 3);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ_INT(y[i], (32 + rows[i]) % 4);
		for (j = 0; j < FEATURES; j++)
			ASSERT_NEAR(x[i * FEATURES + j], (float)value(32 + rows[i], j) * u8.scale[j] +
			    u8.shift[j], 1e-6);
	}
	ASSERT_NEAR(x[0], 255 * u8.scale[0] + u8.shift[0], 1e-6);
	dataset_batch(x, NULL, &f32, SPLIT_VAL, rows, 3);
	for (i = 0; i < 3; i++)
		for (j = 0; j < FEATURES; j++)
			ASSERT_NEAR(x[i * FEATURES + j], (float)value(32 + rows[i], j) *
			    f32.scale[j] + f32.shift[j], 1e-6);
	dataset_batch(x, y, &f32, SPLIT_TEST, rows, 3);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ_INT(y[i], (1 + rows[i]) % 4);
		for (j = 0; j < FEATURES; j++)
			ASSERT_NEAR(x[i * FEATURES + j], (float)value(1 + rows[i], j) *
			    f32.scale[j] + f32.shift[j], 1e-6);
	}
	dataset_batch(x, y, &u8, SPLIT_TEST, rows, 0);

	dataset_close(&u8);
	dataset_close(&f32);
	free(train);
	free(test);
	free(dir);
}

/* Stat a file that must exist. */
static struct stat
stat_of(const char *path)
{
	struct stat st;

	ASSERT(stat(path, &st) == 0);
	return st;
}

/* Count the files in a directory whose names contain needle. */
static int
count_in(const char *dir, const char *needle)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		n += strstr(e->d_name, needle) != NULL;
	closedir(d);
	return n;
}

/* Count the files in the cache directory whose names contain needle. */
static int
count_files(const char *needle)
{
	return count_in(cache_dir, needle);
}

/* Overwrite bytes of a file in place. */
static void
poke(const char *path, off_t off, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY);

	ASSERT(fd >= 0);
	ASSERT(pwrite(fd, data, len, off) == (ssize_t)len);
	ASSERT(close(fd) == 0);
}

/* The shared cache: mapped again without decoding, rebuilt when corrupt, optional. */
static void
test_cache(void)
{
	char *dir = make_idx_dir("cached"), *text, *cpath, *images, *garbage;
	struct dataset a, b;
	struct stat st0, st1, img;
	struct timespec times[2];
	struct cache_header h;
	uint16_t bad = 999;
	int fd, n;

	ASSERT(asprintf(&text, "\"%s\"", dir) > 0);
	images = tu_path(dir, "train-images-idx3-ubyte");
	load(&a, text);
	ASSERT(a.map != NULL && a.owned == NULL && a.cache_path != NULL);
	ASSERT_STR_CONTAINS(a.cache_path, cache_dir);
	ASSERT_STR_CONTAINS(a.cache_path, "/tuna-");
	ASSERT_EQ_SIZE(strlen(strrchr(a.cache_path, '/')), strlen("/tuna-0123456789abcdef.cache"));
	ASSERT_EQ_INT(count_files(".tmp."), 0);
	ASSERT_EQ_INT(stat_of(cache_dir).st_mode & 0777, 0700);
	cpath = strdup(a.cache_path);
	st0 = stat_of(cpath);
	ASSERT_EQ_SIZE(a.map_len, (size_t)st0.st_size);

	/* A second open maps the same file: same inode, not rewritten, same data. */
	load(&b, text);
	ASSERT_EQ_STR(b.cache_path, cpath);
	st1 = stat_of(cpath);
	ASSERT_EQ_INT(st1.st_ino, st0.st_ino);
	ASSERT_EQ_INT(st1.st_mtim.tv_nsec, st0.st_mtim.tv_nsec);
	ASSERT_EQ_INT(st1.st_mtim.tv_sec, st0.st_mtim.tv_sec);
	ASSERT(b.map != a.map);
	ASSERT(memcmp(a.x_train, b.x_train, N_TRAIN * FEATURES) == 0);
	ASSERT(memcmp(a.y_test, b.y_test, N_TEST * sizeof *a.y_test) == 0);
	ASSERT(memcmp(a.scale, b.scale, FEATURES * sizeof *a.scale) == 0);
	dataset_close(&b);

	/* A hit does not read the sources: garble them, keeping size and mtime (so the key). */
	img = stat_of(images);
	garbage = calloc(1, (size_t)img.st_size);
	ASSERT(garbage != NULL);
	tu_write_file(images, garbage, (size_t)img.st_size);
	times[0] = img.st_atim;
	times[1] = img.st_mtim;
	ASSERT(utimensat(AT_FDCWD, images, times, 0) == 0);
	load(&b, text);
	ASSERT_EQ_STR(b.cache_path, cpath);
	ASSERT(memcmp(a.x_train, b.x_train, N_TRAIN * FEATURES) == 0);
	dataset_close(&b);
	free(garbage);
	dataset_close(&a);

	/* A changed source gets a new cache file: rewrite the images with a new mtime. */
	n = count_files(".cache");
	tu_rmtree(dir);
	free(make_idx_dir("cached"));
	times[1].tv_sec -= 1000;
	ASSERT(utimensat(AT_FDCWD, images, times, 0) == 0);
	load(&a, text);
	ASSERT(strcmp(a.cache_path, cpath) != 0);
	ASSERT_EQ_INT(count_files(".cache"), n + 1);
	dataset_close(&a);
	free(cpath);

	/* A corrupt cache file is ignored and rebuilt: bad magic, short file, bad label. */
	load(&a, text);
	cpath = strdup(a.cache_path);
	memcpy(&h, a.map, sizeof h);
	dataset_close(&a);
	st0 = stat_of(cpath);
	poke(cpath, 0, "GARBAGE!", 8);
	load(&a, text);
	ASSERT_EQ_STR(a.cache_path, cpath);
	ASSERT(a.map != NULL && memcmp(a.map, CACHE_MAGIC, 8) == 0);
	ASSERT(stat_of(cpath).st_ino != st0.st_ino);
	ASSERT_EQ_INT(a.y_train[5], 1);
	dataset_close(&a);

	ASSERT(truncate(cpath, 100) == 0);
	load(&a, text);
	ASSERT_EQ_SIZE(a.map_len, h.size);
	ASSERT_EQ_SIZE((size_t)stat_of(cpath).st_size, h.size);
	dataset_close(&a);

	poke(cpath, (off_t)h.y_train + 2 * 5, &bad, sizeof bad);
	load(&a, text);
	ASSERT_EQ_INT(a.y_train[5], 1);
	ASSERT(a.map != NULL);
	dataset_close(&a);

	ASSERT((fd = open(cpath, O_WRONLY | O_TRUNC)) >= 0);
	close(fd);
	load(&a, text);
	ASSERT(a.map != NULL);
	ASSERT_EQ_INT(a.y_train[6], 2);
	dataset_close(&a);
	free(cpath);
	free(text);

	/* "cache": false, and an unusable cache directory: private memory, silently. */
	ASSERT(asprintf(&text, "{\"path\":\"%s\",\"cache\":false}", dir) > 0);
	load(&a, text);
	ASSERT(a.map == NULL && a.owned != NULL && a.cache_path == NULL);
	ASSERT_EQ_INT(a.y_train[6], 2);
	dataset_close(&a);
	free(text);
	ASSERT(asprintf(&text, "\"%s\"", dir) > 0);
	setenv("TUNA_CACHE_DIR", "/proc/tuna-cannot-exist/cache", 1);
	load(&a, text);
	ASSERT(a.map == NULL && a.owned != NULL && a.cache_path == NULL);
	dataset_close(&a);
	setenv("TUNA_CACHE_DIR", cache_dir, 1);
	free(text);

	/* Nested cache directories are created. */
	ASSERT(asprintf(&text, "%s/deep/er/", cache_dir) > 0);
	setenv("TUNA_CACHE_DIR", text, 1);
	free(text);
	ASSERT(asprintf(&text, "\"%s\"", dir) > 0);
	load(&a, text);
	ASSERT(a.map != NULL);
	ASSERT_STR_CONTAINS(a.cache_path, "/deep/er/tuna-");
	dataset_close(&a);
	setenv("TUNA_CACHE_DIR", cache_dir, 1);
	free(text);

	dataset_close(&a);
	free(images);
	free(dir);
}

/* Write an iris-style CSV file (text labels, last column) and return its path. */
static char *
make_iris(const char *name)
{
	static const char *const species[3] = { "virginica", "setosa", "versicolor" };
	char *path = tu_path(tmp, name), *text = malloc(64 * 30 + 128), *p;
	size_t i;

	ASSERT(text != NULL);
	p = text + sprintf(text, "sepal_length,sepal_width,petal_length,petal_width,species\n");
	for (i = 0; i < 30; i++)
		p += sprintf(p, "%zu.5,%zu,%zu,%zu,%s\n", i, i % 7, i % 5, i % 3, species[i % 3]);
	tu_write_str(path, text);
	free(text);
	return path;
}

/* Check the class names and labels of make_iris's data set. */
static void
check_iris(const struct dataset *ds)
{
	static const int want[3] = { 2, 0, 1 };
	size_t i;

	ASSERT_EQ_INT(ds->classes, 3);
	ASSERT(ds->class_names != NULL);
	ASSERT_EQ_STR(ds->class_names[0], "setosa");
	ASSERT_EQ_STR(ds->class_names[1], "versicolor");
	ASSERT_EQ_STR(ds->class_names[2], "virginica");
	for (i = 0; i < 30; i++)
		ASSERT_EQ_INT(ds->y_train[i], want[i % 3]);
}

/* Text labels through the cache: the names are in the file, and checked when it is mapped. */
static void
test_cache_names(void)
{
	char *iris = make_iris("iris.csv"), *text, *cpath;
	struct dataset a, b;
	struct cache_header h;
	struct stat st0;
	uint32_t version = 1;

	ASSERT(asprintf(&text, "{\"format\":\"csv\",\"train\":\"%s\",\"label_column\":"
	    "\"species\",\"val_fraction\":0.2}", iris) > 0);
	load(&a, text);
	ASSERT(a.map != NULL && a.owned == NULL);
	check_iris(&a);
	cpath = strdup(a.cache_path);
	memcpy(&h, a.map, sizeof h);
	ASSERT_EQ_INT(h.version, CACHE_VERSION);
	ASSERT_EQ_SIZE(h.names_len, strlen("setosa versicolor virginica "));
	ASSERT(memcmp((const char *)a.map + h.names, "setosa\0versicolor\0virginica\0",
	    h.names_len) == 0);
	ASSERT_EQ_SIZE(a.map_len, h.size);

	/* Mapped again: the same file, the same names, pointing into the new mapping. */
	load(&b, text);
	ASSERT_EQ_STR(b.cache_path, cpath);
	ASSERT_EQ_INT(stat_of(cpath).st_ino, stat_of(a.cache_path).st_ino);
	check_iris(&b);
	ASSERT((const char *)b.class_names[0] >= (const char *)b.map &&
	    (const char *)b.class_names[2] < (const char *)b.map + b.map_len);
	dataset_close(&b);
	dataset_close(&a);

	/* Without the cache, the same. */
	free(text);
	ASSERT(asprintf(&text, "{\"format\":\"csv\",\"train\":\"%s\",\"label_column\":4,"
	    "\"val_fraction\":0.2,\"cache\":false}", iris) > 0);
	load(&a, text);
	ASSERT(a.map == NULL && a.owned != NULL);
	check_iris(&a);
	dataset_close(&a);
	free(text);
	ASSERT(asprintf(&text, "{\"format\":\"csv\",\"train\":\"%s\",\"label_column\":"
	    "\"species\",\"val_fraction\":0.2}", iris) > 0);

	/* Names out of order, a name cut short, an old version: rebuilt, never misread. */
	st0 = stat_of(cpath);
	poke(cpath, (off_t)h.names, "versicolor\0setosa\0", 18);
	load(&a, text);
	check_iris(&a);
	ASSERT(stat_of(cpath).st_ino != st0.st_ino);
	dataset_close(&a);
	st0 = stat_of(cpath);
	poke(cpath, (off_t)h.names + h.names_len - 1, "x", 1);
	load(&a, text);
	check_iris(&a);
	ASSERT(stat_of(cpath).st_ino != st0.st_ino);
	dataset_close(&a);
	st0 = stat_of(cpath);
	poke(cpath, 8, &version, sizeof version);
	load(&a, text);
	check_iris(&a);
	ASSERT(stat_of(cpath).st_ino != st0.st_ino);
	ASSERT_EQ_INT(((const struct cache_header *)a.map)->version, CACHE_VERSION);
	dataset_close(&a);

	free(cpath);
	free(text);
	free(iris);
}

/* Several processes opening a data set at once all succeed and end up with one cache file. */
static void
test_concurrent(void)
{
	char *dir = make_idx_dir("together"), *text, *cdir = tu_path(tmp, "cache-together");
	int i, status;
	pid_t pid[4];

	ASSERT(asprintf(&text, "\"%s\"", dir) > 0);
	setenv("TUNA_CACHE_DIR", cdir, 1);
	for (i = 0; i < 4; i++) {
		ASSERT((pid[i] = fork()) >= 0);
		if (pid[i] == 0) {
			struct dataset ds;

			load(&ds, text);
			if (ds.map == NULL || ds.n_train != N_TRAIN - 4 || ds.y_train[7] != 3)
				_exit(1);
			dataset_close(&ds);
			_exit(0);
		}
	}
	for (i = 0; i < 4; i++) {
		ASSERT(waitpid(pid[i], &status, 0) == pid[i]);
		ASSERT(WIFEXITED(status));
		ASSERT_EQ_INT(WEXITSTATUS(status), 0);
	}
	ASSERT_EQ_INT(count_in(cdir, ".cache"), 1);
	ASSERT_EQ_INT(count_in(cdir, ".lock"), 1);
	ASSERT_EQ_INT(count_in(cdir, ".tmp."), 0);
	setenv("TUNA_CACHE_DIR", cache_dir, 1);
	free(text);
	free(cdir);
	free(dir);
}

/* Fashion-MNIST from its standard directory, when installed. */
static void
test_fashion(void)
{
	struct dataset ds;
	struct stat st;
	size_t count[10] = { 0 }, i;

	if (stat(FASHION, &st) != 0) {
		printf("note: %s not found, skipping the Fashion-MNIST test\n", FASHION);
		return;
	}
	load(&ds, "\"" FASHION "\"");
	ASSERT_EQ_SIZE(ds.n_train, 54000);
	ASSERT_EQ_SIZE(ds.n_val, 6000);
	ASSERT_EQ_SIZE(ds.n_test, 10000);
	ASSERT_EQ_SIZE(ds.features, 784);
	ASSERT_EQ_INT(ds.classes, 10);
	ASSERT_EQ_INT(ds.ftype, DATASET_U8);
	ASSERT(ds.map != NULL);
	for (i = 0; i < ds.n_train + ds.n_val; i++)
		count[ds.y_train[i]]++;
	for (i = 0; i < 10; i++)
		ASSERT_EQ_SIZE(count[i], 6000);
	dataset_close(&ds);

	load(&ds, "\"" FASHION "\"");
	ASSERT(ds.map != NULL);
	ASSERT_EQ_SIZE(ds.n_test, 10000);
	dataset_close(&ds);
	printf("ok: Fashion-MNIST loaded and mapped again from the cache\n");
}

/* Run the tests in a temporary directory. */
int
main(void)
{
	struct dataset ds;
	struct dataset_source src;

	memset(&ds, 0, sizeof ds);
	memset(&src, 0, sizeof src);
	dataset_close(&ds);
	source_free(&src);

	tmp = tu_mkdtemp("tuna-test-dataset");
	cache_dir = tu_path(tmp, "cache");
	setenv("TUNA_CACHE_DIR", cache_dir, 1);
	test_parse();
	test_split_normalise();
	test_cache();
	test_cache_names();
	test_concurrent();
	test_fashion();
	tu_rmtree(tmp);
	free(cache_dir);
	free(tmp);
	printf("test_dataset: all passed\n");
	return 0;
}
