/*
 * trainerspec.c: a search's "trainer" setting — the user's own training program, run by
 * tuna-exec in place of tuna-worker — parsed and checked (every error names its JSON path)
 * into a typed struct, and written back normalized:
 *
 *   "trainer": {"command": ["python3", "train.py", "--lr", "{lr}", "{args}"],
 *               "cwd": "/abs/dir", "env": {"NAME": "value"}, "control": false,
 *               "grace_seconds": 10}
 *
 * No shell: command is executed as it is, after its placeholders ({name}: a parameter's value;
 * an element "{args}": --name=value for each) are expanded. cwd is absolute: `tuna submit`
 * resolves a relative one (and a relative program with a slash) against the directory it runs
 * in, and fills it in when absent. env's names may not start with TUNA_ (tuna's own).
 * Layer: part
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jcheck.h"
#include "placeholder.h"
#include "trainerspec.h"
#include "worker-protocol.h"
#include "xmalloc.h"

static const char *const trainerspec_keys[] = { "command", "cwd", "env", "control",
    "grace_seconds", NULL };

/* The "command" member: a non-empty array of strings, the first not empty. */
static int
trainerspec_command(struct trainerspec *t, const cJSON *v, char **cause)
{
	const cJSON *c;
	int i = 0, n;

	if (!cJSON_IsArray(v) || (n = cJSON_GetArraySize(v)) == 0 || n > TRAINERSPEC_MAX_ARGS)
		return xcause(cause, -EINVAL, "trainer.command: must be an array of 1 to %d "
		    "strings, the program and its arguments (no shell: [\"sh\", \"-c\", …] "
		    "for one)", TRAINERSPEC_MAX_ARGS);
	cJSON_ArrayForEach(c, v) {
		if (!cJSON_IsString(c) || (i == 0 && c->valuestring[0] == '\0'))
			return xcause(cause, -EINVAL, "trainer.command[%d]: must be a%s string", i,
			    i == 0 ? " non-empty" : "");
		i++;
	}
	t->command = cJSON_Duplicate(v, 1);
	return 0;
}

/* The "env" member: an object of strings, names without '=' and not TUNA_…. */
static int
trainerspec_env(struct trainerspec *t, const cJSON *v, char **cause)
{
	const cJSON *c;
	int err;

	if (!cJSON_IsObject(v) || cJSON_GetArraySize(v) > TRAINERSPEC_MAX_ENV)
		return xcause(cause, -EINVAL, "trainer.env: must be an object of at most %d "
		    "variables, {\"NAME\": \"value\"}", TRAINERSPEC_MAX_ENV);
	if ((err = jcheck_unique(v, "trainer.env", cause)) != 0)
		return err;
	cJSON_ArrayForEach(c, v) {
		if (c->string[0] == '\0' || strchr(c->string, '=') != NULL)
			return xcause(cause, -EINVAL, "trainer.env.%s: not a variable name",
			    c->string);
		if (strncmp(c->string, "TUNA_", 5) == 0)
			return xcause(cause, -EINVAL, "trainer.env.%s: TUNA_ variables are tuna's "
			    "own (the trial's parameters, directory, seed …)", c->string);
		if (!cJSON_IsString(c))
			return xcause(cause, -EINVAL, "trainer.env.%s: must be a string", c->string);
	}
	t->env = cJSON_Duplicate(v, 1);
	return 0;
}

/* Parse v (the spec's "trainer", or NULL: tuna-worker) into t; on failure t is left empty. */
int
trainerspec_parse(struct trainerspec *t, const cJSON *v, char **cause)
{
	const cJSON *c;
	double grace = WEXEC_GRACE_SECONDS;
	int err;

	memset(t, 0, sizeof *t);
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	t->set = true;
	if (!cJSON_IsObject(v)) {
		err = xcause(cause, -EINVAL, "trainer: must be an object {\"command\": [program, "
		    "arguments…], \"cwd\", \"env\", \"control\", \"grace_seconds\"}");
		goto fail;
	}
	if ((err = jcheck_keys(v, trainerspec_keys, "trainer", cause)) != 0)
		goto fail;
	if ((c = cJSON_GetObjectItemCaseSensitive(v, "command")) == NULL) {
		err = xcause(cause, -EINVAL, "trainer.command: required");
		goto fail;
	}
	if ((err = trainerspec_command(t, c, cause)) != 0)
		goto fail;
	c = cJSON_GetObjectItemCaseSensitive(v, "cwd");
	if (c == NULL || !cJSON_IsString(c) || c->valuestring[0] != '/') {
		err = xcause(cause, -EINVAL, "trainer.cwd: %s", c == NULL ? "required over the "
		    "socket (tuna submit fills it in: the directory it runs in)" : "must be an "
		    "absolute path (tuna submit resolves a relative one)");
		goto fail;
	}
	t->cwd = xstrdup(c->valuestring);
	if ((c = cJSON_GetObjectItemCaseSensitive(v, "env")) != NULL &&
	    (err = trainerspec_env(t, c, cause)) != 0)
		goto fail;
	if ((c = cJSON_GetObjectItemCaseSensitive(v, "control")) != NULL) {
		if (!cJSON_IsBool(c)) {
			err = xcause(cause, -EINVAL, "trainer.control: must be true or false");
			goto fail;
		}
		t->control = cJSON_IsTrue(c);
	}
	if ((err = jcheck_int(v, "trainer", "grace_seconds", 0, WEXEC_MAX_GRACE_SECONDS, &grace,
	    cause)) != 0)
		goto fail;
	t->grace_seconds = (int)grace;
	return 0;
fail:
	trainerspec_free(t);
	return err;
}

/*
 * Check the command's placeholders against the parameter names (NULL-terminated): 0, or
 * *cause naming the element.
 */
int
trainerspec_check_names(const struct trainerspec *t, const char *const *names, char **cause)
{
	return placeholder_check(t->command, names, "trainer.command", cause);
}

/* The setting, normalized (every default filled in), or NULL when there is none. */
cJSON *
trainerspec_json(const struct trainerspec *t)
{
	cJSON *o;

	if (!t->set)
		return NULL;
	o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "command", cJSON_Duplicate(t->command, 1));
	cJSON_AddStringToObject(o, "cwd", t->cwd);
	cJSON_AddItemToObject(o, "env", t->env != NULL ? cJSON_Duplicate(t->env, 1) :
	    cJSON_CreateObject());
	cJSON_AddBoolToObject(o, "control", t->control);
	cJSON_AddNumberToObject(o, "grace_seconds", t->grace_seconds);
	return o;
}

/* Free what t holds and leave it empty. */
void
trainerspec_free(struct trainerspec *t)
{
	cJSON_Delete(t->command);
	cJSON_Delete(t->env);
	free(t->cwd);
	memset(t, 0, sizeof *t);
}
