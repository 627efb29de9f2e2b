/*
 * csvfield.c: where a CSV field starts and ends, quoted or not: the one function of
 * csvfield.h that is not inline (it is too big to inline at each of its calls in csv.c).
 */
#include <string.h>

#include "csvfield.h"

/*
 * Find the field starting at p in a line ending at e: [*fs, *fe) is its text without blanks
 * around and without quotes. Returns the position of the comma or e after it, or NULL for a
 * malformed quoted field.
 */
const char *
csvfield_find(const char *p, const char *e, const char **fs, const char **fe)
{
	const char *q;

	while (p < e && csvfield_blank(*p))
		p++;
	if (p < e && *p == '"') {
		q = p + 1;
		for (;;) {
			q = memchr(q, '"', (size_t)(e - q));
			if (q == NULL)
				return NULL;
			if (q + 1 < e && q[1] == '"') {
				q += 2;
				continue;
			}
			break;
		}
		*fs = p + 1;
		*fe = q;
		p = q + 1;
		while (p < e && csvfield_blank(*p))
			p++;
		if (p < e && *p != ',')
			return NULL;
		return p;
	}
	q = memchr(p, ',', (size_t)(e - p));
	if (q == NULL)
		q = e;
	*fs = p;
	*fe = q;
	while (*fe > *fs && csvfield_blank((*fe)[-1]))
		(*fe)--;
	return q;
}
