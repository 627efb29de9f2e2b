/* classes.h: the class names of a data set with text labels: collected, sorted and packed. */
#ifndef TUNA_CLASSES_H
#define TUNA_CLASSES_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"

#define CLASSES_MAX_NAME	256	/* bytes in a class name */
#define CLASSES_SLOTS		(2 * DATASET_MAX_CLASSES)	/* hash table, a power of two */
/* The largest packed table: every name NUL-terminated, in class order. */
#define CLASSES_MAX_PACKED	((size_t)DATASET_MAX_CLASSES * (CLASSES_MAX_NAME + 1))

/* A table of distinct class names; ids are in the order of addition until classes_sort. */
struct classes {
	char **names;			/* n names, NUL-terminated */
	int n;
	uint16_t slots[CLASSES_SLOTS];	/* id + 1 by hash, 0 for an empty slot */
};

/* Whether len bytes are valid UTF-8 without a NUL byte. */
int classes_valid(const char *s, size_t len);
/* The id of a name of len bytes, or -1. */
int classes_find(const struct classes *cl, const char *s, size_t len);
/* Add a name that is not in the table: its id, or -1 when the table is full. */
int classes_add(struct classes *cl, const char *s, size_t len);
/* Sort the names in strcmp order; map[old id] becomes the new id. */
void classes_sort(struct classes *cl, uint16_t *map);
/* The names as a message: up to max of them quoted, then "…" if there are more. */
char *classes_list(const struct classes *cl, int max);
/* The size of the packed table. */
size_t classes_packed_size(const struct classes *cl);
/* Write the packed table (classes_packed_size bytes) to out. */
void classes_pack(const struct classes *cl, char *out);
/* Check a packed table of len bytes: n valid names in strictly increasing order. */
int classes_check(const char *p, size_t len, int n, char **cause);
/* Pointers to the n names of a checked packed table (an array to free). */
const char **classes_unpack(const char *p, int n);
/* Free the names; safe to call twice or on a zeroed struct. */
void classes_free(struct classes *cl);

#endif
