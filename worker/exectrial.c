/*
 * exectrial.c: parse and check a trial line for tuna-exec (the format is in
 * common/worker-protocol.h, "tuna-exec"); every error names the JSON path at fault, and the
 * command is expanded here, once (placeholder.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "exectrial.h"
#include "jcheck.h"
#include "metricline.h"
#include "placeholder.h"
#include "trial.h"		/* TRIAL_MAX_THREADS: as for the built-in trainer */
#include "worker-protocol.h"
#include "xmalloc.h"

#define EXECTRIAL_MAX_INT 9007199254740991.0	/* 2^53 - 1: a JSON number's exact integers */

static const char *const exectrial_keys[] = {
	"id", "search", "seed", "threads", "epochs", "params", "trainer", "dir", "objective",
	"control",
	"limits", NULL
};
static const char *const exectrial_trainer_keys[] = {
	"command", "cwd", "env", "control", "grace_seconds", NULL
};

/* An absolute path member key of obj (jpath: obj's), into *out; absent: *out NULL. */
static int
exectrial_path(const cJSON *obj, const char *jpath, const char *key, char **out,
    char **cause)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (v == NULL)
		return 0;
	if (!cJSON_IsString(v) || v->valuestring[0] != '/')
		return xcause(cause, -EINVAL, "%s%s%s: must be an absolute path", jpath,
		    *jpath != '\0' ? "." : "", key);
	*out = xstrdup(v->valuestring);
	return 0;
}

/* "params": an object of numbers, booleans and strings. */
static int
exectrial_params(struct exectrial *t, const cJSON *v, char **cause)
{
	const cJSON *p;
	int rc;

	if (!cJSON_IsObject(v))
		return xcause(cause, -EINVAL, "params: must be an object");
	if ((rc = jcheck_unique(v, "params", cause)) != 0)
		return rc;
	for (p = v->child; p != NULL; p = p->next) {
		if (p->string[0] == '\0')
			return xcause(cause, -EINVAL, "params: a parameter without a name");
		if (!cJSON_IsNumber(p) && !cJSON_IsBool(p) && !cJSON_IsString(p))
			return xcause(cause, -EINVAL, "params.%s: must be a number, true, false "
			    "or a string", p->string);
	}
	t->params = cJSON_Duplicate(v, 1);
	return 0;
}

/* "trainer.env": an object of strings, into t->env as "NAME=value". */
static int
exectrial_env(struct exectrial *t, const cJSON *v, char **cause)
{
	const cJSON *e;
	size_t n = 0;
	int rc;

	if (!cJSON_IsObject(v))
		return xcause(cause, -EINVAL, "trainer.env: must be an object of strings");
	if ((rc = jcheck_unique(v, "trainer.env", cause)) != 0)
		return rc;
	t->env = xcalloc((size_t)cJSON_GetArraySize(v) + 1, sizeof *t->env);
	for (e = v->child; e != NULL; e = e->next) {
		if (e->string[0] == '\0' || strchr(e->string, '=') != NULL)
			return xcause(cause, -EINVAL, "trainer.env: \"%s\": not a variable name",
			    e->string);
		if (!cJSON_IsString(e))
			return xcause(cause, -EINVAL, "trainer.env.%s: must be a string",
			    e->string);
		t->env[n++] = xasprintf("%s=%s", e->string, e->valuestring);
	}
	return 0;
}

/* "trainer": the program, where and how it runs; control: whether it reads commands. */
static int
exectrial_trainer(struct exectrial *t, const cJSON *v, bool *control, char **cause)
{
	const cJSON *c;
	double grace = WEXEC_GRACE_SECONDS;
	int rc;

	if (!cJSON_IsObject(v))
		return xcause(cause, -EINVAL, "trainer: must be an object");
	if ((rc = jcheck_keys(v, exectrial_trainer_keys, "trainer", cause)) != 0)
		return rc;
	if ((c = cJSON_GetObjectItemCaseSensitive(v, "command")) == NULL)
		return xcause(cause, -EINVAL, "trainer.command: missing (the program and its "
		    "arguments, an array of strings)");
	if ((rc = placeholder_expand(c, t->params, "trainer.command", &t->argv, cause)) != 0 ||
	    (rc = exectrial_path(v, "trainer", "cwd", &t->cwd, cause)) != 0)
		return rc;
	if ((c = cJSON_GetObjectItemCaseSensitive(v, "env")) != NULL &&
	    (rc = exectrial_env(t, c, cause)) != 0)
		return rc;
	if ((c = cJSON_GetObjectItemCaseSensitive(v, "control")) != NULL && !cJSON_IsBool(c))
		return xcause(cause, -EINVAL, "trainer.control: must be true or false");
	*control = cJSON_IsTrue(c);
	if ((rc = jcheck_int(v, "trainer", "grace_seconds", 0, WEXEC_MAX_GRACE_SECONDS, &grace,
	    cause)) != 0)
		return rc;
	t->grace_seconds = (int)grace;
	return 0;
}

/* "control": "step" (the program reads commands: trainer.control) or "none". */
static int
exectrial_control(struct exectrial *t, const cJSON *v, bool control, char **cause)
{
	if (!cJSON_IsString(v) || (strcmp(v->valuestring, "step") != 0 &&
	    strcmp(v->valuestring, "none") != 0))
		return xcause(cause, -EINVAL, "control: must be \"step\" or \"none\"");
	t->step = strcmp(v->valuestring, "step") == 0;
	if (t->step && !control)
		return xcause(cause, -EINVAL, "control: \"step\" needs a trainer that reads "
		    "commands (trainer.control true)");
	return 0;
}

/* Parse a trial line's object into t (defaults for what is absent). */
int
exectrial_parse(struct exectrial *t, const cJSON *json, char **cause)
{
	const cJSON *v;
	double id = -1, search = -1, seed = 0, threads = 1, epochs = -1;
	bool control = false;
	int rc;

	memset(t, 0, sizeof *t);
	t->trial = t->search = -1;
	if (!cJSON_IsObject(json))
		return xcause(cause, -EINVAL, "trial: must be a JSON object");
	if ((rc = jcheck_keys(json, exectrial_keys, NULL, cause)) != 0)
		return rc;
	if ((v = cJSON_GetObjectItemCaseSensitive(json, "id")) != NULL)
		t->id = cJSON_Duplicate(v, 1);
	if ((rc = jcheck_int(json, NULL, "id", 0, EXECTRIAL_MAX_INT, &id, cause)) != 0 ||
	    (rc = jcheck_int(json, NULL, "search", 0, EXECTRIAL_MAX_INT, &search, cause)) != 0 ||
	    (rc = jcheck_int(json, NULL, "seed", 0, EXECTRIAL_MAX_INT, &seed, cause)) != 0 ||
	    (rc = jcheck_int(json, NULL, "threads", 1, TRIAL_MAX_THREADS, &threads, cause)) != 0 ||
	    (rc = jcheck_int(json, NULL, "epochs", 1, EXECTRIAL_MAX_INT, &epochs, cause)) != 0)
		goto fail;
	t->trial = (int64_t)id;
	t->epochs = (int64_t)epochs;
	t->search = (int64_t)search;
	t->seed = (uint64_t)seed;
	t->threads = (int)threads;
	if ((v = cJSON_GetObjectItemCaseSensitive(json, "params")) == NULL)
		t->params = cJSON_CreateObject();
	else if ((rc = exectrial_params(t, v, cause)) != 0)
		goto fail;
	if ((v = cJSON_GetObjectItemCaseSensitive(json, "trainer")) == NULL) {
		rc = xcause(cause, -EINVAL, "trainer: missing (an object with \"command\")");
		goto fail;
	}
	if ((rc = exectrial_trainer(t, v, &control, cause)) != 0)
		goto fail;
	if ((rc = exectrial_path(json, "", "dir", &t->dir, cause)) != 0)
		goto fail;
	if (t->dir == NULL) {
		rc = xcause(cause, -EINVAL, "dir: missing (the trial's directory, absolute)");
		goto fail;
	}
	v = cJSON_GetObjectItemCaseSensitive(json, "objective");
	if (!cJSON_IsString(v) || !metricline_name(v->valuestring, strlen(v->valuestring))) {
		rc = xcause(cause, -EINVAL, "objective: %s", v == NULL ? "missing (the metric the "
		    "trainer reports)" : "must be a metric name ([A-Za-z_][A-Za-z0-9_./-]*)");
		goto fail;
	}
	t->objective = xstrdup(v->valuestring);
	if ((v = cJSON_GetObjectItemCaseSensitive(json, "control")) != NULL &&
	    (rc = exectrial_control(t, v, control, cause)) != 0)
		goto fail;
	if ((v = cJSON_GetObjectItemCaseSensitive(json, "limits")) != NULL &&
	    (rc = wlimits_parse(&t->limits, v, cause)) != 0)
		goto fail;
	return 0;
fail:
	exectrial_free(t);
	return rc;
}

/* Free what a parsed trial holds. */
void
exectrial_free(struct exectrial *t)
{
	char **e;

	cJSON_Delete(t->id);
	cJSON_Delete(t->params);
	cJSON_Delete(t->argv);
	for (e = t->env; e != NULL && *e != NULL; e++)
		free(*e);
	free(t->env);
	free(t->cwd);
	free(t->dir);
	free(t->objective);
	memset(t, 0, sizeof *t);
	t->trial = t->search = -1;
}
