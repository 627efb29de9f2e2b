/*
 * placeholder.c: a user trainer's command with the trial's hyperparameters put in.
 *
 * The command is a JSON array of strings, argv as the program will get it (no shell). In each
 * element but the first:
 *   {name}   the value of parameter name: true or false; a string as it is; a number that is
 *            an integer of at most 2^53 in magnitude as one ("64"), any other in the shortest
 *            of %.15g, %.16g, %.17g that reads back (strtod) as the same double ("0.01");
 *   {{  }}   a literal brace; a "{" without its "}", a lone "}", "{}", or a name that is not a
 *            parameter is an error naming the element: "trainer.command[3]: {lrr}: no such
 *            parameter (parameters: lr, layers)";
 * and an element that is exactly "{args}" becomes one element "--name=value" per parameter, in
 * the order of the params object ("{args}" inside a longer element is an error). The first
 * element, the program, is taken as it is and may hold no brace at all: it is resolved (and
 * checked at submit) before any trial has values.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "placeholder.h"
#include "xmalloc.h"

/* A growing string. */
struct placeholder_buf {
	char *s;
	size_t len, cap;
};

/* Append n bytes to b. */
static void
placeholder_put(struct placeholder_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xreallocarray(b->s, b->cap, 1);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* A number as a command-line value: an integer when it is one, else the shortest round trip. */
void
placeholder_number(double v, char buf[PLACEHOLDER_NUMBER_MAX])
{
	int prec;

	if (v == floor(v) && fabs(v) <= 9007199254740992.0) {
		snprintf(buf, PLACEHOLDER_NUMBER_MAX, "%lld", (long long)v);
		return;
	}
	for (prec = 15; prec <= 17; prec++) {
		snprintf(buf, PLACEHOLDER_NUMBER_MAX, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

/* A parameter's value as text (caller frees): a number, true/false or a string; else NULL. */
char *
placeholder_value(const cJSON *v)
{
	char num[PLACEHOLDER_NUMBER_MAX];

	if (cJSON_IsNumber(v)) {
		placeholder_number(v->valuedouble, num);
		return xstrdup(num);
	}
	if (cJSON_IsBool(v))
		return xstrdup(cJSON_IsTrue(v) ? "true" : "false");
	if (cJSON_IsString(v))
		return xstrdup(v->valuestring);
	return NULL;
}

/*
 * The params object as JSON text (caller frees), its numbers written as on a command line —
 * exactly: cJSON's own printer rounds some (0.30000000000000004 to 0.3).
 */
char *
placeholder_json(const cJSON *params, bool formatted)
{
	char num[PLACEHOLDER_NUMBER_MAX], *text, *out;
	cJSON *copy = cJSON_CreateObject();
	const cJSON *p;

	for (p = params != NULL ? params->child : NULL; p != NULL; p = p->next) {
		if (cJSON_IsNumber(p) && isfinite(p->valuedouble)) {
			placeholder_number(p->valuedouble, num);
			cJSON_AddItemToObject(copy, p->string, cJSON_CreateRaw(num));
		} else
			cJSON_AddItemToObject(copy, p->string, cJSON_Duplicate(p, 1));
	}
	text = formatted ? cJSON_Print(copy) : cJSON_PrintUnformatted(copy);
	out = xstrdup(text);
	cJSON_free(text);
	cJSON_Delete(copy);
	return out;
}

/* The parameter names, for a message: "lr, layers" (caller frees). */
static char *
placeholder_names(const cJSON *params, const char *const *names)
{
	struct placeholder_buf b = { NULL, 0, 0 };
	const cJSON *p;

	placeholder_put(&b, "", 0);
	for (p = params != NULL ? params->child : NULL; p != NULL; p = p->next) {
		if (b.len > 0)
			placeholder_put(&b, ", ", 2);
		placeholder_put(&b, p->string, strlen(p->string));
	}
	for (; params == NULL && names != NULL && *names != NULL; names++) {
		if (b.len > 0)
			placeholder_put(&b, ", ", 2);
		placeholder_put(&b, *names, strlen(*names));
	}
	if (b.len == 0)
		placeholder_put(&b, "none", 4);
	return b.s;
}

/* Whether a parameter is named name: in params when given, else in names (NULL: any). */
static const cJSON *
placeholder_find(const char *name, const cJSON *params, const char *const *names, bool *found)
{
	*found = true;
	if (params != NULL) {
		*found = cJSON_GetObjectItemCaseSensitive(params, name) != NULL;
		return cJSON_GetObjectItemCaseSensitive(params, name);
	}
	for (; names != NULL && *names != NULL; names++) {
		if (strcmp(*names, name) == 0)
			return NULL;
	}
	*found = names == NULL;
	return NULL;
}

#define PLACEHOLDER_NOT_VALUE "the value is not a number, true, false or a string"

/* An error about element i, text s, of the command at jpath. */
static int
placeholder_bad(char **cause, const char *jpath, int i, const char *s, const char *what)
{
	return xcause(cause, -EINVAL, "%s[%d]: \"%s\": %s", jpath, i, s, what);
}

/*
 * Check (params NULL: against names, NULL for any name) or expand (with params, into *out)
 * element i of a command, text s; errors name "JPATH[i]".
 */
static int
placeholder_element(const char *s, int i, const char *jpath, const cJSON *params,
    const char *const *names, char **out, char **cause)
{
	struct placeholder_buf b = { NULL, 0, 0 };
	const char *p = s, *end;
	char *name = NULL, *val, *list;
	const cJSON *v;
	bool found;
	int rc = 0;

	placeholder_put(&b, "", 0);
	while (*p != '\0') {
		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
			placeholder_put(&b, p, 1);
			p += 2;
			continue;
		}
		if (*p == '}') {
			rc = placeholder_bad(cause, jpath, i, s, "a lone } (write }} for a brace)");
			goto fail;
		}
		if (*p != '{') {
			end = p + strcspn(p, "{}");
			placeholder_put(&b, p, (size_t)(end - p));
			p = end;
			continue;
		}
		end = p + 1 + strcspn(p + 1, "{}");
		if (*end != '}') {
			rc = placeholder_bad(cause, jpath, i, s,
			    "a { without its } (write {{ for a brace)");
			goto fail;
		}
		name = xasprintf("%.*s", (int)(end - p - 1), p + 1);
		if (*name == '\0') {
			rc = placeholder_bad(cause, jpath, i, s, "{} names no parameter");
			goto fail;
		}
		if (strcmp(name, "args") == 0) {
			rc = placeholder_bad(cause, jpath, i, s, PLACEHOLDER_ARGS " must be an "
			    "element by itself");
			goto fail;
		}
		v = placeholder_find(name, params, names, &found);
		if (!found) {
			list = placeholder_names(params, names);
			rc = xcause(cause, -EINVAL, "%s[%d]: {%s}: no such parameter "
			    "(parameters: %s)", jpath, i, name, list);
			free(list);
			goto fail;
		}
		if (params != NULL) {
			if ((val = placeholder_value(v)) == NULL) {
				rc = xcause(cause, -EINVAL, "%s[%d]: {%s}: %s", jpath, i, name,
				    PLACEHOLDER_NOT_VALUE);
				goto fail;
			}
			placeholder_put(&b, val, strlen(val));
			free(val);
		}
		free(name);
		name = NULL;
		p = end + 1;
	}
	if (out != NULL) {
		*out = b.s;
		b.s = NULL;
	}
fail:
	free(name);
	free(b.s);
	return rc;
}

/*
 * Check or expand a command (see placeholder_element); with params, *argv gets the expanded
 * array (caller deletes). jpath names the command in errors ("trainer.command").
 */
static int
placeholder_walk(const cJSON *command, const cJSON *params, const char *const *names,
    const char *jpath, cJSON **argv, char **cause)
{
	const cJSON *e, *p;
	cJSON *out = params != NULL ? cJSON_CreateArray() : NULL;
	char *text, *val;
	int i = 0, rc = 0;

	if (!cJSON_IsArray(command) || command->child == NULL) {
		rc = xcause(cause, -EINVAL, "%s: must be a non-empty array of strings", jpath);
		goto fail;
	}
	for (e = command->child; e != NULL; e = e->next, i++) {
		if (!cJSON_IsString(e)) {
			rc = xcause(cause, -EINVAL, "%s[%d]: must be a string", jpath, i);
			goto fail;
		}
		if (i == 0 && e->valuestring[0] == '\0') {
			rc = xcause(cause, -EINVAL, "%s[0]: the program's name is empty", jpath);
			goto fail;
		}
		if (i == 0 && strpbrk(e->valuestring, "{}") != NULL) {
			rc = placeholder_bad(cause, jpath, 0, e->valuestring, "the program must be "
			    "named as it is, without placeholders or braces");
			goto fail;
		}
		if (i > 0 && strcmp(e->valuestring, PLACEHOLDER_ARGS) == 0) {
			for (p = params != NULL ? params->child : NULL; p != NULL; p = p->next) {
				if ((val = placeholder_value(p)) == NULL) {
					rc = xcause(cause, -EINVAL, "%s[%d]: %s: %s: %s", jpath,
					    i, PLACEHOLDER_ARGS, p->string, PLACEHOLDER_NOT_VALUE);
					goto fail;
				}
				cJSON_AddItemToArray(out, cJSON_CreateString(text =
				    xasprintf("--%s=%s", p->string, val)));
				free(text);
				free(val);
			}
			continue;
		}
		if (i == 0) {
			if (out != NULL)
				cJSON_AddItemToArray(out, cJSON_CreateString(e->valuestring));
			continue;
		}
		text = NULL;
		if ((rc = placeholder_element(e->valuestring, i, jpath, params, names,
		    out != NULL ? &text : NULL, cause)) != 0)
			goto fail;
		if (out != NULL)
			cJSON_AddItemToArray(out, cJSON_CreateString(text));
		free(text);
	}
	if (argv != NULL) {
		*argv = out;
		out = NULL;
	}
fail:
	cJSON_Delete(out);
	return rc;
}

/*
 * Check a command before any trial: its shape, its braces, and that every placeholder names
 * one of names (a NULL-terminated list; names NULL: the syntax only). jpath names the command.
 */
int
placeholder_check(const cJSON *command, const char *const *names, const char *jpath,
    char **cause)
{
	return placeholder_walk(command, NULL, names, jpath, NULL, cause);
}

/* Expand a command with a trial's params (an object; NULL: none) into *argv (strings). */
int
placeholder_expand(const cJSON *command, const cJSON *params, const char *jpath,
    cJSON **argv, char **cause)
{
	cJSON *empty = params == NULL ? cJSON_CreateObject() : NULL;
	int rc;

	if (params != NULL && !cJSON_IsObject(params))
		return xcause(cause, -EINVAL, "params: must be an object");
	rc = placeholder_walk(command, params != NULL ? params : empty, NULL, jpath, argv, cause);
	cJSON_Delete(empty);
	return rc;
}
