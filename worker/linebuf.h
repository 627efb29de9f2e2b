/* linebuf.h: what a program writes on a pipe, cut into lines, however long they are. */
#ifndef TUNA_LINEBUF_H
#define TUNA_LINEBUF_H

#include <stdbool.h>
#include <stddef.h>

#define LINEBUF_MAX (64 << 10)	/* the most of one line kept */

struct linebuf {
	char *buf;			/* the line so far (2 × LINEBUF_MAX bytes of room) */
	size_t len;
	bool cut;			/* it lost its beginning: it was longer than LINEBUF_MAX */
};

/* Called with each line (NUL-terminated, without its newline); cut: only its end is there. */
typedef void linebuf_fn(void *arg, const char *line, size_t len, bool cut);

void linebuf_init(struct linebuf *lb);
void linebuf_feed(struct linebuf *lb, const char *data, size_t n, linebuf_fn *fn, void *arg);
void linebuf_end(struct linebuf *lb, linebuf_fn *fn, void *arg);
void linebuf_free(struct linebuf *lb);

#endif
