/*
 * metricline.c: whether a line a user's trainer printed on its standard output is a metric
 * report, and which numbers it reports. The rule:
 *
 * The line is cleaned first: trailing white space goes, then everything up to its last
 * carriage return (a progress bar redrawn in place leaves only its last state), then terminal
 * escape sequences (ESC [ … and ESC + one character), then leading white space. The result is
 * a report in one of three forms:
 *
 *  1. An object, the whole line: JSON, or a Python dict as print() shows it — keys in "…" or
 *     '…', values that are numbers (JSON's, or Python's: NaN, Infinity, -Infinity, nan, inf)
 *     become metrics; any other value (true, None, a string, a nested object or list, a call
 *     like tensor(0.5)) is skipped.  {"epoch": 3, "val_loss": 0.41, "val_acc": 0.88}
 *  2. name=value pairs and nothing else, separated by white space and/or commas.
 *     epoch=3 val_loss=0.41, val_acc=0.88     but not: Namespace(lr=0.01, batch=64)
 *  3. "name: value" pairs in segments: the line is cut at " - " (a hyphen between spaces), at
 *     "|", and at "," or ";" followed by white space or the end; a segment that is one or more
 *     "name: value" pairs separated by white space (a space after each colon) gives them, and
 *     any other segment (a progress bar, "3s 5ms/step", "Total params: 1,234") is skipped. A name
 *     ending in Error, Exception or Warning does not count: a Python exception ("KeyError: 3").
 *     469/469 [====] - 3s 5ms/step - loss: 0.5123 - val_loss: 0.4123      epoch: 3, val_loss: 0.41
 *
 * A name is [A-Za-z_][A-Za-z0-9_./-]*; a value must be a number in full (strtod: "0.5", "1e-3",
 * "nan", "inf"; not "0.5s", "85%", "cuda:0"). "epoch" gives the report's epoch (else "step"
 * does): a number >= 0, rounded up (epoch 0.27, a fraction of the way through the first, is
 * epoch 1), at most INT_MAX; otherwise it is ignored. Neither is a metric, nor are "event" and
 * "id" (the members of the event that carries the metrics). The line is a report only if it
 * carries at least one metric: "Epoch 1/10", "Using device: cuda:0", "Downloading: 100%",
 * "loss went down: good", "epoch: 3" alone, a traceback's lines are not.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metricline.h"
#include "xmalloc.h"

/* White space, as the line's separators see it. */
static bool
metricline_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Whether s[0..n) is a metric name: [A-Za-z_][A-Za-z0-9_./-]*. */
bool
metricline_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') ||
	    s[0] == '_'))
		return false;
	for (i = 1; i < n; i++) {
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || strchr("_./-", s[i]) != NULL) || s[i] == '\0')
			return false;
	}
	return true;
}

/* Whether s (NUL-terminated) is a number in full; its value in *v. */
static bool
metricline_number(const char *s, double *v)
{
	char *end;

	if (*s == '\0' || metricline_space(*s))
		return false;
	*v = strtod(s, &end);
	return *end == '\0';
}

/* Take a name (NUL-terminated, already checked) and its value into ml. */
static void
metricline_add(struct metricline *ml, const char *name, double v)
{
	bool step = strcmp(name, "step") == 0;

	if (step || strcmp(name, "epoch") == 0) {
		if (step && ml->has_epoch && !ml->epoch_from_step)
			return;		/* "epoch" says it already */
		ml->has_epoch = isfinite(v) && v >= 0 && ceil(v) <= INT_MAX;
		ml->epoch_from_step = step;
		ml->epoch = ml->has_epoch ? (int)ceil(v) : 0;
		return;
	}
	if (strcmp(name, "event") == 0 || strcmp(name, "id") == 0)
		return;
	if (ml->n == ml->cap) {
		ml->cap = ml->cap ? 2 * ml->cap : 8;
		ml->m = xreallocarray(ml->m, ml->cap, sizeof *ml->m);
	}
	ml->m[ml->n].name = name;
	ml->m[ml->n].value = v;
	ml->n++;
}

/* Take a name and a value text (both NUL-terminated) if they are a metric's. */
static void
metricline_pair(struct metricline *ml, const char *name, const char *val)
{
	double v;

	if (metricline_name(name, strlen(name)) && metricline_number(val, &v))
		metricline_add(ml, name, v);
}

/* Past a quoted string at p (" or '), backslash escapes included; NULL if it never ends. */
static char *
metricline_skip_string(char *p)
{
	char q = *p++;

	while (*p != '\0' && *p != q) {
		if (*p == '\\' && p[1] == '\0')
			return NULL;
		p += *p == '\\' ? 2 : 1;
	}
	return *p == q ? p + 1 : NULL;
}

/* Form 1: a whole-line object, JSON or a Python dict, at p ('{'); false if it is not one. */
static bool
metricline_object(struct metricline *ml, char *p)
{
	char *key, *keyend, *val, *end, sep;
	int depth;

	for (p++; metricline_space(*p); p++)
		;
	if (*p == '}')
		return p[1 + strspn(p + 1, " \t")] == '\0';
	for (;;) {
		while (metricline_space(*p))
			p++;
		if ((*p != '"' && *p != '\'') || (keyend = metricline_skip_string(p)) == NULL)
			return false;
		key = p + 1;
		p = keyend--;		/* keyend: the closing quote */
		while (metricline_space(*p))
			p++;
		if (*p++ != ':')
			return false;
		while (metricline_space(*p))
			p++;
		val = p;
		for (depth = 0; *p != '\0'; ) {
			if (*p == '"' || *p == '\'') {
				if ((p = metricline_skip_string(p)) == NULL)
					return false;
				continue;
			}
			if (strchr("{[(", *p) != NULL)
				depth++;
			else if (strchr("}])", *p) != NULL && depth-- == 0)
				break;
			else if (*p == ',' && depth == 0)
				break;
			p++;
		}
		if (*p != ',' && *p != '}')
			return false;
		sep = *p;
		for (end = p; end > val && metricline_space(end[-1]); end--)
			;
		*keyend = '\0';
		*end = '\0';
		metricline_pair(ml, key, val);
		for (p++; metricline_space(*p); p++)
			;
		if (sep == ',' && *p == '}')		/* a trailing comma */
			p++;
		else if (sep == ',')
			continue;
		return *p == '\0';
	}
}

/*
 * Form 2: name=value tokens and nothing else (separated by white space and commas); false if
 * the line is not that (and then it is left as it was). A value that is not a number is skipped.
 */
static bool
metricline_pairs(struct metricline *ml, char *p)
{
	char *tok, *eq;
	size_t n;

	for (tok = p + strspn(p, " \t,"); *tok != '\0'; tok += n + strspn(tok + n, " \t,")) {
		n = strcspn(tok, " \t,");
		if ((eq = memchr(tok, '=', n)) == NULL || !metricline_name(tok, (size_t)(eq - tok)))
			return false;
	}
	for (tok = p + strspn(p, " \t,"); *tok != '\0'; tok += n + strspn(tok + n, " \t,")) {
		n = strcspn(tok, " \t,");
		eq = strchr(tok, '=');
		*eq = '\0';
		if (tok[n] != '\0')
			tok[n++] = '\0';
		metricline_pair(ml, tok, eq + 1);
	}
	return true;
}

/* A form-3 name token ("name:"): a metric name, not a Python exception's. */
static bool
metricline_colon_name(const char *tok, size_t n)
{
	static const char *const exceptions[] = { "Error", "Exception", "Warning" };
	size_t i, k;

	if (n < 2 || tok[n - 1] != ':' || !metricline_name(tok, n - 1))
		return false;
	for (i = 0; i < sizeof exceptions / sizeof *exceptions; i++) {
		k = strlen(exceptions[i]);
		if (n - 1 >= k && memcmp(tok + n - 1 - k, exceptions[i], k) == 0)
			return false;
	}
	return true;
}

/* Form 3, one segment (NUL-terminated): its pairs if it is only "name: value" pairs. */
static void
metricline_segment(struct metricline *ml, char *seg)
{
	char *tok[64], *p = seg;
	size_t ntok = 0, n, i;
	double v;

	while (*p != '\0') {
		p += strspn(p, " \t");
		if ((n = strcspn(p, " \t")) == 0)
			break;
		if (ntok == sizeof tok / sizeof *tok)
			return;
		tok[ntok++] = p;
		p += n;
		if (*p != '\0')
			*p++ = '\0';
	}
	if (ntok == 0 || ntok % 2 != 0)
		return;
	for (i = 0; i < ntok; i += 2) {
		if (!metricline_colon_name(tok[i], strlen(tok[i])) ||
		    !metricline_number(tok[i + 1], &v))
			return;
	}
	for (i = 0; i < ntok; i += 2) {
		tok[i][strlen(tok[i]) - 1] = '\0';
		metricline_pair(ml, tok[i], tok[i + 1]);
	}
}

/* Form 3: cut the line into segments, take the pairs of each. */
static void
metricline_colons(struct metricline *ml, char *p)
{
	char *seg = p;

	for (; *p != '\0'; p++) {
		if (*p == '|' || ((*p == ',' || *p == ';') && (p[1] == '\0' ||
		    metricline_space(p[1]))) || (*p == '-' && p > seg && metricline_space(p[-1]) &&
		    metricline_space(p[1]))) {
			*p = '\0';
			metricline_segment(ml, seg);
			seg = p + 1;
		}
	}
	metricline_segment(ml, seg);
}

/* The line cleaned (see the top of the file), in a new string. */
char *
metricline_clean(const char *line, size_t len)
{
	const char *cr;
	char *out, *o;
	size_t i;

	while (len > 0 && metricline_space(line[len - 1]))
		len--;
	for (cr = line + len; cr > line && cr[-1] != '\r'; cr--)
		;
	len -= (size_t)(cr - line);
	line = cr;
	o = out = xmalloc(len + 1);
	for (i = 0; i < len; i++) {
		if (line[i] != '\033') {
			*o++ = line[i];
			continue;
		}
		if (i + 1 < len && line[i + 1] == '[') {	/* CSI: to a byte in @ … ~ */
			for (i += 2; i < len && !(line[i] >= '@' && line[i] <= '~'); i++)
				;
		} else
			i++;
	}
	*o = '\0';
	o = out + strspn(out, " \t\v\f");
	memmove(out, o, strlen(o) + 1);
	return out;
}

/*
 * Parse a line (len bytes, without its newline): true if it is a report, with its metrics
 * and epoch in ml (free it with metricline_free either way).
 */
bool
metricline_parse(struct metricline *ml, const char *line, size_t len)
{
	memset(ml, 0, sizeof *ml);
	if (memchr(line, '\0', len) != NULL)
		return false;		/* binary output is not a report */
	ml->text = metricline_clean(line, len);
	if (ml->text[0] == '{') {
		if (!metricline_object(ml, ml->text))
			ml->n = 0;
		return ml->n > 0;
	}
	if (strchr(ml->text, '=') != NULL && metricline_pairs(ml, ml->text))
		return ml->n > 0;
	metricline_colons(ml, ml->text);
	return ml->n > 0;
}

/* Free what a parsed line holds. */
void
metricline_free(struct metricline *ml)
{
	free(ml->text);
	free(ml->m);
	memset(ml, 0, sizeof *ml);
}
