/* cache.h: the shared cache file of a decoded data set: its layout, writing and mapping it. */
#ifndef TUNA_CACHE_H
#define TUNA_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"

#define CACHE_MAGIC	"TUNACACH"
#define CACHE_VERSION	2	/* 2: class names */
#define CACHE_ALIGN	64

/*
 * The file starts with this header; the arrays follow at CACHE_ALIGN-aligned offsets, then the
 * class names of text labels (each NUL-terminated, in class order; none for integer labels).
 * The same layout is used for the private in-memory copy when there is no cache file.
 */
struct cache_header {
	char magic[8];		/* CACHE_MAGIC, not NUL-terminated */
	uint32_t version;	/* CACHE_VERSION */
	uint32_t ftype;		/* enum dataset_ftype */
	uint64_t n_train;	/* rows of the training file (train and validation) */
	uint64_t n_test;	/* rows of the test set, 0 when there is none */
	uint64_t features;
	uint32_t classes;
	uint32_t reserved;
	uint64_t x_train;	/* byte offsets of the arrays */
	uint64_t y_train;
	uint64_t x_test;
	uint64_t y_test;
	uint64_t names;		/* byte offset of the class names */
	uint64_t names_len;	/* their size in bytes, 0 for integer labels */
	uint64_t size;		/* total size of the file */
};

/* Fill in a header (magic, version, counts, offsets, size) for arrays of these sizes. */
int cache_layout(struct cache_header *h, enum dataset_ftype ftype, size_t n_train,
    size_t n_test, size_t features, size_t names_len, char **cause);
/* Check a cache block of size bytes: header, layout, labels and class names. */
int cache_check(const void *block, size_t size, char **cause);
/* 64-bit FNV-1a hash of len bytes. */
uint64_t cache_hash(const void *data, size_t len);
/* The cache file name in dir for a key hash: <dir>/tuna-<16 hex digits>.cache. */
char *cache_name(const char *dir, uint64_t hash);
/* Create a directory and its parents (mode 0700 for new ones); it need not be writable. */
int cache_mkdir(const char *dir, char **cause);
/* Map a cache file read-only after validating it. */
int cache_open(const char *path, void **map, size_t *len, char **cause);
/* Write a cache file atomically (temporary file and rename). */
int cache_write(const char *path, const void *block, size_t len, char **cause);
/* Take the build lock of a cache file (<name>.lock), waiting for its holder; -errno if none. */
int cache_lock(const char *path, char **cause);
/* Release a build lock taken by cache_lock (a negative fd is ignored). */
void cache_unlock(int fd);

#endif
