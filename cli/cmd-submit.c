/*
 * cmd-submit.c: tuna submit SPEC.json — send a search spec (a file, or "-" for stdin) to tunad.
 * A "trainer" of the user's has its relative paths (cwd, a program named with a slash)
 * resolved here, against the directory tuna submit runs in, which is also its cwd by default.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "cmd.h"
#include "json.h"
#include "protocol.h"
#include "xmalloc.h"

#define CMD_SUBMIT_MAX_FILE (64 << 20)

/* Read a whole file, or stdin for "-", into a NUL-terminated buffer. */
static int
cmd_submit_read(const char *path, const char *name, char **out, size_t *outlen, char **cause)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, size = 0, n;
	int rc = 0;

	if (f == NULL)
		return xcause(cause, -errno, "%s: %s", name, strerror(errno));
	do {
		if (size - len < 4096) {
			size = size == 0 ? 65536 : size * 2;
			buf = xreallocarray(buf, size + 1, 1);
		}
		n = fread(buf + len, 1, size - len, f);
		len += n;
		if (len > CMD_SUBMIT_MAX_FILE) {
			rc = xcause(cause, -EFBIG, "%s: larger than %d bytes", name,
			    CMD_SUBMIT_MAX_FILE);
			goto fail;
		}
	} while (n > 0);
	if (ferror(f)) {
		rc = xcause(cause, -EIO, "%s: read error", name);
		goto fail;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	buf = NULL;
fail:
	free(buf);
	if (f != stdin)
		fclose(f);
	return rc;
}

/* Parse a spec's text; a syntax error names the file, byte offset, line and column. */
static int
cmd_submit_parse(const char *text, size_t len, const char *name, cJSON **out, char **cause)
{
	const char *end = NULL, *p;
	long line = 1, col = 1;
	size_t off;

	if (memchr(text, '\0', len) != NULL)
		return xcause(cause, -EINVAL, "%s: not a JSON text (it holds a NUL byte)", name);
	*out = cJSON_ParseWithLengthOpts(text, len + 1, &end, true);
	if (*out == NULL) {
		off = end != NULL && end >= text ? (size_t)(end - text) : 0;
		if (off > len)
			off = len;
		for (p = text; p < text + off; p++) {
			if (*p == '\n') {
				line++;
				col = 1;
			} else if (((unsigned char)*p & 0xc0) != 0x80)
				col++;
		}
		if (off >= len)
			return xcause(cause, -EINVAL, "%s: invalid JSON: unexpected end at byte %zu "
			    "(line %ld, column %ld)", name, off, line, col);
		return xcause(cause, -EINVAL, "%s: invalid JSON at byte %zu (line %ld, column %ld)",
		    name, off, line, col);
	}
	if (!cJSON_IsObject(*out)) {
		cJSON_Delete(*out);
		*out = NULL;
		return xcause(cause, -EINVAL, "%s: a search spec must be a JSON object", name);
	}
	return 0;
}

/* path made absolute against dir (a copy; an absolute path as it is). */
static char *
cmd_submit_absolute(const char *dir, const char *path)
{
	if (path[0] == '/')
		return xstrdup(path);
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	if (strcmp(path, ".") == 0)
		return xstrdup(dir);
	return xasprintf("%s/%s", dir, path);
}

/* A spec's "trainer": cwd made absolute (the directory we run in by default), and argv[0]. */
static int
cmd_submit_trainer(cJSON *spec, char **cause)
{
	cJSON *tr = cJSON_GetObjectItemCaseSensitive(spec, "trainer"), *cwd, *cmd, *prog;
	char here[4096], *abs;

	if (!cJSON_IsObject(tr))
		return 0;	/* none, or tunad says what is wrong with it */
	if (getcwd(here, sizeof here) == NULL)
		return xcause(cause, -errno, "trainer.cwd: the current directory: %s",
		    strerror(errno));
	cwd = cJSON_GetObjectItemCaseSensitive(tr, "cwd");
	if (cwd == NULL)
		cJSON_AddStringToObject(tr, "cwd", here);
	else if (cJSON_IsString(cwd) && cwd->valuestring[0] != '/') {
		abs = cmd_submit_absolute(here, cwd->valuestring);
		cJSON_ReplaceItemInObjectCaseSensitive(tr, "cwd", cJSON_CreateString(abs));
		free(abs);
	}
	cmd = cJSON_GetObjectItemCaseSensitive(tr, "command");
	prog = cJSON_IsArray(cmd) ? cJSON_GetArrayItem(cmd, 0) : NULL;
	/* "./train.sh", "bin/train": against the submit's directory; "python3": on PATH */
	if (cJSON_IsString(prog) && prog->valuestring[0] != '/' &&
	    strchr(prog->valuestring, '/') != NULL) {
		abs = cmd_submit_absolute(here, prog->valuestring);
		cJSON_ReplaceItemInArray(cmd, 0, cJSON_CreateString(abs));
		free(abs);
	}
	return 0;
}

/* tuna submit SPEC.json: print "search N". */
int
cmd_submit(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	cJSON *spec = NULL, *req = NULL, *reply = NULL;
	const char *path, *name;
	char *text = NULL;
	long long id;
	size_t len = 0;
	int rc, opt;

	optind = 0;
	while ((rc = cmd_getopt(ctx, argc, argv, "", &opt, cause)) == 1)
		;
	if (rc != 0)
		return rc;
	if (argc - optind != 1)
		return cmd_usage(ctx, cause, argc - optind == 0 ? "missing spec file" :
		    "too many arguments");
	path = argv[optind];
	name = strcmp(path, "-") == 0 ? "stdin" : path;
	if ((rc = cmd_submit_read(path, name, &text, &len, cause)) != 0)
		goto fail;
	if ((rc = cmd_submit_parse(text, len, name, &spec, cause)) != 0 ||
	    (rc = cmd_submit_trainer(spec, cause)) != 0)
		goto fail;
	req = cmd_new_request(REQ_SUBMIT);
	cJSON_AddItemToObject(req, "spec", spec);
	spec = NULL;
	if ((rc = cmd_request(ctx, req, &reply, cause)) != 0)
		goto fail;
	if (!ctx->json) {
		if (json_int(reply, "search", &id))
			printf("search %lld\n", id);
		else
			printf("submitted\n");
	}
fail:
	cJSON_Delete(reply);
	cJSON_Delete(req);
	cJSON_Delete(spec);
	free(text);
	return rc;
}
