/*
 * lines.h: a read buffer that hands out whole lines (client requests, worker events).
 * Layer: base
 */
#ifndef TUNA_LINES_H
#define TUNA_LINES_H

#include <stddef.h>

#include <uv.h>

struct lines {
	char *buf;
	size_t len, cap;
};

typedef int (*lines_fn)(void *arg, char *line, size_t len);

void lines_alloc(struct lines *l, uv_buf_t *buf);
size_t lines_feed(struct lines *l, size_t n, lines_fn fn, void *arg);
void lines_rest(struct lines *l, lines_fn fn, void *arg);
void lines_free(struct lines *l);

#endif
