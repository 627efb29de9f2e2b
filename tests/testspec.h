/* testspec.h: parse a search spec that a test expects to be accepted (header-only). */
#ifndef TUNA_TESTSPEC_H
#define TUNA_TESTSPEC_H

#include <stdio.h>
#include <stdlib.h>

#include <cJSON.h>

#include "spec.h"
#include "testutil.h"

/* Parse a spec that must be accepted; print the message and abort if it is not. */
static inline void
parse(struct spec *s, const char *text)
{
	cJSON *json = cJSON_Parse(text);
	char *cause = NULL;
	int err;

	ASSERT(json != NULL);
	if ((err = spec_parse(s, json, 1, &cause)) != 0)
		fprintf(stderr, "%s: %s\n", text, cause);
	ASSERT_EQ_INT(err, 0);
	cJSON_Delete(json);
}

#endif
