/* testutil.h: tiny header-only assertions and temporary-directory helpers for the unit tests. */
#ifndef TUNA_TESTUTIL_H
#define TUNA_TESTUTIL_H

#include <sys/stat.h>

#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ASSERT(expr) do {							\
	if (!(expr)) {								\
		fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__,	\
		    __LINE__, #expr);						\
		abort();							\
	}									\
} while (0)

#define ASSERT_EQ_INT(a, b) do {						\
	long long tu_a_ = (long long)(a), tu_b_ = (long long)(b);		\
	if (tu_a_ != tu_b_) {							\
		fprintf(stderr, "%s:%d: assertion failed: %s == %s "		\
		    "(%lld != %lld)\n", __FILE__, __LINE__, #a, #b, tu_a_,	\
		    tu_b_);							\
		abort();							\
	}									\
} while (0)

#define ASSERT_EQ_SIZE(a, b) do {						\
	size_t tu_a_ = (size_t)(a), tu_b_ = (size_t)(b);			\
	if (tu_a_ != tu_b_) {							\
		fprintf(stderr, "%s:%d: assertion failed: %s == %s "		\
		    "(%zu != %zu)\n", __FILE__, __LINE__, #a, #b, tu_a_, tu_b_);\
		abort();							\
	}									\
} while (0)

#define ASSERT_NEAR(a, b, tol) do {						\
	double tu_a_ = (double)(a), tu_b_ = (double)(b);			\
	double tu_t_ = (double)(tol);						\
	if (!(fabs(tu_a_ - tu_b_) <= tu_t_)) {					\
		fprintf(stderr, "%s:%d: assertion failed: %s ~= %s "		\
		    "(%.9g vs %.9g, tolerance %g)\n", __FILE__, __LINE__, #a,	\
		    #b, tu_a_, tu_b_, tu_t_);					\
		abort();							\
	}									\
} while (0)

#define ASSERT_EQ_STR(a, b) do {						\
	const char *tu_a_ = (a), *tu_b_ = (b);					\
	if (tu_a_ == NULL || tu_b_ == NULL || strcmp(tu_a_, tu_b_) != 0) {	\
		fprintf(stderr, "%s:%d: assertion failed: %s == %s "		\
		    "(\"%s\" != \"%s\")\n", __FILE__, __LINE__, #a, #b,		\
		    tu_a_ ? tu_a_ : "(null)", tu_b_ ? tu_b_ : "(null)");	\
		abort();							\
	}									\
} while (0)

#define ASSERT_STR_CONTAINS(haystack, needle) do {				\
	const char *tu_h_ = (haystack), *tu_n_ = (needle);			\
	if (tu_h_ == NULL || strstr(tu_h_, tu_n_) == NULL) {			\
		fprintf(stderr, "%s:%d: assertion failed: %s contains %s "	\
		    "(\"%s\" does not contain \"%s\")\n", __FILE__, __LINE__,	\
		    #haystack, #needle, tu_h_ ? tu_h_ : "(null)", tu_n_);	\
		abort();							\
	}									\
} while (0)

/* Make a fresh temporary directory under $TMPDIR (or /tmp); the caller frees the name. */
static inline char *
tu_mkdtemp(const char *prefix)
{
	const char *base = getenv("TMPDIR");
	char *path;
	size_t len;

	if (base == NULL || *base == '\0')
		base = "/tmp";
	len = strlen(base) + strlen(prefix) + 16;
	path = malloc(len);
	ASSERT(path != NULL);
	snprintf(path, len, "%s/%s.XXXXXX", base, prefix);
	ASSERT(mkdtemp(path) != NULL);
	return path;
}

/* nftw callback removing one entry. */
static inline int
tu_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Remove a directory tree (for temporary directories only). */
static inline void
tu_rmtree(const char *path)
{
	nftw(path, tu_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Join a directory and a file name into a new string; the caller frees it. */
static inline char *
tu_path(const char *dir, const char *name)
{
	size_t len = strlen(dir) + strlen(name) + 2;
	char *p = malloc(len);

	ASSERT(p != NULL);
	snprintf(p, len, "%s/%s", dir, name);
	return p;
}

/* Write len bytes to a file, replacing it. */
static inline void
tu_write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	ASSERT(f != NULL);
	ASSERT(fwrite(data, 1, len, f) == len);
	ASSERT(fclose(f) == 0);
}

/* Write a string to a file, replacing it. */
static inline void
tu_write_str(const char *path, const char *s)
{
	tu_write_file(path, s, strlen(s));
}

#endif
