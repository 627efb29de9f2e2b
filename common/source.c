/*
 * source.c: the "dataset" setting of a trial or spec — an IDX directory, a CSV file, or an
 * object naming the files — parsed and checked (errors name the JSON path), with the paths
 * resolved and the cache directory chosen.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jcheck.h"
#include "source.h"
#include "xmalloc.h"

#define SOURCE_MAX_COLUMN	(1 << 24)

/* The standard IDX file names in a directory, in the order of struct dataset_source. */
static const char *const source_idx_names[4] = {
	"train-images-idx3-ubyte",
	"train-labels-idx1-ubyte",
	"t10k-images-idx3-ubyte",
	"t10k-labels-idx1-ubyte",
};

/* Keys allowed in each object form of the setting. */
static const char *const source_keys_path[] = { "path", "val_fraction", "cache", NULL };
static const char *const source_keys_idx[] = { "format", "train_images", "train_labels",
    "test_images", "test_labels", "val_fraction", "cache", NULL };
static const char *const source_keys_csv[] = { "format", "train", "test", "label_column",
    "header", "val_fraction", "cache", NULL };

/* The default cache directory from the environment, or NULL when there is none. */
char *
source_cache_dir(void)
{
	const char *s;

	if ((s = getenv("TUNA_CACHE_DIR")) != NULL && *s != '\0')
		return xstrdup(s);
	if ((s = getenv("XDG_CACHE_HOME")) != NULL && *s != '\0')
		return xasprintf("%s/tuna", s);
	if ((s = getenv("HOME")) != NULL && *s != '\0')
		return xasprintf("%s/.cache/tuna", s);
	return NULL;
}

/* Whether path names an existing regular file (following symlinks). */
static int
source_is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The path of a standard IDX file in dir: uncompressed when present, else .gz, else NULL. */
static char *
source_find(const char *dir, const char *name)
{
	size_t len = strlen(dir);
	const char *sep = len > 0 && dir[len - 1] == '/' ? "" : "/";
	char *p;

	p = xasprintf("%s%s%s", dir, sep, name);
	if (source_is_file(p))
		return p;
	free(p);
	p = xasprintf("%s%s%s.gz", dir, sep, name);
	if (source_is_file(p))
		return p;
	free(p);
	return NULL;
}

/* Fill src from a path: a directory with standard IDX names, or a CSV file. */
static int
source_path(struct dataset_source *src, const char *path, char **cause)
{
	char *found[4];
	struct stat st;
	int i;

	if (stat(path, &st) != 0)
		return xcause(cause, -errno, "%s: %s", path, strerror(errno));
	if (S_ISREG(st.st_mode)) {
		src->format = DATASET_CSV;
		src->train_csv = xstrdup(path);
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
		return xcause(cause, -EINVAL, "%s: not a directory or a regular file", path);

	src->format = DATASET_IDX;
	for (i = 0; i < 4; i++)
		found[i] = source_find(path, source_idx_names[i]);
	src->train_images = found[0];
	src->train_labels = found[1];
	src->test_images = found[2];
	src->test_labels = found[3];
	for (i = 0; i < 2; i++) {
		if (found[i] == NULL)
			return xcause(cause, -ENOENT, "%s: no %s or %s.gz in this directory", path,
			    source_idx_names[i], source_idx_names[i]);
	}
	if ((found[2] == NULL) != (found[3] == NULL)) {
		i = found[2] == NULL ? 2 : 3;
		return xcause(cause, -ENOENT, "%s: has %s but no %s or %s.gz", path,
		    found[5 - i], source_idx_names[i], source_idx_names[i]);
	}
	return 0;
}

/* Copy the string member key of obj (if present) into *out; it must be a non-empty string. */
static int
source_json_string(char **out, const cJSON *obj, const char *key, const char *jpath,
    char **cause)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (v == NULL)
		return 0;
	if (!cJSON_IsString(v) || v->valuestring == NULL || *v->valuestring == '\0')
		return xcause(cause, -EINVAL, "%s.%s: must be a non-empty string", jpath, key);
	*out = xstrdup(v->valuestring);
	return 0;
}

/* Check the keys of an object form: no duplicates, none outside the form's list. */
static int
source_json_keys(const cJSON *obj, const char *const *allowed, const char *form,
    const char *jpath, char **cause)
{
	const cJSON *c;
	int err;

	if ((err = jcheck_unique(obj, jpath, cause)) != 0)
		return err;
	for (c = obj->child; c != NULL; c = c->next) {
		if (jcheck_in_list(allowed, c->string))
			continue;
		if (jcheck_in_list(source_keys_path, c->string) ||
		    jcheck_in_list(source_keys_idx, c->string) ||
		    jcheck_in_list(source_keys_csv, c->string))
			return xcause(cause, -EINVAL, "%s.%s: unknown key with %s", jpath,
			    c->string, form);
		return xcause(cause, -EINVAL, "%s.%s: unknown key", jpath, c->string);
	}
	return 0;
}

/* Parse the trial's "dataset" value (a path string or an object) into src. */
int
source_parse(struct dataset_source *src, const cJSON *json, const char *jpath,
    char **cause)
{
	const cJSON *path, *format, *v;
	int cache = 1, err;

	memset(src, 0, sizeof *src);
	src->label_column = 0;
	src->header = -1;
	src->val_fraction = 0.1;
	if (jpath == NULL)
		jpath = "dataset";

	if (cJSON_IsString(json)) {
		if (json->valuestring == NULL || *json->valuestring == '\0') {
			err = xcause(cause, -EINVAL, "%s: must be a non-empty path", jpath);
			goto fail;
		}
		if ((err = source_path(src, json->valuestring, cause)) != 0)
			goto fail;
		goto done;
	}
	if (!cJSON_IsObject(json)) {
		err = xcause(cause, -EINVAL, "%s: must be a path string or an object", jpath);
		goto fail;
	}

	path = cJSON_GetObjectItemCaseSensitive(json, "path");
	format = cJSON_GetObjectItemCaseSensitive(json, "format");
	if (path != NULL) {
		if ((err = source_json_keys(json, source_keys_path, "\"path\"", jpath,
		    cause)) != 0)
			goto fail;
		if (!cJSON_IsString(path) || path->valuestring == NULL ||
		    *path->valuestring == '\0') {
			err = xcause(cause, -EINVAL, "%s.path: must be a non-empty string", jpath);
			goto fail;
		}
		if ((err = source_path(src, path->valuestring, cause)) != 0)
			goto fail;
	} else if (format == NULL) {
		err = xcause(cause, -EINVAL, "%s: needs \"path\" or \"format\"", jpath);
		goto fail;
	} else if (!cJSON_IsString(format) || format->valuestring == NULL ||
	    (strcmp(format->valuestring, "idx") != 0 &&
	    strcmp(format->valuestring, "csv") != 0)) {
		err = xcause(cause, -EINVAL, "%s.format: must be \"idx\" or \"csv\"", jpath);
		goto fail;
	} else if (strcmp(format->valuestring, "idx") == 0) {
		src->format = DATASET_IDX;
		if ((err = source_json_keys(json, source_keys_idx, "\"format\": \"idx\"", jpath,
		    cause)) != 0)
			goto fail;
		if ((err = source_json_string(&src->train_images, json, "train_images", jpath,
		    cause)) != 0 ||
		    (err = source_json_string(&src->train_labels, json, "train_labels", jpath,
		    cause)) != 0 ||
		    (err = source_json_string(&src->test_images, json, "test_images", jpath,
		    cause)) != 0 ||
		    (err = source_json_string(&src->test_labels, json, "test_labels", jpath,
		    cause)) != 0)
			goto fail;
		if (src->train_images == NULL || src->train_labels == NULL) {
			err = xcause(cause, -EINVAL, "%s.%s: required", jpath,
			    src->train_images == NULL ? "train_images" : "train_labels");
			goto fail;
		}
		if ((src->test_images == NULL) != (src->test_labels == NULL)) {
			err = xcause(cause, -EINVAL, "%s.%s: required when %s is given", jpath,
			    src->test_images == NULL ? "test_images" : "test_labels",
			    src->test_images == NULL ? "test_labels" : "test_images");
			goto fail;
		}
	} else {
		src->format = DATASET_CSV;
		if ((err = source_json_keys(json, source_keys_csv, "\"format\": \"csv\"", jpath,
		    cause)) != 0)
			goto fail;
		if ((err = source_json_string(&src->train_csv, json, "train", jpath,
		    cause)) != 0 ||
		    (err = source_json_string(&src->test_csv, json, "test", jpath, cause)) != 0)
			goto fail;
		if (src->train_csv == NULL) {
			err = xcause(cause, -EINVAL, "%s.train: required", jpath);
			goto fail;
		}
		if ((v = cJSON_GetObjectItemCaseSensitive(json, "label_column")) != NULL &&
		    cJSON_IsString(v) && v->valuestring != NULL && *v->valuestring != '\0') {
			src->label_name = xstrdup(v->valuestring);
			src->label_column = -1;
		} else if (v != NULL) {
			if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) ||
			    v->valuedouble > SOURCE_MAX_COLUMN ||
			    v->valuedouble != floor(v->valuedouble)) {
				err = xcause(cause, -EINVAL, "%s.label_column: must be an integer "
				    "in [0, %d] or a column name", jpath, SOURCE_MAX_COLUMN);
				goto fail;
			}
			src->label_column = (int)v->valuedouble;
		}
		if ((v = cJSON_GetObjectItemCaseSensitive(json, "header")) != NULL) {
			if (cJSON_IsBool(v))
				src->header = cJSON_IsTrue(v);
			else if (cJSON_IsString(v) && strcmp(v->valuestring, "auto") == 0)
				src->header = -1;
			else {
				err = xcause(cause, -EINVAL, "%s.header: must be true, false or "
				    "\"auto\"", jpath);
				goto fail;
			}
		}
		if (src->label_name != NULL && src->header == 0) {
			err = xcause(cause, -EINVAL, "%s.label_column: a column name needs a "
			    "header row, but header is false", jpath);
			goto fail;
		}
	}

	if ((v = cJSON_GetObjectItemCaseSensitive(json, "val_fraction")) != NULL) {
		if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= 0.9)) {
			err = xcause(cause, -EINVAL, "%s.val_fraction: must be a number in [0, 0.9]",
			    jpath);
			goto fail;
		}
		src->val_fraction = v->valuedouble;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(json, "cache")) != NULL) {
		if (!cJSON_IsBool(v)) {
			err = xcause(cause, -EINVAL, "%s.cache: must be true or false", jpath);
			goto fail;
		}
		cache = cJSON_IsTrue(v);
	}
done:
	if (cache)
		src->cache_dir = source_cache_dir();
	return 0;
fail:
	source_free(src);
	return err;
}

/* Free the strings of a source; safe to call twice or on a zeroed struct. */
void
source_free(struct dataset_source *src)
{
	free(src->train_images);
	free(src->train_labels);
	free(src->test_images);
	free(src->test_labels);
	free(src->train_csv);
	free(src->test_csv);
	free(src->cache_dir);
	free(src->label_name);
	src->label_name = NULL;
	src->train_images = src->train_labels = src->test_images = src->test_labels = NULL;
	src->train_csv = src->test_csv = src->cache_dir = NULL;
}

