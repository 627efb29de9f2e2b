/*
 * csvfield.h: the fields of a CSV line in a buffer: where one starts and ends, its text
 * unquoted, its value as a number. The functions are inline, for the row loop of csv.c,
 * except csvfield_find (csvfield.c), which gcc kept out of line there anyway. Inlining it,
 * or moving the others out of line, reshapes that loop (5% slower, gcc 12, test_csv).
 */
#ifndef TUNA_CSVFIELD_H
#define TUNA_CSVFIELD_H

#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CSVFIELD_SHOW	40		/* characters of a bad field quoted in messages */

/* What csvfield_number found: a number, not a number, or a number out of range for a float. */
enum { CSVFIELD_NUMBER = 0, CSVFIELD_NAN = -1, CSVFIELD_RANGE = -2 };

/* The powers of ten that are exact doubles, for csvfield_fast. */
static const double csvfield_pow10[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
	1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

/* Whether c is a blank inside a line. */
static inline int
csvfield_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Whether c is white space, line ends included. */
static inline int
csvfield_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Parse a plain decimal ([sign] digits [. digits], blanks around) at p; a '\n' must follow
 * somewhere. Returns the position of the comma or line end ('\n', or '\r' before '\n') after
 * it, or NULL when the field needs the slow path. The result is exact: a mantissa of at most
 * 2^53 divided by an exact power of ten is rounded once, as strtod rounds.
 */
static inline const char *
csvfield_fast(const char *p, double *v)
{
	uint64_t m = 0;
	int neg = 0, nd = 0, frac = 0;
	double d;

	while (csvfield_blank(*p))
		p++;
	if (*p == '-' || *p == '+') {
		neg = *p == '-';
		p++;
	}
	while ((unsigned char)(*p - '0') < 10) {
		if (++nd > 19)
			return NULL;
		m = m * 10 + (unsigned)(*p++ - '0');
	}
	if (*p == '.') {
		p++;
		while ((unsigned char)(*p - '0') < 10) {
			if (++nd > 19)
				return NULL;
			m = m * 10 + (unsigned)(*p++ - '0');
			frac++;
		}
	}
	if (nd == 0 || m > ((uint64_t)1 << 53) || frac > 22)
		return NULL;
	while (csvfield_blank(*p))
		p++;
	if (*p != ',' && *p != '\n' && !(*p == '\r' && p[1] == '\n'))
		return NULL;
	d = (double)m;
	if (frac > 0)
		d /= csvfield_pow10[frac];
	*v = neg ? -d : d;
	return p;
}

/*
 * Find the field at p in a line ending at e: [*fs, *fe) is its text, unquoted and unblanked;
 * returns the comma or e after it, or NULL for a malformed quoted field.
 */
const char *csvfield_find(const char *p, const char *e, const char **fs, const char **fe);

/* The end of the line starting at p ('\n', or the '\r' before it); a '\n' comes before lim. */
static inline const char *
csvfield_line_end(const char *p, const char *lim)
{
	const char *e = memchr(p, '\n', (size_t)(lim - p));

	return e > p && e[-1] == '\r' ? e - 1 : e;
}

/* Parse a whole field with strtod: CSVFIELD_NUMBER, CSVFIELD_NAN or CSVFIELD_RANGE. */
static inline int
csvfield_number(const char *s, const char *e, double *v)
{
	char buf[128], *end;
	size_t n = (size_t)(e - s);

	if (n == 0 || n >= sizeof buf)
		return CSVFIELD_NAN;
	memcpy(buf, s, n);
	buf[n] = '\0';
	*v = strtod(buf, &end);
	if (end != buf + n)
		return CSVFIELD_NAN;
	if (!isfinite(*v) || fabs(*v) > FLT_MAX)
		return CSVFIELD_RANGE;
	return CSVFIELD_NUMBER;
}

/* Quote a bad field in a message: its length, capped at CSVFIELD_SHOW. */
static inline int
csvfield_show(const char *fs, const char *fe)
{
	return fe - fs > CSVFIELD_SHOW ? CSVFIELD_SHOW : (int)(fe - fs);
}

/* Whether the field [fs, fe) reads name (a quoted field has its quotes doubled inside). */
static inline int
csvfield_is(const char *fs, const char *fe, int quoted, const char *name)
{
	for (; fs < fe; fs += quoted && *fs == '"' ? 2 : 1) {
		if (*name == '\0' || *name++ != *fs)
			return 0;
	}
	return *name == '\0';
}

/* Copy a field to out (max + 1 bytes) undoubling its quotes: its length, or max + 1. */
static inline size_t
csvfield_unquote(char *out, size_t max, const char *fs, const char *fe, int quoted)
{
	size_t n = 0;

	for (; fs < fe; fs += quoted && *fs == '"' ? 2 : 1) {
		if (n == max)
			return max + 1;
		out[n++] = *fs;
	}
	out[n] = '\0';
	return n;
}

#endif
