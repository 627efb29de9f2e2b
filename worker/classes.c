/*
 * classes.c: the class names of a data set with text labels. The loader adds each new name as
 * it meets it, then sorts the table so that the classes are numbered in strcmp order of their
 * names; the sorted table is packed (NUL-terminated names) into the cache file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "classes.h"
#include "xmalloc.h"

/* A name and its id, for sorting. */
struct classes_entry {
	char *name;
	int id;
};

/* Whether len bytes are valid UTF-8 without a NUL byte. */
int
classes_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + len;
	unsigned int c, min;
	int n;

	while (p < e) {
		c = *p++;
		if (c == 0)
			return 0;
		if (c < 0x80)
			continue;
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			c &= 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			c &= 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			c &= 0x07;
			min = 0x10000;
		} else
			return 0;
		if (e - p < n)
			return 0;
		for (; n > 0; n--, p++) {
			if ((*p & 0xc0) != 0x80)
				return 0;
			c = c << 6 | (*p & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return 0;
	}
	return 1;
}

/* The first hash slot of a name (32-bit FNV-1a). */
static size_t
classes_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h & (CLASSES_SLOTS - 1);
}

/* The slot holding a name of len bytes, or the empty slot where it would go. */
static size_t
classes_slot(const struct classes *cl, const char *s, size_t len)
{
	size_t i = classes_hash(s, len);
	const char *name;

	for (;; i = (i + 1) & (CLASSES_SLOTS - 1)) {
		if (cl->slots[i] == 0)
			return i;
		name = cl->names[cl->slots[i] - 1];
		if (strnlen(name, len + 1) == len && memcmp(name, s, len) == 0)
			return i;
	}
}

/* The id of a name of len bytes, or -1. */
int
classes_find(const struct classes *cl, const char *s, size_t len)
{
	return cl->slots[classes_slot(cl, s, len)] - 1;
}

/* Add a name that is not in the table: its id, or -1 when the table is full. */
int
classes_add(struct classes *cl, const char *s, size_t len)
{
	char *name;

	if (cl->n >= DATASET_MAX_CLASSES)
		return -1;
	name = xmalloc(len + 1);
	memcpy(name, s, len);
	name[len] = '\0';
	cl->names = xreallocarray(cl->names, (size_t)cl->n + 1, sizeof *cl->names);
	cl->names[cl->n] = name;
	cl->slots[classes_slot(cl, s, len)] = (uint16_t)(cl->n + 1);
	return cl->n++;
}

/* Order entries by name. */
static int
classes_cmp(const void *a, const void *b)
{
	return strcmp(((const struct classes_entry *)a)->name,
	    ((const struct classes_entry *)b)->name);
}

/* Sort the names in strcmp order; map[old id] becomes the new id. */
void
classes_sort(struct classes *cl, uint16_t *map)
{
	struct classes_entry *e;
	int i;

	if (cl->n == 0)
		return;
	e = xreallocarray(NULL, (size_t)cl->n, sizeof *e);
	for (i = 0; i < cl->n; i++) {
		e[i].name = cl->names[i];
		e[i].id = i;
	}
	qsort(e, (size_t)cl->n, sizeof *e, classes_cmp);
	memset(cl->slots, 0, sizeof cl->slots);
	for (i = 0; i < cl->n; i++) {
		cl->names[i] = e[i].name;
		map[e[i].id] = (uint16_t)i;
		cl->slots[classes_slot(cl, e[i].name, strlen(e[i].name))] = (uint16_t)(i + 1);
	}
	free(e);
}

/* The names as a message: up to max of them quoted, then "…" if there are more. */
char *
classes_list(const struct classes *cl, int max)
{
	char *s = xstrdup(""), *next;
	int i;

	for (i = 0; i < cl->n && i < max; i++) {
		next = xasprintf("%s%s\"%s\"", s, i > 0 ? ", " : "", cl->names[i]);
		free(s);
		s = next;
	}
	if (cl->n > max) {
		next = xasprintf("%s, …", s);
		free(s);
		s = next;
	}
	return s;
}

/* The size of the packed table. */
size_t
classes_packed_size(const struct classes *cl)
{
	size_t len = 0;
	int i;

	for (i = 0; i < cl->n; i++)
		len += strlen(cl->names[i]) + 1;
	return len;
}

/* Write the packed table (classes_packed_size bytes) to out. */
void
classes_pack(const struct classes *cl, char *out)
{
	size_t len;
	int i;

	for (i = 0; i < cl->n; i++) {
		len = strlen(cl->names[i]) + 1;
		memcpy(out, cl->names[i], len);
		out += len;
	}
}

/* Check a packed table of len bytes: n valid names in strictly increasing order. */
int
classes_check(const char *p, size_t len, int n, char **cause)
{
	const char *e = p + len, *prev = NULL, *end;
	int i;

	for (i = 0; i < n; i++) {
		if ((end = memchr(p, '\0', (size_t)(e - p))) == NULL)
			return xcause(cause, -EINVAL, "class names: %d of %d", i, n);
		if (end == p || end - p > CLASSES_MAX_NAME || !classes_valid(p, (size_t)(end - p)))
			return xcause(cause, -EINVAL, "class name %d: bad length or encoding", i);
		if (prev != NULL && strcmp(prev, p) >= 0)
			return xcause(cause, -EINVAL, "class name %d: out of order", i);
		prev = p;
		p = end + 1;
	}
	if (p != e)
		return xcause(cause, -EINVAL, "class names: %zu bytes too many", (size_t)(e - p));
	return 0;
}

/* Pointers to the n names of a checked packed table (an array to free). */
const char **
classes_unpack(const char *p, int n)
{
	const char **names = xreallocarray(NULL, (size_t)n, sizeof *names);
	int i;

	for (i = 0; i < n; i++) {
		names[i] = p;
		p += strlen(p) + 1;
	}
	return names;
}

/* Free the names; safe to call twice or on a zeroed struct. */
void
classes_free(struct classes *cl)
{
	int i;

	for (i = 0; i < cl->n; i++)
		free(cl->names[i]);
	free(cl->names);
	cl->names = NULL;
	cl->n = 0;
	memset(cl->slots, 0, sizeof cl->slots);
}
