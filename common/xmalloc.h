/* xmalloc.h: allocation that aborts on failure, and allocated formatting. */
#ifndef TUNA_XMALLOC_H
#define TUNA_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
void *xaligned(size_t size);
char *xstrdup(const char *s);
/* Say why an allocation would fail (e.g. a resource limit), in the abort message; NULL: none. */
void xmalloc_set_reason(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);
/* Set *cause (if cause is non-NULL) to a formatted message; returns err. */
int xcause(char **cause, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
