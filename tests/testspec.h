/*
 * testspec.h: parse a search spec that a test expects to be accepted, and draw a trial from its
 * whole box (header-only).
 */
#ifndef TUNA_TESTSPEC_H
#define TUNA_TESTSPEC_H

#include <stdio.h>
#include <stdlib.h>

#include <cJSON.h>

#include "box.h"
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

/*
 * The hyperparameters of trial n drawn from the spec's whole box, as round 1 of any search
 * draws them: they depend only on (s->seed, n).
 */
static inline cJSON *
sample_trial(const struct spec *s, uint64_t n)
{
	struct box b;
	cJSON *o;

	box_initial(&b, s);
	o = box_sample(s, &b, n);
	box_free(&b);
	return o;
}

#endif
