/*
 * execspec.c: a search's "executor" setting — where its trials run — parsed and checked
 * (every error names its JSON path) into a typed struct, and written back normalized:
 *
 *   "executor": "local" | "slurm" | {"kind": "local"}
 *             | {"kind": "slurm", "partition": P, "account": A, "time": T, "mem": M,
 *                "args": ["--qos=high", …]}
 *
 * time is a slot's time limit: minutes, or Slurm's "[D-]HH:MM[:SS]" / "MM:SS"; mem a slot's
 * memory: MiB, or "N[KMGT]"; args more srun options, each "-…", never one tuna sets itself.
 * Layer: part
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "execspec.h"
#include "jcheck.h"
#include "xmalloc.h"

static const char *const execspec_kinds[EXECSPEC_NKINDS] = {
	[EXECSPEC_LOCAL] = "local",
	[EXECSPEC_SLURM] = "slurm",
};

static const char *const execspec_keys_local[] = { "kind", NULL };
static const char *const execspec_keys_slurm[] = { "kind", "partition", "account", "time", "mem",
    "args", NULL };

/* srun options tuna sets itself (or takes from a field of its own), refused in args. */
static const struct {
	const char *opt, *alt, *instead;
} execspec_reserved[] = {
	{ "--ntasks", "-n", "tuna runs one task a slot" },
	{ "--nodes", "-N", "tuna runs one task a slot" },
	{ "--cpus-per-task", "-c", "use the spec's threads" },
	{ "--job-name", "-J", "tuna names its jobs" },
	{ "--export", NULL, "tuna passes the environment itself" },
	{ "--input", "-i", "tuna talks to the worker on its stdin" },
	{ "--output", "-o", "tuna reads the worker's stdout" },
	{ "--error", "-e", "tuna reads the worker's stderr" },
	{ "--partition", "-p", "use executor.partition" },
	{ "--account", "-A", "use executor.account" },
	{ "--time", "-t", "use executor.time" },
	{ "--mem", NULL, "use executor.mem" },
};

/* The name of an executor kind. */
const char *
execspec_kind_name(enum execspec_kind k)
{
	return k >= 0 && k < EXECSPEC_NKINDS ? execspec_kinds[k] : "?";
}

/* The kind named name: 0 and *k, or -EINVAL. */
int
execspec_kind(const char *name, enum execspec_kind *k)
{
	int i;

	for (i = 0; i < EXECSPEC_NKINDS; i++) {
		if (strcmp(execspec_kinds[i], name) == 0) {
			*k = (enum execspec_kind)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* Slurm's time formats to minutes (rounded up): "M", "M:S", "H:M:S", "D-H", "D-H:M[:S]". */
static int
execspec_minutes(const char *s, long *out)
{
	long f[4] = { 0 }, days = 0;
	int n = 0;
	const char *p = s;
	char *end;

	if (strchr(s, '-') != NULL) {
		days = strtol(p, &end, 10);
		if (end == p || *end != '-' || days < 0)
			return -EINVAL;
		p = end + 1;
	}
	for (;;) {
		if (!isdigit((unsigned char)*p) || n == 3)
			return -EINVAL;
		f[n++] = strtol(p, &end, 10);
		p = end;
		if (*p == '\0')
			break;
		if (*p++ != ':')
			return -EINVAL;
	}
	if (strchr(s, '-') != NULL)	/* D-H, D-H:M, D-H:M:S */
		*out = days * 1440 + f[0] * 60 + (n > 1 ? f[1] : 0) + (n > 2 && f[2] > 0);
	else if (n == 1)		/* M */
		*out = f[0];
	else if (n == 2)		/* M:S */
		*out = f[0] + (f[1] > 0);
	else				/* H:M:S */
		*out = f[0] * 60 + f[1] + (f[2] > 0);
	return *out > 0 && *out <= EXECSPEC_MAX_MINUTES ? 0 : -ERANGE;
}

/* "N[KMGT]" to MiB (rounded up; no suffix: MiB, as Slurm's --mem). */
static int
execspec_mib(const char *s, long *out)
{
	char *end;
	double v = strtod(s, &end), mul = 1;

	if (end == s || !(v > 0))
		return -EINVAL;
	switch (toupper((unsigned char)*end)) {
	case '\0':
		break;
	case 'K':
		mul = 1.0 / 1024;
		break;
	case 'M':
		break;
	case 'G':
		mul = 1024;
		break;
	case 'T':
		mul = 1024 * 1024;
		break;
	default:
		return -EINVAL;
	}
	if (*end != '\0' && end[1] != '\0')
		return -EINVAL;
	v *= mul;
	if (v > EXECSPEC_MAX_MEM_MB)
		return -ERANGE;
	*out = (long)v + ((double)(long)v < v);
	return 0;
}

/* A string member, when present: a copy of it in *out. */
static int
execspec_string(const cJSON *obj, const char *key, char **out, char **cause)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (v == NULL)
		return 0;
	if (!cJSON_IsString(v) || v->valuestring[0] == '\0' || strlen(v->valuestring) > 256 ||
	    strpbrk(v->valuestring, " \t\n,") != NULL)
		return xcause(cause, -EINVAL, "executor.%s: must be a name (a string of at most "
		    "256 characters without spaces or commas)", key);
	*out = xstrdup(v->valuestring);
	return 0;
}

/* time: minutes, or a string in one of Slurm's formats. */
static int
execspec_time(struct execspec *x, const cJSON *obj, char **cause)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "time");
	long m = 0;
	int err;

	if (v == NULL)
		return 0;
	if (cJSON_IsNumber(v)) {
		double d = 0;

		if ((err = jcheck_int(obj, "executor", "time", 1, EXECSPEC_MAX_MINUTES, &d,
		    cause)) != 0)
			return err;
		m = (long)d;
	} else if (!cJSON_IsString(v) || execspec_minutes(v->valuestring, &m) != 0)
		return xcause(cause, -EINVAL, "executor.time: must be minutes (1 … %d) or Slurm's "
		    "\"[D-]HH:MM:SS\", \"MM:SS\" or \"D-HH[:MM]\", got %s", EXECSPEC_MAX_MINUTES,
		    cJSON_IsString(v) ? v->valuestring : "another type");
	x->time_min = (int)m;
	return 0;
}

/* mem: MiB, or a string "N[KMGT]". */
static int
execspec_mem(struct execspec *x, const cJSON *obj, char **cause)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "mem");
	double d = 0;
	long mb = 0;
	int err;

	if (v == NULL)
		return 0;
	if (cJSON_IsNumber(v)) {
		if ((err = jcheck_int(obj, "executor", "mem", 1, EXECSPEC_MAX_MEM_MB, &d,
		    cause)) != 0)
			return err;
		mb = (long)d;
	} else if (!cJSON_IsString(v) || execspec_mib(v->valuestring, &mb) != 0)
		return xcause(cause, -EINVAL, "executor.mem: must be MiB (1 … %d) or a size such "
		    "as \"4G\" or \"500M\"", EXECSPEC_MAX_MEM_MB);
	x->mem_mb = (int)mb;
	return 0;
}

/* args: more srun options, each "-…", none that tuna sets itself. */
static int
execspec_args(struct execspec *x, const cJSON *obj, char **cause)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "args"), *a;
	size_t i, n;
	int k = 0;

	if (v == NULL)
		return 0;
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) > EXECSPEC_MAX_ARGS)
		return xcause(cause, -EINVAL, "executor.args: must be an array of at most %d "
		    "strings", EXECSPEC_MAX_ARGS);
	x->args = xcalloc((size_t)cJSON_GetArraySize(v) + 1, sizeof *x->args);
	cJSON_ArrayForEach(a, v) {
		if (!cJSON_IsString(a) || a->valuestring[0] != '-' || strlen(a->valuestring) > 256)
			return xcause(cause, -EINVAL, "executor.args[%d]: must be an srun option, a "
			    "string starting with \"-\" (\"--qos=high\")", k);
		for (i = 0; i < sizeof execspec_reserved / sizeof *execspec_reserved; i++) {
			const char *o = execspec_reserved[i].opt, *alt = execspec_reserved[i].alt;

			n = strlen(o);
			if ((strncmp(a->valuestring, o, n) == 0 && (a->valuestring[n] == '\0' ||
			    a->valuestring[n] == '=')) || (alt != NULL &&
			    strncmp(a->valuestring, alt, 2) == 0))
				return xcause(cause, -EINVAL, "executor.args[%d]: %s: %s", k,
				    a->valuestring, execspec_reserved[i].instead);
		}
		x->args[k++] = xstrdup(a->valuestring);
	}
	x->nargs = k;
	return 0;
}

/*
 * Parse a search's "executor" setting (v, NULL when absent: the daemon's default kind with
 * nothing else set). 0, or a negative errno with *cause naming the path at fault.
 */
int
execspec_parse(struct execspec *x, const cJSON *v, enum execspec_kind dflt, char **cause)
{
	const cJSON *kind;
	int err;

	memset(x, 0, sizeof *x);
	x->kind = dflt;
	if (v == NULL)
		return 0;
	if (cJSON_IsString(v)) {
		if (execspec_kind(v->valuestring, &x->kind) != 0)
			return xcause(cause, -EINVAL, "executor: must be \"local\" or \"slurm\", got "
			    "\"%.64s\"", v->valuestring);
		return 0;
	}
	if (!cJSON_IsObject(v))
		return xcause(cause, -EINVAL, "executor: must be \"local\", \"slurm\" or an object");
	kind = cJSON_GetObjectItemCaseSensitive(v, "kind");
	if (kind == NULL || !cJSON_IsString(kind) || execspec_kind(kind->valuestring,
	    &x->kind) != 0)
		return xcause(cause, -EINVAL, "executor.kind: must be \"local\" or \"slurm\"");
	if ((err = jcheck_keys(v, x->kind == EXECSPEC_SLURM ? execspec_keys_slurm :
	    execspec_keys_local, "executor", cause)) != 0 ||
	    (err = execspec_string(v, "partition", &x->partition, cause)) != 0 ||
	    (err = execspec_string(v, "account", &x->account, cause)) != 0 ||
	    (err = execspec_time(x, v, cause)) != 0 ||
	    (err = execspec_mem(x, v, cause)) != 0 ||
	    (err = execspec_args(x, v, cause)) != 0) {
		execspec_free(x);
		return err;
	}
	return 0;
}

/* The setting as the normalized spec keeps it: every field given, time in minutes, mem MiB. */
cJSON *
execspec_json(const struct execspec *x)
{
	cJSON *o = cJSON_CreateObject(), *a;
	int i;

	cJSON_AddStringToObject(o, "kind", execspec_kind_name(x->kind));
	if (x->partition != NULL)
		cJSON_AddStringToObject(o, "partition", x->partition);
	if (x->account != NULL)
		cJSON_AddStringToObject(o, "account", x->account);
	if (x->time_min > 0)
		cJSON_AddNumberToObject(o, "time", x->time_min);
	if (x->mem_mb > 0)
		cJSON_AddNumberToObject(o, "mem", x->mem_mb);
	if (x->nargs > 0) {
		a = cJSON_AddArrayToObject(o, "args");
		for (i = 0; i < x->nargs; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(x->args[i]));
	}
	return o;
}

/* Free what a parsed setting holds. */
void
execspec_free(struct execspec *x)
{
	int i;

	free(x->partition);
	free(x->account);
	for (i = 0; x->args != NULL && x->args[i] != NULL; i++)
		free(x->args[i]);
	free(x->args);
	memset(x, 0, sizeof *x);
}
