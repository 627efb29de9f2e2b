/* json.c: typed reading of members of the daemon's replies, where any member may be null. */
#include <math.h>

#include <cJSON.h>

#include "json.h"

/* The member name of obj, or NULL when obj is not an object, the member is absent or null. */
const cJSON *
json_member(const cJSON *obj, const char *name)
{
	const cJSON *m;

	if (!cJSON_IsObject(obj))
		return NULL;
	m = cJSON_GetObjectItemCaseSensitive(obj, name);
	return m == NULL || cJSON_IsNull(m) ? NULL : m;
}

/* A number member; false when absent, null or not a number. */
bool
json_number(const cJSON *obj, const char *name, double *out)
{
	const cJSON *m = json_member(obj, name);

	if (!cJSON_IsNumber(m))
		return false;
	*out = m->valuedouble;
	return true;
}

/* An integral number member; false when absent, null, not a number or not integral. */
bool
json_int(const cJSON *obj, const char *name, long long *out)
{
	double v;

	if (!json_number(obj, name, &v) || !isfinite(v) || v != trunc(v) || fabs(v) > 9e15)
		return false;
	*out = (long long)v;
	return true;
}

/* An integral number member, or dflt. */
long long
json_int_or(const cJSON *obj, const char *name, long long dflt)
{
	long long v;

	return json_int(obj, name, &v) ? v : dflt;
}

/* A string member, or NULL. */
const char *
json_string(const cJSON *obj, const char *name)
{
	const cJSON *m = json_member(obj, name);

	return cJSON_IsString(m) ? m->valuestring : NULL;
}
