/* test_csv.c: unit tests of the CSV reader and of CSV data sets, good and corrupt. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "csv.h"
#include "dataset.h"
#include "testutil.h"

static char *tmp;

/* Write a CSV file in tmp and return its path. */
static char *
write_csv(const char *name, const char *text)
{
	char *p = tu_path(tmp, name);

	tu_write_str(p, text);
	return p;
}

/* Parse and open a JSON setting; returns the first error, with the message in *cause. */
static int
load(struct dataset *ds, const char *text, char **cause)
{
	struct dataset_source src;
	cJSON *json = cJSON_Parse(text);
	int err;

	ASSERT(json != NULL);
	*cause = NULL;
	err = source_parse(&src, json, "dataset", cause);
	cJSON_Delete(json);
	if (err != 0)
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

/* Load a CSV file (string form) or a JSON setting, expecting failure with both needles. */
static void
expect_fail(const char *text, const char *n1, const char *n2)
{
	struct dataset ds;
	char *cause = NULL;
	int err;

	memset(&ds, 0, sizeof ds);
	err = load(&ds, text, &cause);
	if (err == 0)
		fprintf(stderr, "unexpected success: %s\n", text);
	ASSERT(err < 0);
	ASSERT_STR_CONTAINS(cause, n1);
	if (n2 != NULL)
		ASSERT_STR_CONTAINS(cause, n2);
	ASSERT(ds.map == NULL && ds.owned == NULL);
	printf("ok: %s\n", cause);
	free(cause);
}

/* Expect a CSV file's data set to fail to load, with the file name and a needle in the message. */
static void
expect_fail_file(const char *name, const char *text, const char *needle)
{
	char *p = write_csv(name, text), *json;

	ASSERT(asprintf(&json, "{\"path\":\"%s\",\"cache\":false}", p) > 0);
	expect_fail(json, p, needle);
	free(json);
	free(p);
}

/* Check the 4-row, 3-feature data set used below (labels 0 1 2 1, x[i][j] = 10 i + j). */
static void
check_small(const struct dataset *ds, size_t n_train, size_t n_val)
{
	const float *x = ds->x_train;
	static const int labels[4] = { 0, 1, 2, 1 };
	size_t i, j;

	ASSERT_EQ_INT(ds->ftype, DATASET_F32);
	ASSERT_EQ_SIZE(ds->features, 3);
	ASSERT_EQ_INT(ds->classes, 3);
	ASSERT_EQ_SIZE(ds->n_train, n_train);
	ASSERT_EQ_SIZE(ds->n_val, n_val);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ_INT(ds->y_train[i], labels[i]);
		for (j = 0; j < 3; j++)
			ASSERT_NEAR(x[i * 3 + j], 10.0 * i + j + (j == 2 ? 0.5 : 0), 0);
	}
}

/* Good files: with and without header, CRLF, blanks and quotes, other label column, test file. */
static void
test_good(void)
{
	char *a = write_csv("header.csv",
	    "label,a,b,c\n0,0,1,2.5\n1,10,11,12.5\n2,20,21,22.5\n1,30,31,32.5\n\n\n");
	char *b = write_csv("noheader.csv",
	    "0,0,1,2.5\r\n1,10,11,12.5\r\n2,20,21,22.5\r\n1,30,31,32.5\r\n\r\n");
	char *c = write_csv("fancy.csv",
	    "\xef\xbb\xbf\"label\", \"a, with comma\" ,b,c\r\n"
	    " 0 , 0.0 ,\"1\",  2.5e0\n1,1e1,+11,12.50\n2,20,21,22.5\n1,30,31,0.325e2");
	char *d = write_csv("col2.csv",
	    "a,b,y,c\n0,1,0,2.5\n10,11,1,12.5\n20,21,2,22.5\n30,31,1,32.5\n");
	char *t = write_csv("test.csv", "a,b,y,c\n9,8,1,7.5\n");
	char *json;
	struct dataset ds;
	const float *x;

	ASSERT(asprintf(&json, "\"%s\"", a) > 0);
	ASSERT_EQ_INT(load_ok(&ds, json), 0);
	check_small(&ds, 4, 0);
	ASSERT(ds.x_test == NULL && ds.n_test == 0);
	dataset_close(&ds);
	free(json);

	ASSERT(asprintf(&json, "{\"path\":\"%s\",\"val_fraction\":0.5}", b) > 0);
	ASSERT_EQ_INT(load_ok(&ds, json), 0);
	check_small(&ds, 2, 2);
	dataset_close(&ds);
	free(json);

	ASSERT(asprintf(&json, "{\"format\":\"csv\",\"train\":\"%s\",\"header\":\"auto\","
	    "\"cache\":false}", c) > 0);
	ASSERT_EQ_INT(load_ok(&ds, json), 0);
	check_small(&ds, 4, 0);
	dataset_close(&ds);
	free(json);

	ASSERT(asprintf(&json, "{\"format\":\"csv\",\"train\":\"%s\",\"test\":\"%s\","
	    "\"label_column\":2,\"header\":true,\"val_fraction\":0.25}", d, t) > 0);
	ASSERT_EQ_INT(load_ok(&ds, json), 0);
	check_small(&ds, 3, 1);
	ASSERT_EQ_SIZE(ds.n_test, 1);
	x = ds.x_test;
	ASSERT_NEAR(x[0], 9, 0);
	ASSERT_NEAR(x[1], 8, 0);
	ASSERT_NEAR(x[2], 7.5, 0);
	ASSERT_EQ_INT(ds.y_test[0], 1);
	dataset_close(&ds);
	free(json);

	/* header false: a numeric first line is data; header true: it is skipped. */
	ASSERT(asprintf(&json, "{\"format\":\"csv\",\"train\":\"%s\",\"header\":false,"
	    "\"val_fraction\":0}", b) > 0);
	ASSERT_EQ_INT(load_ok(&ds, json), 0);
	ASSERT_EQ_SIZE(ds.n_train, 4);
	dataset_close(&ds);
	free(json);
	ASSERT(asprintf(&json, "{\"format\":\"csv\",\"train\":\"%s\",\"header\":true,"
	    "\"val_fraction\":0}", b) > 0);
	ASSERT_EQ_INT(load_ok(&ds, json), 0);
	ASSERT_EQ_SIZE(ds.n_train, 3);
	ASSERT_EQ_INT(ds.y_train[0], 1);
	dataset_close(&ds);
	free(json);

	free(a);
	free(b);
	free(c);
	free(d);
	free(t);
}

/* The fast decimal path gives exactly what strtod gives. */
static void
test_numbers(void)
{
	enum { ROWS = 500, COLS = 8 };
	char *text = malloc(ROWS * COLS * 48 + 64), *p, *path, *end, *json;
	char field[ROWS][COLS][40];
	unsigned long long r = 88172645463325252ULL;
	struct dataset ds;
	const float *x;
	size_t i, j;

	ASSERT(text != NULL);
	p = text;
	for (i = 0; i < ROWS; i++) {
		p += sprintf(p, "%zu", i % 2);
		for (j = 0; j < COLS; j++) {
			unsigned long long v;
			int frac;

			r ^= r << 13;
			r ^= r >> 7;
			r ^= r << 17;
			v = r % 100000000000000000ULL >> (r % 40);
			frac = (int)(r >> 58) % 20;
			if (j == 0)
				snprintf(field[i][j], sizeof field[i][j], "%llu", v);
			else if (j == 7)
				snprintf(field[i][j], sizeof field[i][j], "%.17g",
				    (double)v * 1e-7);
			else if (frac == 0)
				snprintf(field[i][j], sizeof field[i][j], "-%llu.", v);
			else
				snprintf(field[i][j], sizeof field[i][j], "%s%llu.%0*llu",
				    r & 1 ? "-" : "", v % 1000, frac, v % 10000000000000ULL);
			p += sprintf(p, ",%s", field[i][j]);
		}
		*p++ = '\n';
	}
	*p = '\0';
	path = write_csv("numbers.csv", text);
	ASSERT(asprintf(&json, "{\"path\":\"%s\",\"val_fraction\":0,\"cache\":false}", path) > 0);
	ASSERT_EQ_INT(load_ok(&ds, json), 0);
	ASSERT_EQ_SIZE(ds.n_train, ROWS);
	x = ds.x_train;
	for (i = 0; i < ROWS; i++) {
		for (j = 0; j < COLS; j++) {
			float want = (float)strtod(field[i][j], &end);

			ASSERT(*end == '\0');
			if (memcmp(&want, &x[i * COLS + j], sizeof want) != 0)
				fprintf(stderr, "field \"%s\": %.9g != %.9g\n", field[i][j],
				    x[i * COLS + j], want);
			ASSERT(memcmp(&want, &x[i * COLS + j], sizeof want) == 0);
		}
	}
	dataset_close(&ds);
	free(json);
	free(path);
	free(text);
}

/* Corrupt files: each fails with a message naming the file, the line and the problem. */
static void
test_corrupt(void)
{
	char *p, *q, *json;

	expect_fail("\"/nope/train.csv\"", "/nope/train.csv: No such file or directory", NULL);
	expect_fail("{\"format\":\"csv\",\"train\":\"/nope/train.csv\"}",
	    "/nope/train.csv: No such file or directory", NULL);
	expect_fail_file("ragged.csv", "y,a,b,c\n0,1,2,3\n1,4,5,6\n0,7,8\n1,1,1,1\n",
	    "line 4: 3 fields, expected 4");
	expect_fail_file("long.csv", "0,1,2,3\n1,4,5,6,7,8\n", "line 2: 6 fields, expected 4");
	expect_fail_file("nan.csv", "y,a,b\n0,1,2\n1,2,x3\n", "line 3, column 3: \"x3\" is not a number");
	expect_fail_file("nan2.csv", "0,1,2\n1,2,3 4\n", "line 2, column 3: \"3 4\" is not a number");
	expect_fail_file("inf.csv", "0,1,2\n1,2,1e39\n", "line 2, column 3: \"1e39\" is out of range");
	expect_fail_file("label.csv", "y,a\n0,1\n1,2\ncat,3\n",
	    "line 4: label \"cat\" is not an integer in [0, 1023]");
	expect_fail_file("label2.csv", "0,1\n2.5,2\n", "line 2: label \"2.5\" is not an integer");
	expect_fail_file("label3.csv", "0,1\n-1,2\n", "line 2: label \"-1\" is not an integer");
	expect_fail_file("label4.csv", "0,1\n1024,2\n", "line 2: label \"1024\" is not an integer");
	expect_fail_file("empty.csv", "", "empty file");
	expect_fail_file("blank.csv", "\r\n\n  \n", "empty file");
	expect_fail_file("header-only.csv", "label,a,b\n\n", "no data rows");
	expect_fail_file("one-column.csv", "1\n2\n", "1 fields, expected between 2");
	expect_fail_file("gap.csv", "0,1\n1,2\n\n0,3\n", "line 3: empty line");
	expect_fail_file("one-class.csv", "0,1\n0,2\n", "needs at least 2 classes");
	expect_fail_file("quote.csv", "0,\"1\n1,2\n", "line 1, column 2: malformed quoted field");

	/* Test file: label out of range, different column count. */
	p = write_csv("train2.csv", "0,1,2\n1,3,4\n2,5,6\n");
	q = write_csv("test2.csv", "0,1,2\n1,3,4\n3,5,6\n");
	ASSERT(asprintf(&json, "{\"format\":\"csv\",\"train\":\"%s\",\"test\":\"%s\","
	    "\"cache\":false}", p, q) > 0);
	expect_fail(json, q, "line 3: label 3 out of range (train has 3 classes)");
	free(json);
	free(q);
	q = write_csv("test3.csv", "0,1,2,3\n");
	ASSERT(asprintf(&json, "{\"format\":\"csv\",\"train\":\"%s\",\"test\":\"%s\","
	    "\"cache\":false}", p, q) > 0);
	expect_fail(json, q, "4 columns");
	free(json);
	ASSERT(asprintf(&json, "{\"format\":\"csv\",\"train\":\"%s\",\"label_column\":3,"
	    "\"cache\":false}", p) > 0);
	expect_fail(json, p, "label_column 3 out of range");
	free(json);
	free(q);
	q = write_csv("header-as-data.csv", "y,a\n0,1\n1,2\n");
	ASSERT(asprintf(&json, "{\"format\":\"csv\",\"train\":\"%s\",\"header\":false,"
	    "\"cache\":false}", q) > 0);
	expect_fail(json, q, "line 1: label \"y\" is not an integer");
	free(json);
	free(q);
	free(p);
}

/* The reader on its own, and its speed on an MNIST-sized row width. */
static void
test_reader_speed(void)
{
	enum { ROWS = 3000, COLS = 785 };
	char *text = malloc((size_t)ROWS * COLS * 4 + 1), *p, *path, *cause = NULL;
	float *x = malloc((size_t)ROWS * (COLS - 1) * sizeof *x);
	uint16_t *y = malloc(ROWS * sizeof *y);
	struct timespec t0, t1;
	struct csv c;
	size_t i, j;
	double secs;

	ASSERT(text != NULL && x != NULL && y != NULL);
	p = text;
	for (i = 0; i < ROWS; i++) {
		for (j = 0; j < COLS; j++) {
			p += sprintf(p, "%zu", j == 0 ? i % 10 : (i * 7 + j * 13) % 256);
			*p++ = j + 1 < COLS ? ',' : '\n';
		}
	}
	*p = '\0';
	path = write_csv("wide.csv", text);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_EQ_INT(csv_open(&c, path, 0, -1, &cause), 0);
	ASSERT_EQ_INT(c.header, 0);
	ASSERT_EQ_SIZE(c.rows, ROWS);
	ASSERT_EQ_SIZE(c.features, COLS - 1);
	ASSERT_EQ_INT(csv_read(&c, x, y, 0, &cause), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	csv_close(&c);
	csv_close(&c);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
	printf("csv: %d x %d parsed in %.3f s (%.0f ns per field)\n", ROWS, COLS, secs,
	    secs * 1e9 / (ROWS * COLS));
	ASSERT_EQ_INT(c.max_label, 9);
	for (i = 0; i < ROWS; i++) {
		ASSERT_EQ_INT(y[i], i % 10);
		for (j = 1; j < COLS; j++)
			ASSERT_NEAR(x[i * (COLS - 1) + j - 1], (i * 7 + j * 13) % 256, 0);
	}
	free(path);
	free(text);
	free(x);
	free(y);
}

/* Run the tests in a temporary directory. */
int
main(void)
{
	char *cache;

	tmp = tu_mkdtemp("tuna-test-csv");
	cache = tu_path(tmp, "cache");
	setenv("TUNA_CACHE_DIR", cache, 1);
	test_good();
	test_numbers();
	test_corrupt();
	test_reader_speed();
	tu_rmtree(tmp);
	free(cache);
	free(tmp);
	printf("test_csv: all passed\n");
	return 0;
}
