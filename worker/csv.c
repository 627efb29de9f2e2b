/* csv.c: reader for numeric CSV files with one integer label column; fast path for plain decimals. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "dataset.h"
#include "xmalloc.h"

#define CSV_SHOW	40	/* characters of a bad field quoted in messages */

enum { CSV_NUMBER = 0, CSV_NAN = -1, CSV_RANGE = -2 };

static const double csv_pow10[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
	1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

/* Whether c is a blank inside a line. */
static inline int
csv_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Parse a plain decimal ([sign] digits [. digits], blanks around) at p in a line ending at e.
 * Returns the position of the comma or e after it, or NULL when the field needs the slow path.
 * The result is exact: a mantissa below 2^53 divided by an exact power of ten is rounded once,
 * which is what strtod gives.
 */
static inline const char *
csv_fast(const char *p, const char *e, double *v)
{
	uint64_t m = 0;
	int neg = 0, nd = 0, frac = 0;
	double d;

	while (p < e && csv_blank(*p))
		p++;
	if (p < e && (*p == '-' || *p == '+')) {
		neg = *p == '-';
		p++;
	}
	while (p < e && (unsigned char)(*p - '0') < 10) {
		if (++nd > 19)
			return NULL;
		m = m * 10 + (unsigned)(*p++ - '0');
	}
	if (p < e && *p == '.') {
		p++;
		while (p < e && (unsigned char)(*p - '0') < 10) {
			if (++nd > 19)
				return NULL;
			m = m * 10 + (unsigned)(*p++ - '0');
			frac++;
		}
	}
	if (nd == 0 || m > ((uint64_t)1 << 53) || frac > 22)
		return NULL;
	while (p < e && csv_blank(*p))
		p++;
	if (p < e && *p != ',')
		return NULL;
	d = (double)m;
	if (frac > 0)
		d /= csv_pow10[frac];
	*v = neg ? -d : d;
	return p;
}

/*
 * Find the field starting at p in a line ending at e: [*fs, *fe) is its text without blanks
 * around and without quotes. Returns the position of the comma or e after it, or NULL for a
 * malformed quoted field.
 */
static const char *
csv_field(const char *p, const char *e, const char **fs, const char **fe)
{
	const char *q;

	while (p < e && csv_blank(*p))
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
		while (p < e && csv_blank(*p))
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
	while (*fe > *fs && csv_blank((*fe)[-1]))
		(*fe)--;
	return q;
}

/* Parse a whole field with strtod: CSV_NUMBER, CSV_NAN (not a number) or CSV_RANGE (not a float). */
static int
csv_number(const char *s, const char *e, double *v)
{
	char buf[128], *end;
	size_t n = (size_t)(e - s);

	if (n == 0 || n >= sizeof buf)
		return CSV_NAN;
	memcpy(buf, s, n);
	buf[n] = '\0';
	*v = strtod(buf, &end);
	if (end != buf + n)
		return CSV_NAN;
	if (!isfinite(*v) || fabs(*v) > FLT_MAX)
		return CSV_RANGE;
	return CSV_NUMBER;
}

/* Read the whole file into c->text (NUL-terminated). */
static int
csv_slurp(struct csv *c, const char *path, char **cause)
{
	struct stat st;
	size_t cap;
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return xcause(cause, -errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		err = xcause(cause, -errno, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		err = xcause(cause, -EISDIR, "%s: %s", path, strerror(EISDIR));
		goto fail;
	}
	cap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 1 : 65536;
	c->text = xmalloc(cap);
	c->len = 0;
	for (;;) {
		if (c->len + 1 == cap) {
			cap *= 2;
			c->text = xreallocarray(c->text, cap, 1);
		}
		n = read(fd, c->text + c->len, cap - 1 - c->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = xcause(cause, -errno, "%s: offset %zu: %s", path, c->len,
			    strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		c->len += (size_t)n;
	}
	c->text[c->len] = '\0';
	close(fd);
	return 0;
fail:
	close(fd);
	free(c->text);
	c->text = NULL;
	return err;
}

/* Read a CSV file, detect its header (header -1) and count its rows and columns. */
int
csv_open(struct csv *c, const char *path, int label_column, int header, char **cause)
{
	const char *s, *e, *le, *p, *fs, *fe, *end;
	int numeric = 1, err;
	size_t fields = 0, rows;
	double v;

	memset(c, 0, sizeof *c);
	c->path = path;
	c->label_column = label_column;
	if ((err = csv_slurp(c, path, cause)) != 0)
		return err;

	s = c->text;
	if (c->len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	end = c->text + c->len;
	while (end > s && (csv_blank(end[-1]) || end[-1] == '\r' || end[-1] == '\n'))
		end--;
	if (end == s) {
		err = xcause(cause, -EINVAL, "%s: empty file", path);
		goto fail;
	}
	c->data_end = (size_t)(end - c->text);

	/* The first line fixes the number of columns and tells whether it is a header. */
	e = memchr(s, '\n', (size_t)(end - s));
	if (e == NULL)
		e = end;
	le = e > s && e[-1] == '\r' ? e - 1 : e;
	if (le == s) {
		err = xcause(cause, -EINVAL, "%s: line 1: empty line", path);
		goto fail;
	}
	for (p = s; ; p++) {
		p = csv_field(p, le, &fs, &fe);
		if (p == NULL) {
			err = xcause(cause, -EINVAL, "%s: line 1, column %zu: malformed quoted "
			    "field", path, fields + 1);
			goto fail;
		}
		if (csv_number(fs, fe, &v) != CSV_NUMBER)
			numeric = 0;
		fields++;
		if (p == le)
			break;
	}
	if (fields < 2 || fields > CSV_MAX_COLUMNS) {
		err = xcause(cause, -EINVAL, "%s: line 1: %zu fields, expected between 2 and %zu "
		    "(a label and at least one feature)", path, fields, CSV_MAX_COLUMNS);
		goto fail;
	}
	if (label_column < 0 || (size_t)label_column >= fields) {
		err = xcause(cause, -EINVAL, "%s: line 1: label_column %d out of range: the file "
		    "has %zu columns", path, label_column, fields);
		goto fail;
	}
	c->columns = fields;
	c->features = fields - 1;
	c->header = header < 0 ? !numeric : header;
	c->first_line = c->header ? 2 : 1;
	c->data = (size_t)((c->header ? (e < end ? e + 1 : end) : s) - c->text);

	if (c->data >= c->data_end) {
		err = xcause(cause, -EINVAL, "%s: no data rows, only a header line", path);
		goto fail;
	}
	rows = 1;
	for (p = c->text + c->data; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
		rows++;
	if (rows > ((size_t)1 << 31)) {
		err = xcause(cause, -EFBIG, "%s: %zu rows, more than the limit of %zu", path,
		    rows, (size_t)1 << 31);
		goto fail;
	}
	c->rows = rows;
	return 0;
fail:
	csv_close(c);
	return err;
}

/* Parse rows x features values into x and the labels into y; classes > 0 bounds the labels. */
int
csv_read(struct csv *c, float *x, uint16_t *y, int classes, char **cause)
{
	const char *p = c->text + c->data, *end = c->text + c->data_end;
	const char *e, *le, *q, *t, *fs, *fe;
	size_t row, line = c->first_line, col, fcol, extra;
	size_t lab = (size_t)c->label_column, nf = c->features;
	int limit = classes > 0 ? classes : DATASET_MAX_CLASSES, r;
	float *xr;
	double v;

	c->max_label = -1;
	for (row = 0; row < c->rows; row++, line++, p = e + 1) {
		e = memchr(p, '\n', (size_t)(end - p));
		if (e == NULL)
			e = end;
		le = e > p && e[-1] == '\r' ? e - 1 : e;
		if (le == p)
			return xcause(cause, -EINVAL, "%s: line %zu: empty line, expected %zu fields",
			    c->path, line, c->columns);
		xr = x + row * nf;
		col = 0;
		fcol = 0;
		for (q = p; ; q = t + 1) {
			t = csv_fast(q, le, &v);
			if (t == NULL) {
				t = csv_field(q, le, &fs, &fe);
				if (t == NULL)
					return xcause(cause, -EINVAL, "%s: line %zu, column %zu: "
					    "malformed quoted field", c->path, line, col + 1);
				if ((r = csv_number(fs, fe, &v)) != CSV_NUMBER && col != lab) {
					return xcause(cause, -EINVAL, "%s: line %zu, column %zu: "
					    "\"%.*s\"%s %s", c->path, line, col + 1,
					    (int)(fe - fs > CSV_SHOW ? CSV_SHOW : fe - fs), fs,
					    fe - fs > CSV_SHOW ? "..." : "", r == CSV_NAN ?
					    "is not a number" : "is out of range for a float");
				}
			} else
				r = CSV_NUMBER;
			if (col == lab) {
				if (r != CSV_NUMBER || v < 0 || v >= DATASET_MAX_CLASSES ||
				    v != floor(v)) {
					csv_field(q, le, &fs, &fe);
					return xcause(cause, -EINVAL, "%s: line %zu: label \"%.*s\"%s "
					    "is not an integer in [0, %d]", c->path, line,
					    (int)(fe - fs > CSV_SHOW ? CSV_SHOW : fe - fs), fs,
					    fe - fs > CSV_SHOW ? "..." : "",
					    DATASET_MAX_CLASSES - 1);
				}
				if ((int)v >= limit)
					return xcause(cause, -EINVAL, "%s: line %zu: label %d out of "
					    "range (train has %d classes)", c->path, line, (int)v,
					    classes);
				y[row] = (uint16_t)v;
				if ((int)v > c->max_label)
					c->max_label = (int)v;
			} else if (fcol < nf)
				xr[fcol++] = (float)v;
			col++;
			if (t == le || col == c->columns)
				break;
		}
		if (t != le) {
			/* Too many fields: count them all for the message. */
			for (extra = 0; t != NULL && t != le; extra++)
				t = csv_field(t + 1, le, &fs, &fe);
			return xcause(cause, -EINVAL, "%s: line %zu: %zu fields, expected %zu",
			    c->path, line, col + extra, c->columns);
		}
		if (col != c->columns)
			return xcause(cause, -EINVAL, "%s: line %zu: %zu fields, expected %zu",
			    c->path, line, col, c->columns);
	}
	return 0;
}

/* Free the text; safe to call twice or on a zeroed struct. */
void
csv_close(struct csv *c)
{
	free(c->text);
	c->text = NULL;
}
