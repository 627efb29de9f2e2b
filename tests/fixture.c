/* fixture.c: a reader for the TUNAFIX1 format written by tests/fixture/make_fixture.py. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "xmalloc.h"

/* Read a little-endian uint32. */
static int
fixture_u32(FILE *f, unsigned *out)
{
	unsigned char b[4];

	if (fread(b, 1, 4, f) != 4)
		return -1;
	*out = (unsigned)b[0] | (unsigned)b[1] << 8 | (unsigned)b[2] << 16 |
	    (unsigned)b[3] << 24;
	return 0;
}

/* Load a fixture file; returns 0, or -1 after printing what is wrong. */
int
fixture_load(struct fixture *fx, const char *path)
{
	FILE *f = fopen(path, "rb");
	char magic[8];
	unsigned i, d, len;

	memset(fx, 0, sizeof *fx);
	if (f == NULL || fread(magic, 1, 8, f) != 8 || memcmp(magic, "TUNAFIX1", 8) != 0 ||
	    fixture_u32(f, &fx->count) != 0 || fx->count > 1000)
		goto fail;
	fx->a = xcalloc(fx->count, sizeof *fx->a);
	for (i = 0; i < fx->count; i++) {
		struct fixture_array *a = &fx->a[i];

		if (fixture_u32(f, &len) != 0 || len >= sizeof a->name ||
		    fread(a->name, 1, len, f) != len || fixture_u32(f, &a->ndims) != 0 ||
		    a->ndims > 4)
			goto fail;
		a->n = 1;
		for (d = 0; d < a->ndims; d++) {
			if (fixture_u32(f, &a->dims[d]) != 0)
				goto fail;
			a->n *= a->dims[d];
		}
		a->v = xcalloc(a->n, sizeof(float));
		if (fread(a->v, sizeof(float), a->n, f) != a->n)
			goto fail;
	}
	fclose(f);
	return 0;
fail:
	fprintf(stderr, "fixture: %s: cannot read (missing or corrupt)\n", path);
	if (f != NULL)
		fclose(f);
	fixture_free(fx);
	return -1;
}

/* The array called name; aborts the test if there is none. */
const struct fixture_array *
fixture_get(const struct fixture *fx, const char *name)
{
	unsigned i;

	for (i = 0; i < fx->count; i++) {
		if (strcmp(fx->a[i].name, name) == 0)
			return &fx->a[i];
	}
	fprintf(stderr, "fixture: no array \"%s\"\n", name);
	abort();
}

/* Free a fixture. */
void
fixture_free(struct fixture *fx)
{
	unsigned i;

	for (i = 0; i < fx->count && fx->a != NULL; i++)
		free(fx->a[i].v);
	free(fx->a);
	memset(fx, 0, sizeof *fx);
}
