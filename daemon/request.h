/*
 * request.h: one request line from a client, dispatched through the request table.
 * Layer: front
 */
#ifndef TUNA_REQUEST_H
#define TUNA_REQUEST_H

#include <stddef.h>

struct conn;

void request_handle(struct conn *c, const char *line, size_t len);

#endif
