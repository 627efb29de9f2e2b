/* fixture.h: read the PyTorch reference fixtures (tests/fixture/README.md describes them). */
#ifndef TUNA_TEST_FIXTURE_H
#define TUNA_TEST_FIXTURE_H

#include <stddef.h>

struct fixture_array {
	char name[64];
	unsigned ndims, dims[4];
	size_t n;
	float *v;
};

struct fixture {
	unsigned count;
	struct fixture_array *a;
};

int fixture_load(struct fixture *fx, const char *path);
const struct fixture_array *fixture_get(const struct fixture *fx, const char *name);
void fixture_free(struct fixture *fx);

#endif
