/* cache.c: the shared cache file of a decoded data set, written once and mapped by every worker. */
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "classes.h"
#include "xmalloc.h"

#define CACHE_MAX_ROWS		((uint64_t)1 << 31)
#define CACHE_MAX_FEATURES	((uint64_t)1 << 24)

/* Round up to a multiple of CACHE_ALIGN; 0 on overflow. */
static uint64_t
cache_align(uint64_t n)
{
	if (n > UINT64_MAX - (CACHE_ALIGN - 1))
		return 0;
	return (n + CACHE_ALIGN - 1) & ~(uint64_t)(CACHE_ALIGN - 1);
}

/* Fill in a header (magic, version, counts, offsets, size) for arrays of these sizes. */
int
cache_layout(struct cache_header *h, enum dataset_ftype ftype, size_t n_train, size_t n_test,
    size_t features, size_t names_len, char **cause)
{
	uint64_t elem = ftype == DATASET_U8 ? 1 : sizeof(float);
	uint64_t off;

	memset(h, 0, sizeof *h);
	if (n_train > CACHE_MAX_ROWS || n_test > CACHE_MAX_ROWS || features == 0 ||
	    features > CACHE_MAX_FEATURES || names_len > CLASSES_MAX_PACKED)
		return xcause(cause, -EOVERFLOW, "data set too large: %zu + %zu rows of %zu features",
		    n_train, n_test, features);
	memcpy(h->magic, CACHE_MAGIC, sizeof h->magic);
	h->version = CACHE_VERSION;
	h->ftype = ftype;
	h->n_train = n_train;
	h->n_test = n_test;
	h->features = features;
	h->names_len = names_len;

	/* The limits above keep every product below 2^57: no overflow is possible. */
	off = cache_align(sizeof *h);
	h->x_train = off;
	off = cache_align(off + h->n_train * features * elem);
	h->y_train = off;
	off = cache_align(off + h->n_train * sizeof(uint16_t));
	h->x_test = off;
	off = cache_align(off + h->n_test * features * elem);
	h->y_test = off;
	off = cache_align(off + h->n_test * sizeof(uint16_t));
	h->names = off;
	off = cache_align(off + h->names_len);
	h->size = off;
	if (h->size > SIZE_MAX)
		return xcause(cause, -EOVERFLOW, "data set too large: %llu bytes",
		    (unsigned long long)h->size);
	return 0;
}

/* Check a cache block of size bytes: header, layout, labels and class names. */
int
cache_check(const void *block, size_t size, char **cause)
{
	const struct cache_header *h = block;
	struct cache_header want;
	const uint16_t *y;
	uint64_t i;

	if (size < sizeof *h)
		return xcause(cause, -EINVAL, "short file: %zu bytes", size);
	if (memcmp(h->magic, CACHE_MAGIC, sizeof h->magic) != 0)
		return xcause(cause, -EINVAL, "bad magic");
	if (h->version != CACHE_VERSION)
		return xcause(cause, -EINVAL, "version %u, expected %u", h->version, CACHE_VERSION);
	if (h->ftype != DATASET_U8 && h->ftype != DATASET_F32)
		return xcause(cause, -EINVAL, "bad feature type %u", h->ftype);
	if (h->classes < 2 || h->classes > DATASET_MAX_CLASSES)
		return xcause(cause, -EINVAL, "bad class count %u", h->classes);
	if (h->n_train > CACHE_MAX_ROWS || h->n_test > CACHE_MAX_ROWS ||
	    h->features > CACHE_MAX_FEATURES || h->n_train == 0 ||
	    h->names_len > CLASSES_MAX_PACKED)
		return xcause(cause, -EINVAL, "bad sizes");
	if (cache_layout(&want, h->ftype, h->n_train, h->n_test, h->features, h->names_len,
	    cause) != 0)
		return -EINVAL;
	if (h->x_train != want.x_train || h->y_train != want.y_train ||
	    h->x_test != want.x_test || h->y_test != want.y_test || h->names != want.names ||
	    h->size != want.size)
		return xcause(cause, -EINVAL, "inconsistent offsets");
	if (h->size != size)
		return xcause(cause, -EINVAL, "size %zu, expected %llu", size,
		    (unsigned long long)h->size);

	/* Labels index arrays in the trainer: never trust them blindly. */
	y = (const uint16_t *)((const char *)block + h->y_train);
	for (i = 0; i < h->n_train; i++) {
		if (y[i] >= h->classes)
			return xcause(cause, -EINVAL, "bad training label");
	}
	y = (const uint16_t *)((const char *)block + h->y_test);
	for (i = 0; i < h->n_test; i++) {
		if (y[i] >= h->classes)
			return xcause(cause, -EINVAL, "bad test label");
	}
	if (h->names_len > 0)
		return classes_check((const char *)block + h->names, h->names_len, (int)h->classes,
		    cause);
	return 0;
}

/* 64-bit FNV-1a hash of len bytes. */
uint64_t
cache_hash(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* The cache file name in dir for a key hash: <dir>/tuna-<16 hex digits>.cache. */
char *
cache_name(const char *dir, uint64_t hash)
{
	size_t len = strlen(dir);
	const char *sep = len > 0 && dir[len - 1] == '/' ? "" : "/";

	return xasprintf("%s%stuna-%016llx.cache", dir, sep, (unsigned long long)hash);
}

/* Create a directory and its parents (mode 0700 for new ones); it need not be writable. */
int
cache_mkdir(const char *dir, char **cause)
{
	char *copy, *p;
	struct stat st;
	int err = 0;

	if (*dir == '\0')
		return xcause(cause, -EINVAL, "empty cache directory name");
	copy = xstrdup(dir);
	for (p = copy + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		if (p[-1] != '/') {
			char c = *p;

			*p = '\0';
			if (mkdir(copy, 0700) != 0 && errno != EEXIST) {
				err = xcause(cause, -errno, "%s: %s", copy, strerror(errno));
				goto fail;
			}
			*p = c;
		}
		if (*p == '\0')
			break;
	}
	if (stat(dir, &st) != 0) {
		err = xcause(cause, -errno, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	if (!S_ISDIR(st.st_mode)) {
		err = xcause(cause, -ENOTDIR, "%s: %s", dir, strerror(ENOTDIR));
		goto fail;
	}
fail:
	free(copy);
	return err;
}

/* Map a cache file read-only after validating it. */
int
cache_open(const char *path, void **map, size_t *len, char **cause)
{
	struct stat st;
	void *p = MAP_FAILED;
	size_t size = 0;
	int fd, err = 0;

	*map = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return xcause(cause, -errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		err = xcause(cause, -errno, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size < sizeof(struct cache_header) ||
	    (uint64_t)st.st_size > SIZE_MAX) {
		err = xcause(cause, -EINVAL, "%s: not a cache file", path);
		goto fail;
	}
	size = (size_t)st.st_size;
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		err = xcause(cause, -errno, "%s: mmap: %s", path, strerror(errno));
		goto fail;
	}
	if ((err = cache_check(p, size, cause)) != 0)
		goto fail;
	close(fd);
	*map = p;
	*len = size;
	return 0;
fail:
	if (p != MAP_FAILED)
		munmap(p, size);
	close(fd);
	return err;
}

/* Write a cache file atomically (temporary file and rename). */
int
cache_write(const char *path, const void *block, size_t len, char **cause)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	const char *p = block;
	size_t done = 0;
	ssize_t n;
	int fd, err = 0;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		err = xcause(cause, -errno, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	while (done < len) {
		n = write(fd, p + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = xcause(cause, n < 0 ? -errno : -EIO, "%s: write: %s", tmp,
			    strerror(n < 0 ? errno : EIO));
			goto fail;
		}
		done += (size_t)n;
	}
	/* A cache file that reaches the disk after its name would be silently wrong. */
	if (fsync(fd) != 0) {
		err = xcause(cause, -errno, "%s: fsync: %s", tmp, strerror(errno));
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		err = xcause(cause, -errno, "%s: close: %s", tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		err = xcause(cause, -errno, "%s: rename: %s", tmp, strerror(errno));
		goto fail;
	}
	free(tmp);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	return err;
}

/* Take the build lock of a cache file (<name>.lock), waiting for its holder; -errno if none. */
int
cache_lock(const char *path, char **cause)
{
	size_t len = strlen(path);
	char *name;
	int fd;

	if (len > 6 && strcmp(path + len - 6, ".cache") == 0)
		len -= 6;
	name = xasprintf("%.*s.lock", (int)len, path);
	fd = open(name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		fd = xcause(cause, -errno, "%s: %s", name, strerror(errno));
		goto out;
	}
	while (flock(fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			close(fd);
			fd = xcause(cause, -errno, "%s: flock: %s", name, strerror(errno));
			goto out;
		}
	}
out:
	free(name);
	return fd;
}

/* Release a build lock taken by cache_lock (a negative fd is ignored). */
void
cache_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}
