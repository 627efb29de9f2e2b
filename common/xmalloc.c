/* xmalloc.c: allocation wrappers; only allocator failure aborts the program. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

static const char *xmalloc_reason;	/* why an allocation would fail, or NULL */

/* Say why an allocation would fail from now on (NULL: out of memory); s must stay valid. */
void
xmalloc_set_reason(const char *s)
{
	xmalloc_reason = s;
}

/* Report an allocation failure and abort. */
static void __attribute__((noreturn))
xmalloc_fatal(const char *what, size_t size)
{
	if (xmalloc_reason != NULL)
		fprintf(stderr, "tuna: %s: %s of %zu bytes failed\n", xmalloc_reason, what, size);
	else
		fprintf(stderr, "tuna: %s of %zu bytes failed: out of memory\n", what, size);
	abort();
}

/* Allocate size bytes (at least one). */
void *
xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		xmalloc_fatal("malloc", size);
	return p;
}

/* Allocate a zeroed array. */
void *
xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		xmalloc_fatal("calloc", nmemb * size);
	return p;
}

/* Resize an array, checking the multiplication for overflow. */
void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	void *p;

	if (size != 0 && nmemb > SIZE_MAX / size)
		xmalloc_fatal("reallocarray (overflow)", SIZE_MAX);
	p = realloc(ptr, nmemb * size != 0 ? nmemb * size : 1);
	if (p == NULL)
		xmalloc_fatal("realloc", nmemb * size);
	return p;
}

/* Allocate 64-byte aligned memory (for vector loops), zeroed. */
void *
xaligned(size_t size)
{
	void *p;
	size_t rounded = (size + 63) & ~(size_t)63;

	if (rounded == 0)
		rounded = 64;
	if (posix_memalign(&p, 64, rounded) != 0)
		xmalloc_fatal("posix_memalign", size);
	memset(p, 0, rounded);
	return p;
}

/* Duplicate a string. */
char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		xmalloc_fatal("strdup", strlen(s) + 1);
	return p;
}

/* Format into a newly allocated string. */
char *
xvasprintf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		xmalloc_fatal("vasprintf", 0);
	return s;
}

/* Format into a newly allocated string. */
char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

/* Store a formatted message in *cause (replacing nothing: caller frees). */
int
xcause(char **cause, int err, const char *fmt, ...)
{
	va_list ap;

	if (cause != NULL) {
		va_start(ap, fmt);
		*cause = xvasprintf(fmt, ap);
		va_end(ap);
	}
	return err;
}
