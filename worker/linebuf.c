/*
 * linebuf.c: cut a program's output into lines for tuna-exec, never failing on a long one. A
 * line longer than LINEBUF_MAX keeps what follows its last carriage return if that fits (a
 * progress bar redrawn in place thousands of times: only its last state matters), else only
 * its end, and is handed out marked cut. The bytes themselves go to the log whole, elsewhere.
 */
#include <stdlib.h>
#include <string.h>

#include "linebuf.h"
#include "xmalloc.h"

/* Start with an empty line. */
void
linebuf_init(struct linebuf *lb)
{
	memset(lb, 0, sizeof *lb);
	lb->buf = xmalloc(2 * LINEBUF_MAX + 1);
}

/* Free the buffer. */
void
linebuf_free(struct linebuf *lb)
{
	free(lb->buf);
	memset(lb, 0, sizeof *lb);
}

/* Add at most LINEBUF_MAX bytes of a line; past LINEBUF_MAX, keep what matters of it. */
static void
linebuf_add(struct linebuf *lb, const char *s, size_t n)
{
	const char *cr;
	size_t keep;

	memcpy(lb->buf + lb->len, s, n);
	lb->len += n;
	if (lb->len <= LINEBUF_MAX)
		return;
	cr = memrchr(lb->buf, '\r', lb->len);
	if (cr != NULL && lb->len - (size_t)(cr + 1 - lb->buf) <= LINEBUF_MAX) {
		keep = lb->len - (size_t)(cr + 1 - lb->buf);
		lb->cut = false;	/* what follows a carriage return is whole */
	} else {
		keep = LINEBUF_MAX / 2;
		lb->cut = true;
	}
	memmove(lb->buf, lb->buf + lb->len - keep, keep);
	lb->len = keep;
}

/* Hand out the line held, and start the next. */
static void
linebuf_emit(struct linebuf *lb, linebuf_fn *fn, void *arg)
{
	lb->buf[lb->len] = '\0';
	fn(arg, lb->buf, lb->len, lb->cut);
	lb->len = 0;
	lb->cut = false;
}

/* n more bytes of output: call fn for each line they complete. */
void
linebuf_feed(struct linebuf *lb, const char *data, size_t n, linebuf_fn *fn, void *arg)
{
	const char *nl;
	size_t k;

	while (n > 0) {
		nl = memchr(data, '\n', n);
		k = nl != NULL ? (size_t)(nl - data) : n;
		if (k > LINEBUF_MAX)
			k = LINEBUF_MAX;
		linebuf_add(lb, data, k);
		data += k;
		n -= k;
		if (n > 0 && *data == '\n') {
			linebuf_emit(lb, fn, arg);
			data++;
			n--;
		}
	}
}

/* At the end of the output: the last line, if it had no newline. */
void
linebuf_end(struct linebuf *lb, linebuf_fn *fn, void *arg)
{
	if (lb->len > 0 || lb->cut)
		linebuf_emit(lb, fn, arg);
}
