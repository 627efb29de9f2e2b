/* format.h: how the CLI shows numbers, parameters, durations and aligned tables. */
#ifndef TUNA_CLI_FORMAT_H
#define TUNA_CLI_FORMAT_H

#include <stdio.h>

#include <cJSON.h>

/* A table of text cells, printed with every column as wide as its widest cell. */
struct format_table {
	int ncols;
	const char *const *headers;
	const char *align;	/* one letter a column: 'l' left, 'r' right */
	char **cells;		/* nrows × ncols, row-major */
	int nrows, cur;		/* rows started; cells filled in the last one */
	int allocrows;
};

char *format_number(double v);
char *format_value(const cJSON *v);
char *format_params(const cJSON *params);
char *format_decimal(const cJSON *obj, const char *name, int decimals);
char *format_duration(double seconds);
char *format_upper(const char *s);
char *format_time(const cJSON *obj, const char *name);
size_t format_width(const char *s);
size_t format_truncate(char *s, size_t width);

void format_table_init(struct format_table *t, int ncols, const char *const *headers,
    const char *align);
void format_table_row(struct format_table *t);
void format_table_cell(struct format_table *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void format_table_take(struct format_table *t, char *cell);
void format_table_print(struct format_table *t, FILE *f);
void format_table_free(struct format_table *t);

#endif
