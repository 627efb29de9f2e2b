/*
 * lines.c: split what a stream reads into lines, keeping a partial line for the next read.
 * Layer: base
 */
#include <stdlib.h>
#include <string.h>

#include "lines.h"
#include "xmalloc.h"

#define LINES_CHUNK 65536

/* Room for the next read (libuv's alloc callback). */
void
lines_alloc(struct lines *l, uv_buf_t *buf)
{
	if (l->cap - l->len < LINES_CHUNK / 4) {
		l->cap = l->cap ? l->cap * 2 : LINES_CHUNK;
		l->buf = xreallocarray(l->buf, l->cap, 1);
	}
	*buf = uv_buf_init(l->buf + l->len, (unsigned)(l->cap - l->len));
}

/*
 * n bytes were read into the buffer: call fn for each whole line (NUL-terminated, without
 * its "\r\n" or "\n"; empty lines skipped) while it returns 0. Returns the bytes kept: the
 * partial line after the last newline (or everything after fn said stop).
 */
size_t
lines_feed(struct lines *l, size_t n, lines_fn fn, void *arg)
{
	char *start = l->buf, *nl;
	size_t used;

	l->len += n;
	while ((nl = memchr(start, '\n', l->len - (size_t)(start - l->buf))) != NULL) {
		*nl = '\0';
		if (nl > start && nl[-1] == '\r')
			nl[-1] = '\0';
		if (nl > start && fn(arg, start, strlen(start)) != 0) {
			start = nl + 1;
			break;
		}
		start = nl + 1;
	}
	used = (size_t)(start - l->buf);
	memmove(l->buf, start, l->len - used);
	l->len -= used;
	if (l->cap > 16 * LINES_CHUNK && l->len < LINES_CHUNK / 4) {	/* give back a big one */
		l->cap = LINES_CHUNK;
		l->buf = xreallocarray(l->buf, l->cap, 1);
	}
	return l->len;
}

/* At the end of the input: call fn for the partial line left, if any, and forget it. */
void
lines_rest(struct lines *l, lines_fn fn, void *arg)
{
	size_t n = l->len;

	if (n > 0 && l->buf[n - 1] == '\r')
		n--;
	if (n > 0) {
		if (n == l->cap)
			l->buf = xreallocarray(l->buf, ++l->cap, 1);
		l->buf[n] = '\0';
		fn(arg, l->buf, n);
	}
	l->len = 0;
}

/* Free the buffer. */
void
lines_free(struct lines *l)
{
	free(l->buf);
	memset(l, 0, sizeof *l);
}
