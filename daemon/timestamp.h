/*
 * timestamp.h: a moment as tuna records it — milliseconds since 1970-01-01 00:00 UTC — and its
 * text, UTC "YYYY-MM-DD HH:MM:SS.mmm", as events show it and the store keeps it.
 * Layer: base
 */
#ifndef TUNA_TIMESTAMP_H
#define TUNA_TIMESTAMP_H

#include <stddef.h>
#include <stdint.h>

#define TIMESTAMP_LEN 24	/* the text and its NUL */

int64_t timestamp_now(void);
void timestamp_format(int64_t ms, char *buf, size_t len);

#endif
