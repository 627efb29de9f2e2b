/*
 * execpath.c: find the program a trainer's command names, before it runs — the same rule for
 * a trial and for `tuna-exec --check`, so that a command that passed the check starts. A name
 * with a slash is a path (a relative one from the trainer's cwd); a name without one is looked
 * for in each directory of PATH (the trainer's, else "/bin:/usr/bin" as execvp does; an empty
 * entry or a relative one is from the cwd), the first executable regular file winning. The
 * messages say why not: "train.py: not executable (mode 0644)", "python4: No such file or
 * directory on PATH=/usr/bin:/bin".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "execpath.h"
#include "xmalloc.h"

#define EXECPATH_DEFAULT "/bin:/usr/bin"

/* A path from cwd (NULL: ours) and a name, dir + "/" + name unless name is absolute. */
static char *
execpath_join(const char *cwd, const char *dir, size_t dirlen, const char *name)
{
	if (dirlen == 0) {	/* an empty entry: the current directory */
		dir = ".";
		dirlen = 1;
	}
	if (dir[0] == '/' || cwd == NULL)
		return xasprintf("%.*s/%s", (int)dirlen, dir, name);
	return xasprintf("%s/%.*s/%s", cwd, (int)dirlen, dir, name);
}

/* Whether path is an executable regular file; if not, why in *why (caller frees). */
static int
execpath_usable(const char *path, char **why)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return xcause(why, -errno, "%s", strerror(errno));
	if (S_ISDIR(st.st_mode))
		return xcause(why, -EISDIR, "a directory, not a program");
	if (!S_ISREG(st.st_mode))
		return xcause(why, -EACCES, "not a regular file");
	if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) != 0 && errno == EACCES)
		return xcause(why, -EACCES, "not executable (mode %04o)",
		    (unsigned)(st.st_mode & 07777));
	if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) != 0)
		return xcause(why, -errno, "%s", strerror(errno));
	return 0;
}

/*
 * Find prog with PATH path (NULL: the default) from directory cwd (NULL: ours): the file to
 * execute in *out (caller frees), or an error naming prog and why.
 */
int
execpath_resolve(const char *prog, const char *path, const char *cwd, char **out,
    char **cause)
{
	const char *p, *end;
	char *cand = NULL, *why = NULL, *first = NULL, *where = NULL;
	int rc;

	if (strchr(prog, '/') != NULL) {
		cand = prog[0] == '/' || cwd == NULL ? xstrdup(prog) :
		    xasprintf("%s/%s", cwd, prog);
		if ((rc = execpath_usable(cand, &why)) != 0 && strcmp(cand, prog) == 0)
			rc = xcause(cause, rc, "%s: %s", prog, why);
		else if (rc != 0)
			rc = xcause(cause, rc, "%s: %s (%s)", prog, why, cand);
		if (rc != 0)
			goto fail;
		*out = cand;
		cand = NULL;
		goto fail;
	}
	if (path == NULL)
		path = EXECPATH_DEFAULT;
	for (p = path; ; p = end + 1) {
		end = p + strcspn(p, ":");
		free(cand);
		cand = execpath_join(cwd, p, (size_t)(end - p), prog);
		if ((rc = execpath_usable(cand, &why)) == 0) {
			*out = cand;
			cand = NULL;
			goto fail;
		}
		if (rc != -ENOENT && rc != -ENOTDIR && first == NULL) {
			first = why;	/* execvp would go on, and say this at the end */
			where = cand;
			cand = NULL;
		} else
			free(why);
		why = NULL;
		if (*end == '\0')
			break;
	}
	if (first != NULL)
		rc = xcause(cause, -EACCES, "%s: %s (%s)", prog, first, where);
	else
		rc = xcause(cause, -ENOENT, "%s: %s on PATH=%s", prog, strerror(ENOENT), path);
fail:
	free(cand);
	free(why);
	free(first);
	free(where);
	return rc;
}
