/*
 * fuzz_spec.c: libFuzzer target for search specs: daemon/spec.c (spec_parse) on any JSON, and,
 * for a spec it accepts, what the daemon then does with it (daemon/box.c, sample.c). Checked:
 * a refusal is a negative error with a message and leaves the spec empty; the normalized spec
 * parses back to itself; every sampled trial is valid for the worker (hparams_parse) and lies
 * inside its distribution; a box reads back from its own JSON; zooming onto sampled trials
 * gives a box that samples valid trials too. Any failure aborts, which libFuzzer reports.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "box.h"
#include "hparams.h"
#include "sample.h"
#include "spec.h"

#define FUZZ_SPEC_SAMPLES 4

/* Report a broken property and abort. */
static void __attribute__((noreturn))
fuzz_spec_fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_spec: %s%s%s\n", what, detail != NULL ? ": " : "",
	    detail != NULL ? detail : "");
	abort();
}

/* A sampled trial must be valid for the worker and inside each parameter's distribution. */
static void
fuzz_spec_check_trial(const struct spec *s, const cJSON *trial)
{
	struct hparams h;
	const cJSON *v;
	char *cause = NULL;
	int i;

	if (!cJSON_IsObject(trial))
		fuzz_spec_fail("a sampled trial is not an object", NULL);
	if (hparams_parse(&h, trial, "params", &cause) != 0)
		fuzz_spec_fail("a sampled trial is refused by the worker", cause);
	for (i = 0; i < s->n_params; i++) {
		const struct dist *d = &s->params[i].d;

		v = cJSON_GetObjectItemCaseSensitive(trial, s->params[i].hp->name);
		if (v == NULL)
			fuzz_spec_fail("a sampled trial lacks a parameter", s->params[i].hp->name);
		if (cJSON_IsNumber(v) && !isnan(d->min) &&
		    !(v->valuedouble >= d->min && v->valuedouble <= d->max))
			fuzz_spec_fail("a sampled value is outside its distribution",
			    s->params[i].hp->name);
	}
}

/*
 * A zoomed box lies inside the box before; a continuous range is at most zoom times as wide
 * and keeps the best trial (its r-space point is box_r's, so its bounds are compared within
 * a rounding margin).
 */
static void
fuzz_spec_check_zoom(const struct spec *s, const struct box *prev, const struct box *next,
    double zoom)
{
	double eps, pw;
	int i;

	for (i = 0; i < s->n_params; i++) {
		const struct box_dim *a = &prev->dim[i], *b = &next->dim[i];
		enum dist_kind kind = s->params[i].d.kind;

		if (kind == DIST_FIXED || kind == DIST_VALUES)
			continue;
		pw = a->hi - a->lo;
		eps = 1e-9 * (fabs(a->lo) + fabs(a->hi) + 1);
		if (!(b->lo >= a->lo - eps && b->lo <= b->hi && b->hi <= a->hi + eps))
			fuzz_spec_fail("a zoomed range is not inside the one before",
			    s->params[i].hp->name);
		if (kind != DIST_INT && kind != DIST_POW2 && b->hi - b->lo > zoom * pw + eps)
			fuzz_spec_fail("a zoomed range is wider than zoom allows",
			    s->params[i].hp->name);
	}
}

/* Sample a box, check the trials, and zoom onto them: coarse to fine for three rounds. */
static void
fuzz_spec_boxes(const struct spec *s)
{
	cJSON *best[FUZZ_SPEC_SAMPLES], *json, *t;
	struct box b, back, next;
	double zoom = s->zoom > 0 ? s->zoom : 0.5;
	char *cause = NULL;
	int i, round;

	box_initial(&b, s);
	for (i = 0; i < FUZZ_SPEC_SAMPLES; i++) {
		t = box_sample(s, &b, (uint64_t)i);	/* the whole box: round 1 */
		fuzz_spec_check_trial(s, t);
		cJSON_Delete(t);
	}
	for (round = 1; round <= 3; round++) {
		for (i = 0; i < FUZZ_SPEC_SAMPLES; i++) {
			best[i] = box_sample(s, &b, (uint64_t)(round * 100 + i));
			fuzz_spec_check_trial(s, best[i]);
		}
		free(box_describe(s, &b));
		json = box_to_json(s, &b);
		if (box_from_json(&back, s, json, &cause) != 0)
			fuzz_spec_fail("a box does not read back from its own JSON", cause);
		box_free(&back);
		cJSON_Delete(json);
		if (box_zoom(&next, &b, s, best, FUZZ_SPEC_SAMPLES, zoom, &cause) != 0)
			fuzz_spec_fail("zooming onto sampled trials failed", cause);
		fuzz_spec_check_zoom(s, &b, &next, zoom);
		for (i = 0; i < FUZZ_SPEC_SAMPLES; i++)
			cJSON_Delete(best[i]);
		box_free(&b);
		b = next;
	}
	box_free(&b);
}

/* One input: a JSON spec; the last byte also picks the default parallelism (the cores). */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spec s, again;
	char *cause = NULL, *text, *text2;
	int cores = size > 0 ? data[size - 1] % 8 - 1 : 2, rc;
	cJSON *json, *back;

	if ((json = cJSON_ParseWithLength((const char *)data, size)) == NULL)
		return 0;
	rc = spec_parse(&s, json, cores, &cause);
	cJSON_Delete(json);
	if (rc != 0) {
		if (rc > 0 || cause == NULL || cause[0] == '\0')
			fuzz_spec_fail("a refusal without a negative error and a message", cause);
		if (s.name != NULL || s.json != NULL || s.dataset != NULL || s.n_params != 0)
			fuzz_spec_fail("a refused spec is not left empty", cause);
		free(cause);
		spec_free(&s);
		return 0;
	}

	/* The normalized spec (what the store keeps) parses back to the same spec. */
	text = cJSON_PrintUnformatted(s.json);
	if (text == NULL || (back = cJSON_Parse(text)) == NULL)
		fuzz_spec_fail("the normalized spec is not JSON", text);
	if (spec_parse(&again, back, cores, &cause) != 0)
		fuzz_spec_fail("the normalized spec is refused", cause);
	cJSON_Delete(back);
	text2 = cJSON_PrintUnformatted(again.json);
	if (text2 == NULL || strcmp(text, text2) != 0) {
		fprintf(stderr, "first:  %s\nsecond: %s\n", text, text2);
		fuzz_spec_fail("the normalized spec does not parse back to itself", NULL);
	}
	free(text);
	free(text2);
	spec_free(&again);

	fuzz_spec_boxes(&s);
	spec_free(&s);
	return 0;
}
