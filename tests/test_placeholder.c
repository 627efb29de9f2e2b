/*
 * test_placeholder.c: unit tests of a trainer's command with placeholders (common/placeholder.c):
 * numbers in their shortest form, expansion, {args}, braces, and the submit-time check.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "placeholder.h"
#include "testutil.h"

/* placeholder_number(v) must print want, and read back as v. */
static void
number(double v, const char *want)
{
	char buf[PLACEHOLDER_NUMBER_MAX];

	placeholder_number(v, buf);
	ASSERT_EQ_STR(buf, want);
	ASSERT(strtod(buf, NULL) == v);
}

/* Numbers: integers as integers, others in the shortest form that round-trips. */
static void
test_numbers(void)
{
	number(64, "64");
	number(-3, "-3");
	number(0, "0");
	number(1e15, "1000000000000000");
	number(9007199254740992.0, "9007199254740992");
	number(1e20, "1e+20");			/* past 2^53: not printed as an integer */
	number(0.01, "0.01");
	number(0.1, "0.1");
	number(1e-5, "1e-05");
	number(3e-4, "0.0003");
	number(0.3, "0.3");
	number(2.5, "2.5");
	number(1.0 / 3, "0.3333333333333333");	/* 16 digits */
	number(0.1 + 0.2, "0.30000000000000004");	/* 17 */
	number(DBL_MAX, "1.7976931348623157e+308");
	number(5e-324, "4.94065645841247e-324");
	printf("ok: numbers\n");
}

/* The params as JSON: numbers exact, as on the command line; the rest as cJSON writes it. */
static void
test_json(void)
{
	cJSON *p = cJSON_Parse("{\"wd\": 0.30000000000000004, \"lr\": 1e-05, \"n\": 64, "
	    "\"big\": 1e20, \"bn\": true, \"opt\": \"a\\\"b\"}");
	char *s;

	ASSERT(p != NULL);
	s = placeholder_json(p, false);
	ASSERT_EQ_STR(s, "{\"wd\":0.30000000000000004,\"lr\":1e-05,\"n\":64,\"big\":1e+20,"
	    "\"bn\":true,\"opt\":\"a\\\"b\"}");
	free(s);
	s = placeholder_json(p, true);
	ASSERT_STR_CONTAINS(s, "\"wd\":\t0.30000000000000004,\n");
	free(s);
	cJSON_Delete(p);
	s = placeholder_json(NULL, false);
	ASSERT_EQ_STR(s, "{}");
	free(s);
	printf("ok: json\n");
}

/* Expand a command (JSON) with params (JSON): the argv (JSON) or the error's text. */
static char *
expand(const char *command, const char *params)
{
	cJSON *c = cJSON_Parse(command), *p = params != NULL ? cJSON_Parse(params) : NULL, *argv;
	char *cause = NULL, *out, *s;

	ASSERT(c != NULL && (params == NULL || p != NULL));
	if (placeholder_expand(c, p, "trainer.command", &argv, &cause) != 0) {
		out = cause;
	} else {
		s = cJSON_PrintUnformatted(argv);
		out = strdup(s);
		cJSON_free(s);
		cJSON_Delete(argv);
	}
	cJSON_Delete(c);
	cJSON_Delete(p);
	return out;
}

/* expand(command, params) must give want. */
static void
expands(const char *command, const char *params, const char *want)
{
	char *got = expand(command, params);

	ASSERT_EQ_STR(got, want);
	free(got);
}

/* Expansion: values of each type, {args} in the params' order, braces. */
static void
test_expand(void)
{
	const char *params = "{\"lr\": 0.001, \"layers\": 2, \"bn\": true, \"opt\": \"adam\", "
	    "\"wd\": 1e-5, \"dropout\": 0.1, \"mom\": false}";

	expands("[\"python3\", \"train.py\", \"--lr\", \"{lr}\", \"--layers={layers}\", "
	    "\"{bn}\", \"{opt}\", \"{wd}\"]", params,
	    "[\"python3\",\"train.py\",\"--lr\",\"0.001\",\"--layers=2\",\"true\",\"adam\","
	    "\"1e-05\"]");
	expands("[\"t\", \"{args}\", \"--end\"]", params,
	    "[\"t\",\"--lr=0.001\",\"--layers=2\",\"--bn=true\",\"--opt=adam\","
	    "\"--wd=1e-05\",\"--dropout=0.1\",\"--mom=false\",\"--end\"]");
	expands("[\"t\", \"{args}\"]", "{}", "[\"t\"]");
	expands("[\"t\", \"{args}\"]", NULL, "[\"t\"]");
	expands("[\"t\"]", params, "[\"t\"]");
	expands("[\"t\", \"{{lr}}\", \"{{{lr}}}\", \"a}}b{{c\", \"{lr}{layers}\", \"\"]", params,
	    "[\"t\",\"{lr}\",\"{0.001}\",\"a}b{c\",\"0.0012\",\"\"]");
	expands("[\"t\", \"{opt}\"]", "{\"opt\": \"a b; rm -rf /\"}", "[\"t\",\"a b; rm -rf /\"]");
	expands("[\"t\", \"--x={x}\"]", "{\"x\": \"{y}\"}", "[\"t\",\"--x={y}\"]");	/* once */
	printf("ok: expand\n");
}

/* expand(command, params) must fail with a message containing want. */
static void
refused(const char *command, const char *params, const char *want)
{
	char *got = expand(command, params);

	ASSERT_STR_CONTAINS(got, want);
	printf("ok: %s\n", got);
	free(got);
}

/* Errors name the element and what is wrong. */
static void
test_errors(void)
{
	const char *params = "{\"lr\": 0.01, \"layers\": 2}";

	refused("[\"t\", \"a\", \"b\", \"{lrr}\"]", params,
	    "trainer.command[3]: {lrr}: no such parameter (parameters: lr, layers)");
	refused("[\"t\", \"{lr\"]", params, "trainer.command[1]: \"{lr\": a { without its }");
	refused("[\"t\", \"lr}\"]", params, "trainer.command[1]: \"lr}\": a lone }");
	refused("[\"t\", \"{}\"]", params, "trainer.command[1]: \"{}\": {} names no parameter");
	refused("[\"t\", \"{a{lr}\"]", params, "trainer.command[1]: \"{a{lr}\": a { without its }");
	refused("[\"t\", \"--{args}\"]", params, "trainer.command[1]: \"--{args}\": {args} must "
	    "be an element by itself");
	refused("[\"{python}\", \"x\"]", params, "trainer.command[0]: \"{python}\": the program "
	    "must be named as it is");
	refused("[\"\"]", params, "trainer.command[0]");
	refused("[]", params, "trainer.command: must be a non-empty array of strings");
	refused("\"python3 train.py\"", params, "trainer.command: must be a non-empty array");
	refused("[\"t\", 3]", params, "trainer.command[1]: must be a string");
	refused("[\"t\", \"{x}\"]", "{\"x\": [1]}", "trainer.command[1]: {x}: the value is not");
	refused("[\"t\", \"{args}\"]", "{\"x\": null}", "trainer.command[1]: {args}: x: the value");
	refused("[\"t\", \"{x}\"]", "{}", "{x}: no such parameter (parameters: none)");
}

/* check(command, names): 0, or the error's text in *msg. */
static int
check(const char *command, const char *const *names, char **msg)
{
	cJSON *c = cJSON_Parse(command);
	int rc;

	ASSERT(c != NULL);
	*msg = NULL;
	rc = placeholder_check(c, names, "trainer.command", msg);
	cJSON_Delete(c);
	return rc;
}

/* The submit-time check: names without values; NULL names: the syntax only. */
static void
test_check(void)
{
	static const char *const names[] = { "lr", "layers", NULL };
	static const char *const none[] = { NULL };
	char *msg;

	ASSERT_EQ_INT(check("[\"t\", \"--lr={lr}\", \"{args}\", \"{{x}}\"]", names, &msg), 0);
	ASSERT_EQ_INT(check("[\"t\", \"{args}\"]", none, &msg), 0);
	ASSERT(check("[\"t\", \"a\", \"b\", \"{lrr}\"]", names, &msg) < 0);
	ASSERT_EQ_STR(msg, "trainer.command[3]: {lrr}: no such parameter (parameters: lr, layers)");
	free(msg);
	ASSERT(check("[\"t\", \"{lr}\"]", none, &msg) < 0);
	ASSERT_EQ_STR(msg, "trainer.command[1]: {lr}: no such parameter (parameters: none)");
	free(msg);
	ASSERT_EQ_INT(check("[\"t\", \"{anything}\"]", NULL, &msg), 0);
	ASSERT(check("[\"t\", \"{anything\"]", NULL, &msg) < 0);
	ASSERT_STR_CONTAINS(msg, "a { without its }");
	free(msg);
	ASSERT(check("[\"{t}\"]", NULL, &msg) < 0);
	free(msg);
	printf("ok: check\n");
}

int
main(void)
{
	cJSON_Hooks hooks = { malloc, free };

	cJSON_InitHooks(&hooks);
	test_numbers();
	test_json();
	test_expand();
	test_errors();
	test_check();
	return 0;
}
