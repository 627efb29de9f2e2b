/*
 * fuzz_loader.c: libFuzzer target for the data set loaders of tuna-worker (worker/idx.c, csv.c,
 * through dataset_open as a trial's "dataset" setting reaches them, without the cache).
 *
 * An input is [flags][n: 2 bytes, big-endian][A: n bytes][B: the rest]; the files live in
 * memfds opened by path (/proc/self/fd/N), so nothing touches the disk. flags & 3 picks:
 *   0  IDX: A = train images, B = train labels, written as given (gzip data is read as gzip)
 *   1  IDX: the same, gzip-compressed here (so mutations reach the decoder's checks)
 *   2  CSV: A = train (B ignored)
 *   3  CSV: A = train, B = test
 * flags & 4: IDX: A and B are also the test set; flags >> 3 & 3: CSV header auto, no, yes,
 * or the label column by name, "label" (header auto); flags >> 5 & 3: label column (by index);
 * flags & 0x80: val_fraction 0.5 instead of 0.1.
 * A refusal must be a negative error with a message; a data set that loads must be consistent,
 * every row of every split readable (ASan checks the bounds) and every value finite once
 * normalized. Any failure aborts.
 */
#include <sys/mman.h>

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "dataset.h"
#include "source.h"

#define FUZZ_LOADER_MAX_INPUT (1 << 20)

static int fuzz_loader_fd[2] = { -1, -1 };
static char fuzz_loader_label[] = "label";
static char fuzz_loader_path[2][64];

/* Report a broken property and abort. */
static void __attribute__((noreturn))
fuzz_loader_fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_loader: %s%s%s\n", what, detail != NULL ? ": " : "",
	    detail != NULL ? detail : "");
	abort();
}

/* Replace the contents of memfd i with n bytes, gzip-compressed when gz is set. */
static void
fuzz_loader_write(int i, const uint8_t *p, size_t n, int gz)
{
	unsigned char *out = NULL;
	z_stream z;
	size_t len = n;

	if (gz) {
		memset(&z, 0, sizeof z);
		if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
			fuzz_loader_fail("deflateInit2", NULL);
		len = deflateBound(&z, (uLong)n) + 32;
		out = malloc(len);
		z.next_in = (Bytef *)(uintptr_t)p;
		z.avail_in = (uInt)n;
		z.next_out = out;
		z.avail_out = (uInt)len;
		if (out == NULL || deflate(&z, Z_FINISH) != Z_STREAM_END)
			fuzz_loader_fail("deflate", NULL);
		len = z.total_out;
		deflateEnd(&z);
		p = out;
	}
	if (ftruncate(fuzz_loader_fd[i], 0) != 0 ||
	    (len > 0 && pwrite(fuzz_loader_fd[i], p, len, 0) != (ssize_t)len))
		fuzz_loader_fail("cannot write the memfd", strerror(errno));
	free(out);
}

/* Check a loaded data set and read every row of every split. */
static void
fuzz_loader_check(const struct dataset *ds)
{
	uint32_t rows[64];
	uint16_t y[64];
	float *x;
	size_t n[3] = { ds->n_train, ds->n_val, ds->n_test }, i, k, m;
	int split;

	if (ds->n_train == 0 || ds->features == 0 || ds->classes < 2 ||
	    ds->classes > DATASET_MAX_CLASSES || ds->scale == NULL || ds->shift == NULL ||
	    (ds->n_test > 0) != (ds->x_test != NULL))
		fuzz_loader_fail("an inconsistent data set was loaded", NULL);
	x = malloc(64 * ds->features * sizeof *x);
	if (x == NULL)
		fuzz_loader_fail("out of memory", NULL);
	for (split = SPLIT_TRAIN; split <= SPLIT_TEST; split++) {
		for (i = 0; i < n[split]; i += m) {
			m = n[split] - i < 64 ? n[split] - i : 64;
			for (k = 0; k < m; k++)
				rows[k] = (uint32_t)(i + k);
			dataset_batch(x, y, ds, (enum dataset_split)split, rows, m);
			for (k = 0; k < m; k++) {
				if (y[k] >= ds->classes)
					fuzz_loader_fail("a label is not below classes", NULL);
			}
			for (k = 0; k < m * ds->features; k++) {
				if (!isfinite(x[k]))
					fuzz_loader_fail("a normalized value is not finite", NULL);
			}
		}
	}
	free(x);
}

/* Set up the two memfds once. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int i;

	(void)argc;
	(void)argv;
	for (i = 0; i < 2; i++) {
		if ((fuzz_loader_fd[i] = memfd_create(i ? "fuzz-b" : "fuzz-a", MFD_CLOEXEC)) < 0)
			fuzz_loader_fail("memfd_create", strerror(errno));
		snprintf(fuzz_loader_path[i], sizeof fuzz_loader_path[i], "/proc/self/fd/%d",
		    fuzz_loader_fd[i]);
	}
	return 0;
}

/* One input: flags, the length of file A, file A, file B (see the top of this file). */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dataset_source src;
	struct dataset ds;
	char *cause = NULL;
	size_t na;
	int flags, kind, rc;

	if (size < 3 || size > FUZZ_LOADER_MAX_INPUT)
		return -1;
	flags = data[0];
	kind = flags & 3;
	na = (size_t)data[1] << 8 | data[2];
	data += 3;
	size -= 3;
	if (na > size)
		na = size;
	fuzz_loader_write(0, data, na, kind == 1);
	fuzz_loader_write(1, data + na, size - na, kind == 1);

	memset(&src, 0, sizeof src);
	src.val_fraction = flags & 0x80 ? 0.5 : 0.1;
	src.cache_dir = NULL;	/* private memory: every input is decoded */
	if (kind < 2) {
		src.format = DATASET_IDX;
		src.train_images = fuzz_loader_path[0];
		src.train_labels = fuzz_loader_path[1];
		if (flags & 4) {
			src.test_images = fuzz_loader_path[0];
			src.test_labels = fuzz_loader_path[1];
		}
	} else {
		src.format = DATASET_CSV;
		src.train_csv = fuzz_loader_path[0];
		src.test_csv = kind == 3 ? fuzz_loader_path[1] : NULL;
		src.header = (int[]){ -1, 0, 1, -1 }[flags >> 3 & 3];
		src.label_column = flags >> 5 & 3;
		if ((flags >> 3 & 3) == 3)
			src.label_name = fuzz_loader_label;
	}

	rc = dataset_open(&ds, &src, &cause);
	if (rc != 0) {
		if (rc > 0 || cause == NULL || cause[0] == '\0')
			fuzz_loader_fail("a refusal without a negative error and a message", cause);
		free(cause);
		dataset_close(&ds);
		return 0;
	}
	fuzz_loader_check(&ds);
	dataset_close(&ds);
	return 0;
}
