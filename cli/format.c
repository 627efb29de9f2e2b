/*
 * format.c: how the CLI shows values. Real numbers get three significant digits (%.3g), except
 * that small ones use exponent notation (3.1e-04) and ones just below 1 keep the digits that
 * tell them apart from 1 (0.9995); integers print as integers. Tables align their columns
 * by display width (UTF-8 aware).
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "format.h"
#include "xmalloc.h"

/* Drop trailing zeros of the fraction in a %f or %e mantissa ("3.10e-04" → "3.1e-04"). */
static void
format_trim_zeros(char *s)
{
	char *dot = strchr(s, '.'), *e, *p;

	if (dot == NULL)
		return;
	e = strpbrk(dot, "eE");
	p = (e != NULL ? e : dot + strlen(dot)) - 1;
	while (p > dot && *p == '0')
		p--;
	if (p == dot)
		p--;
	memmove(p + 1, e != NULL ? e : "", e != NULL ? strlen(e) + 1 : 1);
}

/* A real number with about three significant digits (caller frees). */
char *
format_number(double v)
{
	char *s;
	int decimals;

	if (!isfinite(v))
		return xstrdup(isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
	if (v == trunc(v) && fabs(v) < 1e15)
		return xasprintf("%.0f", v == 0 ? 0.0 : v);
	if (fabs(v) < 1e-2 || fabs(v) >= 1e6) {
		s = xasprintf("%.2e", v);
		format_trim_zeros(s);
		return s;
	}
	if (fabs(v) > 0.99 && fabs(v) < 1) {
		/* 1 − 10^r: show three significant digits of the distance to 1. */
		decimals = (int)ceil(-log10(1 - fabs(v))) + 2;
		if (decimals > 12)
			decimals = 12;
		s = xasprintf("%.*f", decimals, v);
		format_trim_zeros(s);
		return s;
	}
	return xasprintf("%.3g", v);
}

/* Any JSON value as short text: null is "-" (caller frees). */
char *
format_value(const cJSON *v)
{
	char *s, *out;

	if (v == NULL || cJSON_IsNull(v))
		return xstrdup("-");
	if (cJSON_IsNumber(v))
		return format_number(v->valuedouble);
	if (cJSON_IsString(v))
		return xstrdup(v->valuestring);
	if (cJSON_IsBool(v))
		return xstrdup(cJSON_IsTrue(v) ? "true" : "false");
	if ((s = cJSON_PrintUnformatted(v)) == NULL)
		return xstrdup("?");
	out = xstrdup(s);
	cJSON_free(s);
	return out;
}

/* Hyperparameters as "alpha=3.1e-04 beta1=0.95 layers=2 optimizer=adam" (caller frees). */
char *
format_params(const cJSON *params)
{
	const cJSON *p;
	char *out = xstrdup(""), *v, *next;

	if (!cJSON_IsObject(params)) {
		if (params == NULL || cJSON_IsNull(params))
			return out;
		free(out);
		return format_value(params);
	}
	cJSON_ArrayForEach(p, params) {
		v = format_value(p);
		next = xasprintf("%s%s%s=%s", out, *out != '\0' ? " " : "", p->string, v);
		free(v);
		free(out);
		out = next;
	}
	return out;
}

/* The number member name of obj with a fixed count of decimals, or "-" (caller frees). */
char *
format_decimal(const cJSON *obj, const char *name, int decimals)
{
	const cJSON *m = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, name) : NULL;

	if (!cJSON_IsNumber(m))
		return xstrdup("-");
	if (!isfinite(m->valuedouble))
		return format_number(m->valuedouble);
	return xasprintf("%.*f", decimals, m->valuedouble);
}

/* A name in capitals, as a table's header: "val_loss" is "VAL_LOSS" (caller frees). */
char *
format_upper(const char *s)
{
	char *u = xstrdup(s), *p;

	for (p = u; *p != '\0'; p++)
		*p = (char)toupper((unsigned char)*p);
	return u;
}

/* A duration as "45s", "3m12s", "2h05m" or "3d04h" (caller frees). */
char *
format_duration(double seconds)
{
	long long s;

	if (!isfinite(seconds) || seconds < 0)
		return xstrdup("--");
	if (seconds > 9e12)
		seconds = 9e12;
	s = llround(seconds);
	if (s < 60)
		return xasprintf("%llds", s);
	if (s < 3600)
		return xasprintf("%lldm%02llds", s / 60, s % 60);
	if (s < 86400)
		return xasprintf("%lldh%02lldm", s / 3600, s % 3600 / 60);
	return xasprintf("%lldd%02lldh", s / 86400, s % 86400 / 3600);
}

/* A time member ("YYYY-MM-DD HH:MM:SS.sss") to the second, or "-" (caller frees). */
char *
format_time(const cJSON *obj, const char *name)
{
	const cJSON *m = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, name) : NULL;
	char *s, *dot;

	if (!cJSON_IsString(m))
		return format_value(m);
	s = xstrdup(m->valuestring);
	if ((dot = strchr(s, '.')) != NULL && dot - s >= 19)
		*dot = '\0';
	if ((dot = strchr(s, 'T')) != NULL)
		*dot = ' ';
	return s;
}

/* The display width of UTF-8 text: its count of characters. */
size_t
format_width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++) {
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	}
	return w;
}

/* Cut UTF-8 text to at most width characters; returns its new width. */
size_t
format_truncate(char *s, size_t width)
{
	size_t w = 0;
	char *p;

	for (p = s; *p != '\0'; p++) {
		if (((unsigned char)*p & 0xc0) != 0x80 && w++ == width) {
			*p = '\0';
			return width;
		}
	}
	return w;
}

/* Start an empty table; headers and align must outlive it. */
void
format_table_init(struct format_table *t, int ncols, const char *const *headers,
    const char *align)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->headers = headers;
	t->align = align;
}

/* Start a new row (the cells of the previous one not given stay empty). */
void
format_table_row(struct format_table *t)
{
	int i;

	if (t->nrows == t->allocrows) {
		t->allocrows = t->allocrows == 0 ? 64 : t->allocrows * 2;
		t->cells = xreallocarray(t->cells, (size_t)t->allocrows * t->ncols,
		    sizeof(*t->cells));
	}
	for (i = 0; i < t->ncols; i++)
		t->cells[(size_t)t->nrows * t->ncols + i] = NULL;
	t->nrows++;
	t->cur = 0;
}

/* Give the next cell of the current row, taking ownership of the string. */
void
format_table_take(struct format_table *t, char *cell)
{
	if (t->nrows == 0 || t->cur == t->ncols) {
		free(cell);
		return;
	}
	t->cells[(size_t)(t->nrows - 1) * t->ncols + t->cur++] = cell;
}

/* Give the next cell of the current row, formatted. */
void
format_table_cell(struct format_table *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	format_table_take(t, xvasprintf(fmt, ap));
	va_end(ap);
}

/* Print one row padded to the column widths (no trailing blanks). */
static void
format_table_line(struct format_table *t, FILE *f, const char *const *cells, const size_t *w)
{
	const char *c;
	size_t cw, pad;
	int i, last = t->ncols - 1;

	while (last > 0 && (cells[last] == NULL || *cells[last] == '\0'))
		last--;
	for (i = 0; i <= last; i++) {
		c = cells[i] != NULL ? cells[i] : "";
		cw = format_width(c);
		pad = w[i] > cw ? w[i] - cw : 0;
		if (t->align[i] == 'r')
			fprintf(f, "%*s%s", (int)pad, "", c);
		else if (i < last)
			fprintf(f, "%s%*s", c, (int)pad, "");
		else
			fputs(c, f);
		if (i < last)
			fputs("  ", f);
	}
	fputc('\n', f);
}

/* Print the header and every row. */
void
format_table_print(struct format_table *t, FILE *f)
{
	size_t *w = xcalloc((size_t)t->ncols, sizeof(*w)), cw;
	const char *c;
	int r, i;

	for (i = 0; i < t->ncols; i++)
		w[i] = format_width(t->headers[i]);
	for (r = 0; r < t->nrows; r++) {
		for (i = 0; i < t->ncols; i++) {
			c = t->cells[(size_t)r * t->ncols + i];
			if (c != NULL && (cw = format_width(c)) > w[i])
				w[i] = cw;
		}
	}
	format_table_line(t, f, t->headers, w);
	for (r = 0; r < t->nrows; r++)
		format_table_line(t, f, (const char *const *)t->cells + (size_t)r * t->ncols, w);
	free(w);
}

/* Free the cells. */
void
format_table_free(struct format_table *t)
{
	size_t i;

	for (i = 0; i < (size_t)t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->allocrows = 0;
}
