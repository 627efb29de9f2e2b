/*
 * execcheck.c: `tuna-exec --check -` reads one line, {"command": [...], "cwd": "/abs",
 * "env": {...}, "writable": {"LABEL": "/abs/dir", ...}} (each member optional), and checks, on the
 * machine where trials will run, what would keep a trainer from starting: the command's form
 * (placeholder.c, names not checked: tunad does that against the spec), command[0] found as a
 * trial finds it (execpath.c: on env's PATH, else tuna-exec's; relative paths from cwd), cwd a
 * directory, and each writable directory made (mkdir -p) and a file really created and
 * removed in it (paths_writable: not access(2), which knows neither read-only mounts nor ACLs
 * nor quotas); an error names the directory's label ("checkpoints: DIR: …").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "execcheck.h"
#include "execpath.h"
#include "jcheck.h"
#include "paths.h"
#include "placeholder.h"
#include "xmalloc.h"

static const char *const execcheck_keys[] = { "command", "cwd", "env", "writable", NULL };

/* "cwd": an absolute path to a directory (absent: NULL). */
static int
execcheck_cwd(const cJSON *v, const char **cwd, char **cause)
{
	struct stat st;

	if (v == NULL)
		return 0;
	if (!cJSON_IsString(v) || v->valuestring[0] != '/')
		return xcause(cause, -EINVAL, "trainer.cwd: must be an absolute path");
	if (stat(v->valuestring, &st) != 0)
		return xcause(cause, -errno, "trainer.cwd: %s: %s", v->valuestring,
		    strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return xcause(cause, -ENOTDIR, "trainer.cwd: %s: not a directory", v->valuestring);
	*cwd = v->valuestring;
	return 0;
}

/* "command": its form, and its program found (PATH from env's, else ours). */
static int
execcheck_command(const cJSON *v, const cJSON *env, const char *cwd, char **cause)
{
	const cJSON *path = cJSON_GetObjectItemCaseSensitive(env, "PATH"), *e;
	char *file = NULL, *why = NULL;
	int rc;

	if (env != NULL && !cJSON_IsObject(env))
		return xcause(cause, -EINVAL, "trainer.env: must be an object of strings");
	for (e = env != NULL ? env->child : NULL; e != NULL; e = e->next) {
		if (!cJSON_IsString(e))
			return xcause(cause, -EINVAL, "trainer.env.%s: must be a string",
			    e->string);
	}
	if (v == NULL)
		return 0;
	if ((rc = placeholder_check(v, NULL, "trainer.command", cause)) != 0)
		return rc;
	if ((rc = execpath_resolve(v->child->valuestring, path != NULL ? path->valuestring :
	    getenv("PATH"), cwd, &file, &why)) != 0)
		rc = xcause(cause, rc, "trainer.command[0]: %s", why);
	free(file);
	free(why);
	return rc;
}

/* Check one --check line; 0, or an error naming what would keep the trainer from running. */
int
execcheck_line(const char *text, char **cause)
{
	cJSON *json = cJSON_Parse(text);
	const cJSON *w, *d;
	const char *cwd = NULL;
	char *why = NULL;
	int rc;

	if (!cJSON_IsObject(json)) {
		rc = xcause(cause, -EINVAL, "stdin: not a JSON object");
		goto fail;
	}
	if ((rc = jcheck_keys(json, execcheck_keys, NULL, cause)) != 0 ||
	    (rc = execcheck_cwd(cJSON_GetObjectItemCaseSensitive(json, "cwd"), &cwd, cause)) != 0 ||
	    (rc = execcheck_command(cJSON_GetObjectItemCaseSensitive(json, "command"),
	    cJSON_GetObjectItemCaseSensitive(json, "env"), cwd, cause)) != 0)
		goto fail;
	if ((w = cJSON_GetObjectItemCaseSensitive(json, "writable")) != NULL && !cJSON_IsObject(w)) {
		rc = xcause(cause, -EINVAL, "writable: must be an object of directories");
		goto fail;
	}
	/* as tuna-worker --check: each made and written to, an error named by its label */
	for (d = w != NULL ? w->child : NULL; d != NULL; d = d->next) {
		if (!cJSON_IsString(d) || d->valuestring[0] != '/') {
			rc = xcause(cause, -EINVAL, "writable.%s: must be an absolute path", d->string);
			goto fail;
		}
		if ((rc = paths_writable(d->valuestring, &why)) != 0) {
			rc = xcause(cause, rc, "%s: %s", d->string, why);
			free(why);
			goto fail;
		}
	}
fail:
	cJSON_Delete(json);
	return rc;
}
