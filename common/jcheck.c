/*
 * jcheck.c: checking JSON input (jcheck.h). A JSON path is "" or NULL at the top level, else
 * the object's path ("limits", "dataset"); errors say "PATH.KEY: what is wrong".
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "jcheck.h"
#include "xmalloc.h"

/* Whether name is in a NULL-terminated list. */
bool
jcheck_in_list(const char *const *names, const char *name)
{
	for (; names != NULL && *names != NULL; names++) {
		if (name != NULL && strcmp(*names, name) == 0)
			return true;
	}
	return false;
}

/* The separator between a path and a key: none at the top level. */
static const char *
jcheck_sep(const char **jpath)
{
	if (*jpath == NULL || **jpath == '\0') {
		*jpath = "";
		return "";
	}
	return ".";
}

/* Refuse a key given twice in an object. */
int
jcheck_unique(const cJSON *obj, const char *jpath, char **cause)
{
	const char *sep = jcheck_sep(&jpath);
	const cJSON *c, *d;

	for (c = obj != NULL ? obj->child : NULL; c != NULL; c = c->next) {
		for (d = obj->child; d != c; d = d->next) {
			if (strcmp(d->string, c->string) == 0)
				return xcause(cause, -EINVAL, "%s%s%s: duplicate key", jpath, sep,
				    c->string);
		}
	}
	return 0;
}

/* Refuse a key not in allowed (a NULL-terminated list; NULL: any key). */
int
jcheck_known(const cJSON *obj, const char *const *allowed, const char *jpath, char **cause)
{
	const char *sep = jcheck_sep(&jpath);
	const cJSON *c;

	for (c = obj != NULL && allowed != NULL ? obj->child : NULL; c != NULL; c = c->next) {
		if (!jcheck_in_list(allowed, c->string))
			return xcause(cause, -EINVAL, "%s%s%s: unknown key", jpath, sep, c->string);
	}
	return 0;
}

/* Refuse a key given twice or not in allowed (NULL: any key). */
int
jcheck_keys(const cJSON *obj, const char *const *allowed, const char *jpath, char **cause)
{
	int err;

	if ((err = jcheck_unique(obj, jpath, cause)) != 0)
		return err;
	return jcheck_known(obj, allowed, jpath, cause);
}

/* Read the integer member key of obj in [lo, hi] into *out; absent: 0, *out unchanged. */
int
jcheck_int(const cJSON *obj, const char *jpath, const char *key, double lo, double hi,
    double *out, char **cause)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	const char *sep = jcheck_sep(&jpath);

	if (v == NULL)
		return 0;
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo && v->valuedouble <= hi) ||
	    v->valuedouble != floor(v->valuedouble))
		return xcause(cause, -EINVAL, "%s%s%s: must be an integer in [%.0f, %.0f]", jpath,
		    sep, key, lo, hi);
	*out = v->valuedouble;
	return 0;
}
