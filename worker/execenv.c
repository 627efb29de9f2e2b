/*
 * execenv.c: the environment of a user's trainer — tuna-exec's own, without TUNA_PARENT (the
 * trainer is not tunad's child) and OPENBLAS_NUM_THREADS (tunad sets it to 1 for its built-in
 * workers; a user's PyTorch or NumPy must not be throttled by it), with the trial's
 * TUNA_PARAMS, TUNA_PARAMS_FILE, TUNA_SEARCH, TUNA_TRIAL, TUNA_EPOCHS, TUNA_SEED,
 * TUNA_CHECKPOINT_DIR, TUNA_THREADS, OMP_NUM_THREADS, TUNA_OBJECTIVE and TUNA_CONTROL ("step", else unset), and
 * trainer.env last: it may set or override anything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "execenv.h"
#include "placeholder.h"
#include "xmalloc.h"

extern char **environ;

/* An environment being built: "NAME=value" strings, NULL-terminated. */
struct execenv {
	char **v;
	size_t n, cap;
};

/* The index of name's entry in e->v, or e->n. */
static size_t
execenv_find(const struct execenv *e, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < e->n; i++) {
		if (strncmp(e->v[i], name, len) == 0 && e->v[i][len] == '=')
			break;
	}
	return i;
}

/* Set an entry "NAME=value" (taken over), replacing name's. */
static void
execenv_put(struct execenv *e, char *entry)
{
	size_t len = strcspn(entry, "="), i = execenv_find(e, entry, len);

	if (i < e->n) {
		free(e->v[i]);
		e->v[i] = entry;
		return;
	}
	if (e->n + 2 > e->cap) {
		e->cap = e->cap ? 2 * e->cap : 64;
		e->v = xreallocarray(e->v, e->cap, sizeof *e->v);
	}
	e->v[e->n++] = entry;
	e->v[e->n] = NULL;
}

/* Remove name's entry, if there is one. */
static void
execenv_unset(struct execenv *e, const char *name)
{
	size_t i = execenv_find(e, name, strlen(name));

	if (i == e->n)
		return;
	free(e->v[i]);
	memmove(e->v + i, e->v + i + 1, (e->n - i) * sizeof *e->v);	/* the NULL too */
	e->n--;
}

/* Set name to a number, or unset it when the number is negative (absent). */
static void
execenv_number(struct execenv *e, const char *name, long long v)
{
	if (v < 0)
		execenv_unset(e, name);
	else
		execenv_put(e, xasprintf("%s=%lld", name, v));
}

/* The trainer's environment for trial t (caller frees with execenv_free). */
char **
execenv_build(const struct exectrial *t, const char *params_file)
{
	struct execenv e = { NULL, 0, 0 };
	char **p, *params = placeholder_json(t->params, false);

	execenv_put(&e, xstrdup("TUNA_PARAMS="));	/* never an empty list: v non-NULL */
	for (p = environ; *p != NULL; p++) {
		if (strchr(*p, '=') != NULL)
			execenv_put(&e, xstrdup(*p));
	}
	execenv_unset(&e, "TUNA_PARENT");
	execenv_unset(&e, "OPENBLAS_NUM_THREADS");
	execenv_put(&e, xasprintf("TUNA_PARAMS=%s", params));
	execenv_put(&e, xasprintf("TUNA_PARAMS_FILE=%s", params_file));
	execenv_number(&e, "TUNA_SEARCH", t->search);
	execenv_number(&e, "TUNA_TRIAL", t->trial);
	execenv_number(&e, "TUNA_EPOCHS", t->epochs);
	execenv_put(&e, xasprintf("TUNA_SEED=%llu", (unsigned long long)t->seed));
	execenv_put(&e, xasprintf("TUNA_CHECKPOINT_DIR=%s", t->dir));
	execenv_number(&e, "TUNA_THREADS", t->threads);
	execenv_number(&e, "OMP_NUM_THREADS", t->threads);
	execenv_put(&e, xasprintf("TUNA_OBJECTIVE=%s", t->objective));
	if (t->step)
		execenv_put(&e, xstrdup("TUNA_CONTROL=step"));
	else
		execenv_unset(&e, "TUNA_CONTROL");
	for (p = t->env; p != NULL && *p != NULL; p++)
		execenv_put(&e, xstrdup(*p));
	free(params);
	return e.v;
}

/* The value of name in env, or NULL. */
const char *
execenv_get(char *const *env, const char *name)
{
	size_t len = strlen(name);

	for (; env != NULL && *env != NULL; env++) {
		if (strncmp(*env, name, len) == 0 && (*env)[len] == '=')
			return *env + len + 1;
	}
	return NULL;
}

/* Free an environment execenv_build made. */
void
execenv_free(char **env)
{
	char **p;

	for (p = env; p != NULL && *p != NULL; p++)
		free(*p);
	free(env);
}
