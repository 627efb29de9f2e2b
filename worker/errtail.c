/*
 * errtail.c: keep the last ERRTAIL_LINES non-blank lines of a program's standard error,
 * cleaned as metric lines are (the last state of a line redrawn with carriage returns, no
 * terminal escapes, no surrounding blanks), and join them "a; b; c" in at most ERRTAIL_BYTES,
 * the oldest lines dropped first, for a message like "train.py exited with status 1: …".
 */
#include <stdlib.h>
#include <string.h>

#include "errtail.h"
#include "metricline.h"
#include "xmalloc.h"

/* Keep one more line (len bytes); blank ones are not kept. */
void
errtail_add(struct errtail *t, const char *line, size_t len)
{
	char *s = metricline_clean(line, len), *short_s;
	size_t n = strlen(s);

	if (n == 0) {
		free(s);
		return;
	}
	if (n > ERRTAIL_BYTES) {	/* its end: a message's last words say the most */
		short_s = xasprintf("…%s", s + n - (ERRTAIL_BYTES - 4));
		free(s);
		s = short_s;
	}
	if (t->n == ERRTAIL_LINES) {
		free(t->line[0]);
		memmove(t->line, t->line + 1, (ERRTAIL_LINES - 1) * sizeof *t->line);
		t->n--;
	}
	t->line[t->n++] = s;
}

/* The lines kept, joined with "; " in at most ERRTAIL_BYTES (caller frees; "" for none). */
char *
errtail_join(const struct errtail *t)
{
	size_t total = 0;
	int first, i;
	char *out, *o;

	for (first = t->n; first > 0; first--) {
		size_t add = strlen(t->line[first - 1]) + (first < t->n ? 2 : 0);

		if (total + add > ERRTAIL_BYTES && first < t->n)
			break;
		total += add;
	}
	o = out = xmalloc(total + 1);
	for (i = first; i < t->n; i++) {
		if (i > first) {
			memcpy(o, "; ", 2);
			o += 2;
		}
		memcpy(o, t->line[i], strlen(t->line[i]));
		o += strlen(t->line[i]);
	}
	*o = '\0';
	return out;
}

/* Free the lines kept. */
void
errtail_free(struct errtail *t)
{
	int i;

	for (i = 0; i < t->n; i++)
		free(t->line[i]);
	memset(t, 0, sizeof *t);
}
