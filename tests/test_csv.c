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
	expect_fail(json, q, "line 1, column 2: \"a\" is not a number");	/* "y": a class name */
	free(json);
	free(q);
	free(p);
}

/* An iris-style file: a header, text labels (one quoted, one with blanks) in the last column. */
#define IRIS_HEAD "sepal_length,sepal_width,petal_length,petal_width,species\n"
#define IRIS_ROWS "6.3,3.3,6.0,2.5,virginica\n5.1,3.5,1.4,0.2,setosa\n" \
	"7.0,3.2,4.7,1.4,versicolor\n4.9,3.0,1.4,0.2,setosa\n6.4,3.2,4.5,1.5,\"versicolor\"\r\n" \
	"5.8,2.7,5.1,1.9, virginica \n"

static const char *const iris_names[3] = { "setosa", "versicolor", "virginica" };
static const int iris_labels[6] = { 2, 0, 1, 0, 1, 2 };

/* Check the iris-style data set: sorted class names, labels and the first feature. */
static void
check_iris(const struct dataset *ds)
{
	static const float first[6] = { 6.3f, 5.1f, 7.0f, 4.9f, 6.4f, 5.8f };
	const float *x = ds->x_train;
	size_t i;

	ASSERT_EQ_INT(ds->classes, 3);
	ASSERT_EQ_SIZE(ds->features, 4);
	ASSERT_EQ_SIZE(ds->n_train + ds->n_val, 6);
	ASSERT(ds->class_names != NULL);
	for (i = 0; i < 3; i++)
		ASSERT_EQ_STR(ds->class_names[i], iris_names[i]);
	for (i = 0; i < 6; i++) {
		ASSERT_EQ_INT(ds->y_train[i], iris_labels[i]);
		ASSERT_NEAR(x[i * 4], first[i], 0);
	}
}

/* Load a CSV setting that must work, with "cache":false added; check it as iris. */
static void
load_iris(const char *fmt, const char *path)
{
	struct dataset ds;
	char *json;

	ASSERT(asprintf(&json, fmt, path) > 0);
	ASSERT_EQ_INT(load_ok(&ds, json), 0);
	check_iris(&ds);
	dataset_close(&ds);
	free(json);
}

/* Text class labels: numbered in sorted order, found with or without a header, by name. */
static void
test_text_labels(void)
{
	char *a = write_csv("iris.csv", IRIS_HEAD IRIS_ROWS);
	char *b = write_csv("iris.data", IRIS_ROWS);
	char *c = write_csv("iris-first.csv", "species,a,b,c,d\nvirginica,6.3,1,1,1\n"
	    "setosa,5.1,1,1,1\nversicolor,7.0,1,1,1\nsetosa,4.9,1,1,1\n\"versicolor\",6.4,1,1,1\n"
	    "virginica,5.8,1,1,1\n");
	char *d = write_csv("quotes.csv", "y,a\n\"say \"\"hi\"\"\",1\n\"b, c\",2\n\"say \"\"hi\"\"\",3\n");
	char *e = write_csv("numeric-names.csv", "label,0,1\n0,1,2\n1,3,4\n");
	char *json;
	struct dataset ds;
	cJSON *names;
	char *text;

	/* Header detected (its features are names), or absent (only the labels are text). */
	load_iris("{\"format\":\"csv\",\"train\":\"%s\",\"label_column\":4,"
	    "\"val_fraction\":0.5,\"cache\":false}", a);
	load_iris("{\"format\":\"csv\",\"train\":\"%s\",\"label_column\":4,"
	    "\"val_fraction\":0,\"cache\":false}", b);
	load_iris("{\"format\":\"csv\",\"train\":\"%s\",\"label_column\":4,"
	    "\"header\":false,\"cache\":false}", b);

	/* label_column by name gives the same data as by index, wherever the column is. */
	load_iris("{\"format\":\"csv\",\"train\":\"%s\",\"label_column\":\"species\","
	    "\"val_fraction\":0,\"cache\":false}", a);
	load_iris("{\"format\":\"csv\",\"train\":\"%s\",\"label_column\":\"species\","
	    "\"header\":true,\"cache\":false}", a);
	load_iris("{\"format\":\"csv\",\"train\":\"%s\",\"label_column\":\"species\","
	    "\"cache\":false}", c);
	load_iris("{\"path\":\"%s\",\"cache\":false}", c);

	/* The names as JSON, for the start event and the daemon. */
	ASSERT(asprintf(&json, "{\"format\":\"csv\",\"train\":\"%s\",\"label_column\":4,"
	    "\"cache\":false}", a) > 0);
	ASSERT_EQ_INT(load_ok(&ds, json), 0);
	names = dataset_class_names_json(&ds);
	ASSERT(names != NULL);
	text = cJSON_PrintUnformatted(names);
	ASSERT_EQ_STR(text, "[\"setosa\",\"versicolor\",\"virginica\"]");
	free(text);
	cJSON_Delete(names);
	dataset_close(&ds);
	free(json);

	/* Quoted names: commas and doubled quotes inside. */
	ASSERT(asprintf(&json, "{\"path\":\"%s\",\"val_fraction\":0,\"cache\":false}", d) > 0);
	ASSERT_EQ_INT(load_ok(&ds, json), 0);
	ASSERT_EQ_INT(ds.classes, 2);
	ASSERT_EQ_STR(ds.class_names[0], "b, c");
	ASSERT_EQ_STR(ds.class_names[1], "say \"hi\"");
	ASSERT_EQ_INT(ds.y_train[0], 1);
	ASSERT_EQ_INT(ds.y_train[1], 0);
	ASSERT_EQ_INT(ds.y_train[2], 1);
	dataset_close(&ds);
	free(json);

	/* Integer labels under a header of numbers but for the label's name: no names. */
	ASSERT(asprintf(&json, "{\"path\":\"%s\",\"val_fraction\":0,\"cache\":false}", e) > 0);
	ASSERT_EQ_INT(load_ok(&ds, json), 0);
	ASSERT_EQ_SIZE(ds.n_train, 2);
	ASSERT_EQ_INT(ds.classes, 2);
	ASSERT(ds.class_names == NULL);
	ASSERT(dataset_class_names_json(&ds) == NULL);
	dataset_close(&ds);
	free(json);

	free(a);
	free(b);
	free(c);
	free(d);
	free(e);
}

/* A test file with text labels: numbered as the training file says; an unknown one refused. */
static void
test_text_test_file(void)
{
	char *a = write_csv("iris-train.csv", IRIS_HEAD IRIS_ROWS);
	char *t = write_csv("iris-test.csv", IRIS_HEAD "5,3,1,0,virginica\n6,3,4,1,setosa\n");
	char *u = write_csv("iris-unseen.csv", IRIS_HEAD "5,3,1,0,virginica\n6,3,4,1,virginca\n");
	char *v = write_csv("iris-number.csv", IRIS_HEAD "5,3,1,0,2\n");
	char *w = write_csv("iris-moved.csv", "species,a,b,c,d\nsetosa,1,2,3,4\n");
	char *n = write_csv("int-train.csv", "0,1\n1,2\n");
	char *m = write_csv("text-test.csv", "1,1\nsetosa,1\n");
	char *json;
	struct dataset ds;

	ASSERT(asprintf(&json, "{\"format\":\"csv\",\"train\":\"%s\",\"test\":\"%s\","
	    "\"label_column\":\"species\",\"val_fraction\":0,\"cache\":false}", a, t) > 0);
	ASSERT_EQ_INT(load_ok(&ds, json), 0);
	check_iris(&ds);
	ASSERT_EQ_SIZE(ds.n_test, 2);
	ASSERT_EQ_INT(ds.y_test[0], 2);
	ASSERT_EQ_INT(ds.y_test[1], 0);
	dataset_close(&ds);
	free(json);

	ASSERT(asprintf(&json, "{\"format\":\"csv\",\"train\":\"%s\",\"test\":\"%s\","
	    "\"label_column\":4,\"cache\":false}", a, u) > 0);
	expect_fail(json, u, "line 3: label \"virginca\" is not a class of the training file, "
	    "whose 3 classes are \"setosa\", \"versicolor\", \"virginica\"");
	free(json);
	ASSERT(asprintf(&json, "{\"format\":\"csv\",\"train\":\"%s\",\"test\":\"%s\","
	    "\"label_column\":4,\"cache\":false}", a, v) > 0);
	expect_fail(json, v, "line 2: label \"2\" is not a class of the training file");
	free(json);
	ASSERT(asprintf(&json, "{\"format\":\"csv\",\"train\":\"%s\",\"test\":\"%s\","
	    "\"label_column\":\"species\",\"cache\":false}", a, w) > 0);
	expect_fail(json, w, "line 1: \"species\" (label_column) is column 1, but column 5 in");
	free(json);
	ASSERT(asprintf(&json, "{\"format\":\"csv\",\"train\":\"%s\",\"test\":\"%s\","
	    "\"cache\":false}", n, m) > 0);
	expect_fail(json, m, "line 2: label \"setosa\" is not an integer in [0, 1023] (the "
	    "training file's labels are integers)");
	free(json);
	free(a);
	free(t);
	free(u);
	free(v);
	free(w);
	free(n);
	free(m);
}

/* Text labels that are refused: each names the file, the line and what is wrong. */
static void
test_text_corrupt(void)
{
	char *text, *p, *q, *json;
	size_t i;

	expect_fail_file("mixed-int-first.csv", "y,a\n0,1\n1,2\ncat,3\n",
	    "line 4: label \"cat\" is not an integer in [0, 1023], but the first label (line 2: "
	    "\"0\") is: the labels of a file must be all integers or all class names");
	expect_fail_file("mixed-text-first.csv", "y,a\ncat,1\ndog,2\n3,3\n",
	    "line 4: label \"3\" is a number, but the first label (line 2: \"cat\") is not");
	expect_fail_file("mixed-nan.csv", "cat,1\ndog,2\nnan,3\n",
	    "line 3: label \"nan\" is a number");
	expect_fail_file("empty-label.csv", "y,a\ncat,1\n,2\n", "line 3, column 1: empty label");
	expect_fail_file("empty-quoted.csv", "cat,1\n\"\",2\n", "line 2, column 1: empty label");
	expect_fail_file("one-name.csv", "y,a\ncat,1\ncat,2\n",
	    "needs at least 2 classes, but every label is \"cat\"");
	expect_fail_file("latin1.csv", "y,a\ncat,1\ncaf\xe9,2\n",
	    "line 3: label \"caf\xe9\" is not valid UTF-8");

	/* A name of 256 bytes is the longest. */
	text = malloc(2 * 300 + 64);
	ASSERT(text != NULL);
	sprintf(text, "y,a\ncat,1\n%0256d,2\n", 7);
	p = write_csv("long-ok.csv", text);
	ASSERT(asprintf(&json, "{\"path\":\"%s\",\"cache\":false}", p) > 0);
	{
		struct dataset ds;

		ASSERT_EQ_INT(load_ok(&ds, json), 0);
		ASSERT_EQ_SIZE(strlen(ds.class_names[0]), 256);
		dataset_close(&ds);
	}
	free(json);
	free(p);
	sprintf(text, "y,a\ncat,1\nx%0256d,2\n", 7);
	expect_fail_file("long-name.csv", text, "line 3: label \"x000000000000000000000000000"
	    "000000000000...\" is longer than 256 bytes");
	free(text);

	/* 1,024 classes load, the 1,025th is refused. */
	text = malloc(1025 * 16 + 16);
	ASSERT(text != NULL);
	p = text + sprintf(text, "y,a\n");
	for (i = 0; i < 1025; i++)
		p += sprintf(p, "c%zu,%zu\n", 1025 - i, i);
	q = write_csv("many.csv", text);
	ASSERT(asprintf(&json, "{\"path\":\"%s\",\"cache\":false}", q) > 0);
	expect_fail(json, q, "line 1026: label \"c1\" is class 1025, more than the limit of 1024");
	free(json);
	free(q);
	*strstr(text, "c1,1024\n") = '\0';
	q = write_csv("many-ok.csv", text);
	ASSERT(asprintf(&json, "{\"path\":\"%s\",\"val_fraction\":0,\"cache\":false}", q) > 0);
	{
		struct dataset ds;

		ASSERT_EQ_INT(load_ok(&ds, json), 0);
		ASSERT_EQ_INT(ds.classes, 1024);
		ASSERT_EQ_STR(ds.class_names[0], "c10");	/* strcmp order: c10 < c100 < c2 */
		ASSERT_EQ_STR(ds.class_names[1], "c100");
		ASSERT_EQ_STR(ds.class_names[1023], "c999");
		ASSERT_EQ_STR(ds.class_names[ds.y_train[0]], "c1025");
		dataset_close(&ds);
	}
	free(json);
	free(q);
	free(text);

	/* label_column by name: the header must have it, once. */
	p = write_csv("named.csv", IRIS_HEAD IRIS_ROWS);
	ASSERT(asprintf(&json, "{\"format\":\"csv\",\"train\":\"%s\",\"label_column\":"
	    "\"specie\",\"cache\":false}", p) > 0);
	expect_fail(json, p, "line 1: no column named \"specie\" (label_column) in the header; "
	    "its 5 columns: \"sepal_length\", \"sepal_width\", \"petal_length\", "
	    "\"petal_width\", \"species\"");
	free(json);
	free(p);
	p = write_csv("wide-named.csv", "a,b,c,d,e,f,g,h,i,j\n1,2,3,4,5,6,7,8,9,0\n");
	ASSERT(asprintf(&json, "{\"format\":\"csv\",\"train\":\"%s\",\"label_column\":"
	    "\"y\",\"cache\":false}", p) > 0);
	expect_fail(json, p, "its 10 columns: \"a\", \"b\", \"c\", \"d\", \"e\", \"f\", "
	    "\"g\", \"h\", …");
	free(json);
	free(p);
	p = write_csv("twice.csv", "y,a,y\n1,2,3\n");
	ASSERT(asprintf(&json, "{\"format\":\"csv\",\"train\":\"%s\",\"label_column\":"
	    "\"y\",\"cache\":false}", p) > 0);
	expect_fail(json, p, "line 1: two columns named \"y\" (label_column): 1 and 3");
	free(json);
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
	ASSERT_EQ_INT(csv_open(&c, path, 0, NULL, -1, &cause), 0);
	ASSERT_EQ_INT(c.header, 0);
	ASSERT_EQ_SIZE(c.rows, ROWS);
	ASSERT_EQ_SIZE(c.features, COLS - 1);
	ASSERT_EQ_INT(csv_read(&c, x, y, 0, NULL, &cause), 0);
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
	test_text_labels();
	test_text_test_file();
	test_text_corrupt();
	test_reader_speed();
	tu_rmtree(tmp);
	free(cache);
	free(tmp);
	printf("test_csv: all passed\n");
	return 0;
}
