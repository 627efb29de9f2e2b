/*
 * csv.c: reader for numeric CSV files with one label column, streamed through a buffer (its
 * lines split into fields by csvfield.h). The labels of a file are all integers or all class
 * names (text), told by its first label.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classes.h"
#include "csv.h"
#include "csvfield.h"
#include "dataset.h"
#include "xmalloc.h"

#ifndef CSV_BUF			/* the fuzz build makes it small (tests/fuzz/meson.build) */
#define CSV_BUF		(1 << 20)	/* initial read buffer; grows for longer lines */
#endif

/* Read into buf[*len, cap - 1) until it is full or the file ends (*eof); buf[0] is at off. */
static int
csv_fill(struct csv *c, size_t *len, int *eof, off_t off, char **cause)
{
	ssize_t n;

	while (*len < c->cap - 1) {
		n = read(c->fd, c->buf + *len, c->cap - 1 - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return xcause(cause, -errno, "%s: offset %lld: %s", c->path,
			    (long long)off + (long long)*len, strerror(errno));
		if (n == 0) {
			*eof = 1;
			break;
		}
		*len += (size_t)n;
	}
	return 0;
}

/* Double the read buffer (for a line longer than it). */
static void
csv_grow(struct csv *c)
{
	c->cap = (c->cap - 1) * 2 + 1;
	c->buf = xreallocarray(c->buf, c->cap, 1);
}

/* Seek to a byte offset. */
static int
csv_seek(struct csv *c, off_t off, char **cause)
{
	if (lseek(c->fd, off, SEEK_SET) < 0)
		return xcause(cause, -errno, "%s: seek: %s", c->path, strerror(errno));
	return 0;
}

/* Count the lines up to the last one that is not blank (*lines 0: the file is blank). */
static int
csv_count(struct csv *c, size_t *lines, char **cause)
{
	size_t len, nl = 0, n, k;
	const char *p, *end;
	off_t off = 0;
	int eof = 0, err;

	*lines = 0;
	if ((err = csv_seek(c, 0, cause)) != 0)
		return err;
	while (!eof) {
		len = 0;
		if ((err = csv_fill(c, &len, &eof, off, cause)) != 0)
			return err;
		end = c->buf + len;
		for (n = 0, p = c->buf; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
			n++;
		for (k = len; k > 0 && csvfield_space(c->buf[k - 1]); k--)
			;
		if (k > 0) {
			*lines = nl + n + 1;
			for (p = c->buf + k; p < end; p++)
				*lines -= *p == '\n';
		}
		nl += n;
		off += (off_t)len;
	}
	return 0;
}


/* The fields of a (well-formed) header line [s, le) for a message: the first 8, quoted. */
static char *
csv_header_list(const char *s, const char *le)
{
	const char *p, *fs, *fe;
	char *list = xstrdup(""), *next;
	int i;

	for (i = 0, p = s; ; i++, p++) {
		p = csvfield_find(p, le, &fs, &fe);
		if (i == 8)
			next = xasprintf("%s, …", list);
		else
			next = xasprintf("%s%s\"%.*s\"%s", list, i > 0 ? ", " : "",
			    csvfield_show(fs, fe), fs, fe - fs > CSVFIELD_SHOW ? "..." : "");
		free(list);
		list = next;
		if (i == 8 || p == NULL || p == le)
			return list;
	}
}

/*
 * Read on until the line at buf + from is whole; *text tells whether its label is text (1), a
 * number (0) or missing (-1).
 */
static int
csv_next_label(struct csv *c, size_t from, size_t *len, int *eof, int *text, char **cause)
{
	const char *s, *e, *p, *fs, *fe;
	size_t col;
	double v;
	int err;

	while (memchr(c->buf + from, '\n', *len - from) == NULL && !*eof) {
		csv_grow(c);
		if ((err = csv_fill(c, len, eof, 0, cause)) != 0)
			return err;
	}
	s = c->buf + from;
	if ((e = memchr(s, '\n', *len - from)) == NULL)
		e = c->buf + *len;
	if (e > s && e[-1] == '\r')
		e--;
	*text = -1;
	for (col = 0, p = s; ; col++, p++) {
		if ((p = csvfield_find(p, e, &fs, &fe)) == NULL)
			return 0;
		if (col == (size_t)c->label_column) {
			if (fs < fe)
				*text = csvfield_number(fs, fe, &v) == CSVFIELD_NAN;
			return 0;
		}
		if (p == e)
			return 0;
	}
}

/* Open a CSV file, detect its header (header -1) and count its rows and columns. */
int
csv_open(struct csv *c, const char *path, int label_column, const char *label_name,
    int header, char **cause)
{
	const char *s, *e, *le, *p, *q, *fs, *fe;
	size_t len = 0, fields = 0, lines, found = 0, start, end;
	int text_label = 0, text_other = 0, text_next, eof = 0, fd, err;
	struct stat st;
	char *list;
	double v;

	memset(c, 0, sizeof *c);
	c->path = path;
	c->label_column = label_column;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return xcause(cause, -errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		err = xcause(cause, -errno, "%s: %s", path, strerror(errno));
		close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		if (S_ISDIR(st.st_mode))
			return xcause(cause, -EISDIR, "%s: %s", path, strerror(EISDIR));
		return xcause(cause, -EINVAL, "%s: not a regular file", path);
	}
	c->fd = fd;
	c->cap = CSV_BUF + 1;
	c->buf = xmalloc(c->cap);

	if ((err = csv_count(c, &lines, cause)) != 0)
		goto fail;
	if (lines == 0) {
		err = xcause(cause, -EINVAL, "%s: empty file", path);
		goto fail;
	}

	/* The first line fixes the number of columns and tells whether it is a header. */
	if ((err = csv_seek(c, 0, cause)) != 0)
		goto fail;
	for (;;) {
		if ((err = csv_fill(c, &len, &eof, 0, cause)) != 0)
			goto fail;
		if ((e = memchr(c->buf, '\n', len)) != NULL || eof)
			break;
		csv_grow(c);
	}
	if (e == NULL)
		e = c->buf + len;
	s = c->buf;
	if (e - s >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	le = e > s && e[-1] == '\r' ? e - 1 : e;
	if (le == s) {
		err = xcause(cause, -EINVAL, "%s: line 1: empty line", path);
		goto fail;
	}
	if (label_name != NULL && header == 0) {
		err = xcause(cause, -EINVAL, "%s: label_column \"%s\" names a column, but header "
		    "is false", path, label_name);
		goto fail;
	}
	for (p = s; ; p++) {
		q = p;
		p = csvfield_find(q, le, &fs, &fe);
		if (p == NULL) {
			err = xcause(cause, -EINVAL, "%s: line 1, column %zu: malformed quoted "
			    "field", path, fields + 1);
			goto fail;
		}
		if (csvfield_number(fs, fe, &v) != CSVFIELD_NUMBER) {
			if (label_name == NULL && fields == (size_t)label_column)
				text_label = 1;
			else
				text_other = 1;
		}
		if (label_name != NULL && csvfield_is(fs, fe, fs > q && fs[-1] == '"',
		    label_name)) {
			if (found > 0) {
				err = xcause(cause, -EINVAL, "%s: line 1: two columns named "
				    "\"%s\" (label_column): %zu and %zu", path, label_name, found,
				    fields + 1);
				goto fail;
			}
			found = fields + 1;
		}
		fields++;
		if (p == le)
			break;
	}
	if (fields < 2 || fields > CSV_MAX_COLUMNS) {
		err = xcause(cause, -EINVAL, "%s: line 1: %zu fields, expected between 2 and %zu "
		    "(a label and at least one feature)", path, fields, CSV_MAX_COLUMNS);
		goto fail;
	}
	if (label_name != NULL && found == 0) {
		list = csv_header_list(s, le);
		err = xcause(cause, -EINVAL, "%s: line 1: no column named \"%s\" (label_column) "
		    "in the header; its %zu columns: %s", path, label_name, fields, list);
		free(list);
		goto fail;
	}
	if (label_name != NULL) {
		label_column = (int)found - 1;
		header = 1;
	}
	if (label_column < 0 || (size_t)label_column >= fields) {
		err = xcause(cause, -EINVAL, "%s: line 1: label_column %d out of range: the file "
		    "has %zu columns", path, label_column, fields);
		goto fail;
	}
	c->label_column = label_column;
	c->columns = fields;
	c->features = fields - 1;

	/*
	 * A first line with a field that is not a number is a header, unless only its label is
	 * text and so is the next line's: then the labels are class names and there is no header.
	 */
	start = (size_t)(s - c->buf);
	end = (size_t)(e - c->buf);
	if (header < 0) {
		header = text_label || text_other;
		if (text_label && !text_other && lines > 1) {
			if ((err = csv_next_label(c, end + 1, &len, &eof, &text_next, cause)) != 0)
				goto fail;
			header = text_next != 1;
		}
	}
	c->header = header != 0;
	c->first_line = c->header ? 2 : 1;
	c->data = (off_t)(c->header ? end + 1 : start);
	if (lines <= (size_t)c->header) {
		err = xcause(cause, -EINVAL, "%s: no data rows, only a header line", path);
		goto fail;
	}
	c->rows = lines - (size_t)c->header;
	if (c->rows > CSV_MAX_ROWS) {
		err = xcause(cause, -EFBIG, "%s: %zu rows, more than the limit of %zu", path,
		    c->rows, CSV_MAX_ROWS);
		goto fail;
	}
	return 0;
fail:
	csv_close(c);
	return err;
}

/* Parse the feature at p of a line ending at le into *x (the slow path); *t: the end of it. */
static int
csv_feature(struct csv *c, const char *p, const char *le, const char **t, size_t line,
    size_t col, float *x, char **cause)
{
	const char *fs, *fe;
	double v;
	int r;

	if ((*t = csvfield_find(p, le, &fs, &fe)) == NULL)
		return xcause(cause, -EINVAL, "%s: line %zu, column %zu: malformed quoted field",
		    c->path, line, col + 1);
	if ((r = csvfield_number(fs, fe, &v)) != CSVFIELD_NUMBER)
		return xcause(cause, -EINVAL, "%s: line %zu, column %zu: \"%.*s\"%s %s", c->path,
		    line, col + 1, csvfield_show(fs, fe), fs, fe - fs > CSVFIELD_SHOW ? "..." : "",
		    r == CSVFIELD_NAN ? "is not a number" : "is out of range for a float");
	*x = (float)v;
	return 0;
}

/* Decode the integer label [fs, fe) of a line into *y. */
static int
csv_label_int(struct csv *c, const char *fs, const char *fe, size_t line, int classes,
    uint16_t *y, char **cause)
{
	int r, mixed;
	double v;

	r = csvfield_number(fs, fe, &v);
	if (r != CSVFIELD_NUMBER || v < 0 || v >= DATASET_MAX_CLASSES || v != floor(v)) {
		mixed = r == CSVFIELD_NAN && c->names != NULL;
		return xcause(cause, -EINVAL, "%s: line %zu: label \"%.*s\"%s is not an integer in "
		    "[0, %d]%s%s%s%s", c->path, line, csvfield_show(fs, fe), fs,
		    fe - fs > CSVFIELD_SHOW ? "..." : "", DATASET_MAX_CLASSES - 1,
		    mixed && classes > 0 ? " (the training file's labels are integers)" : "",
		    mixed && classes == 0 ? ", but the first label (line " : "",
		    mixed && classes == 0 ? c->first_label : "",
		    mixed && classes == 0 ? "\") is: the labels of a file must be all integers "
		    "or all class names" : "");
	}
	if (classes > 0 && (int)v >= classes)
		return xcause(cause, -EINVAL, "%s: line %zu: label %d out of range (train has %d "
		    "classes)", c->path, line, (int)v, classes);
	*y = (uint16_t)v;
	if ((int)v > c->max_label)
		c->max_label = (int)v;
	return 0;
}

/* Decode the class name [fs, fe) of a line (quoted: it was in quotes) into *y. */
static int
csv_label_name(struct csv *c, const char *fs, const char *fe, int quoted, size_t line,
    int classes, uint16_t *y, char **cause)
{
	char name[CLASSES_MAX_NAME + 1], *list;
	size_t len;
	double v;
	int id, err;

	if (classes == 0 && csvfield_number(fs, fe, &v) != CSVFIELD_NAN)
		return xcause(cause, -EINVAL, "%s: line %zu: label \"%.*s\"%s is a number, but the "
		    "first label (line %s\") is not: the labels of a file must be all integers or "
		    "all class names", c->path, line, csvfield_show(fs, fe), fs,
		    fe - fs > CSVFIELD_SHOW ? "..." : "", c->first_label);
	if ((len = csvfield_unquote(name, CLASSES_MAX_NAME, fs, fe, quoted)) > CLASSES_MAX_NAME)
		return xcause(cause, -EINVAL, "%s: line %zu: label \"%.*s...\" is longer than %d "
		    "bytes", c->path, line, CSVFIELD_SHOW, fs, CLASSES_MAX_NAME);
	if (!classes_valid(name, len))
		return xcause(cause, -EINVAL, "%s: line %zu: label \"%.*s\"%s is not valid UTF-8 "
		    "text", c->path, line, csvfield_show(fs, fe), fs,
		    fe - fs > CSVFIELD_SHOW ? "..." : "");
	if ((id = classes_find(c->names, name, len)) < 0 && classes > 0) {
		list = classes_list(c->names, 8);
		err = xcause(cause, -EINVAL, "%s: line %zu: label \"%s\" is not a class of the "
		    "training file, whose %d classes are %s", c->path, line, name, c->names->n,
		    list);
		free(list);
		return err;
	}
	if (id < 0 && (id = classes_add(c->names, name, len)) < 0)
		return xcause(cause, -EINVAL, "%s: line %zu: label \"%s\" is class %d, more than "
		    "the limit of %d", c->path, line, name, DATASET_MAX_CLASSES + 1,
		    DATASET_MAX_CLASSES);
	*y = (uint16_t)id;
	if (id > c->max_label)
		c->max_label = id;
	return 0;
}

/* Decode the label field at p of a line ending at le into *y; *t: the position after it. */
static int
csv_label(struct csv *c, const char *p, const char *le, const char **t, size_t line,
    int classes, uint16_t *y, char **cause)
{
	const char *fs, *fe;

	if ((*t = csvfield_find(p, le, &fs, &fe)) == NULL)
		return xcause(cause, -EINVAL, "%s: line %zu, column %d: malformed quoted field",
		    c->path, line, c->label_column + 1);
	if (fs == fe)
		return xcause(cause, -EINVAL, "%s: line %zu, column %d: empty label", c->path,
		    line, c->label_column + 1);
	if (c->text < 0) {
		/* The training file's first label tells integers from class names. */
		c->text = c->names != NULL &&
		    csvfield_number(fs, fe, &(double){ 0 }) == CSVFIELD_NAN;
		snprintf(c->first_label, sizeof c->first_label, "%zu: \"%.*s%s", line,
		    fe - fs > 24 ? 24 : (int)(fe - fs), fs, fe - fs > 24 ? "..." : "");
	}
	if (c->text)
		return csv_label_name(c, fs, fe, fs > p && fs[-1] == '"', line, classes, y, cause);
	return csv_label_int(c, fs, fe, line, classes, y, cause);
}

/* Parse the line at *pp (a '\n' comes before lim) into row; move *pp past the line. */
static int
csv_line(struct csv *c, const char **pp, const char *lim, size_t line, size_t row, float *x,
    uint16_t *y, int classes, char **cause)
{
	const char *p = *pp, *start = *pp, *t, *le = NULL, *fs, *fe;
	size_t col, fcol = 0, lab = (size_t)c->label_column, extra;
	float *xr = x + row * c->features;
	double v;
	int err;

	if (*p == '\n' || (*p == '\r' && p[1] == '\n'))
		return xcause(cause, -EINVAL, "%s: line %zu: empty line, expected %zu fields",
		    c->path, line, c->columns);
	for (col = 0; ; p = t + 1) {
		if (col != lab && (t = csvfield_fast(p, &v)) != NULL)
			xr[fcol++] = (float)v;
		else {
			if (le == NULL)
				le = csvfield_line_end(start, lim);
			if (col == lab)
				err = csv_label(c, p, le, &t, line, classes, &y[row], cause);
			else
				err = csv_feature(c, p, le, &t, line, col, &xr[fcol++], cause);
			if (err != 0)
				return err;
		}
		col++;
		if (*t != ',')
			break;
		if (col == c->columns) {
			/* Too many fields: count them all for the message. */
			if (le == NULL)
				le = csvfield_line_end(start, lim);
			for (extra = 0; t != NULL && t != le; extra++)
				t = csvfield_find(t + 1, le, &fs, &fe);
			return xcause(cause, -EINVAL, "%s: line %zu: %zu fields, expected %zu",
			    c->path, line, col + extra, c->columns);
		}
	}
	if (col != c->columns)
		return xcause(cause, -EINVAL, "%s: line %zu: %zu fields, expected %zu", c->path,
		    line, col, c->columns);
	*pp = *t == '\r' ? t + 2 : t + 1;
	return 0;
}

/* Parse rows x features values into x and the labels into y (see csv.h). */
int
csv_read(struct csv *c, float *x, uint16_t *y, int classes, struct classes *names,
    char **cause)
{
	size_t len = 0, pos = 0, row = 0, line = c->first_line;
	const char *p, *lim, *nl;
	off_t off = c->data;
	int eof = 0, err;

	c->max_label = -1;
	c->names = names;
	c->text = classes == 0 ? -1 : names != NULL && names->n > 0;
	if ((err = csv_seek(c, c->data, cause)) != 0)
		return err;
	while (row < c->rows) {
		/* Keep the unparsed tail of the buffer and read more after it. */
		memmove(c->buf, c->buf + pos, len - pos);
		off += (off_t)pos;
		len -= pos;
		pos = 0;
		if (!eof && (err = csv_fill(c, &len, &eof, off, cause)) != 0)
			return err;
		if (len == 0)
			break;
		if (eof && c->buf[len - 1] != '\n')
			c->buf[len++] = '\n';	/* csv_fill keeps a byte free for this */
		if ((nl = memrchr(c->buf, '\n', len)) == NULL) {
			csv_grow(c);
			continue;
		}
		lim = nl + 1;
		for (p = c->buf; p < lim && row < c->rows; row++, line++) {
			if ((err = csv_line(c, &p, lim, line, row, x, y, classes, cause)) != 0)
				return err;
		}
		pos = (size_t)(p - c->buf);
	}
	if (row < c->rows)
		return xcause(cause, -EIO, "%s: line %zu: the file changed while being read "
		    "(it had %zu data rows)", c->path, line, c->rows);

	/* Only blank lines may follow: anything else was appended since csv_open counted. */
	for (;;) {
		for (p = c->buf + pos; p < c->buf + len; p++) {
			if (!csvfield_space(*p))
				return xcause(cause, -EIO, "%s: line %zu: the file changed while "
				    "being read (it had %zu data rows)", c->path, line, c->rows);
		}
		if (eof)
			break;
		off += (off_t)len;
		len = pos = 0;
		if ((err = csv_fill(c, &len, &eof, off, cause)) != 0)
			return err;
	}
	return 0;
}

/* Close the file; safe to call twice or on a zeroed struct. */
void
csv_close(struct csv *c)
{
	if (c->buf != NULL)
		close(c->fd);
	free(c->buf);
	c->buf = NULL;
}
