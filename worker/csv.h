/* csv.h: reader for numeric CSV files with one integer label column. */
#ifndef TUNA_CSV_H
#define TUNA_CSV_H

#include <stddef.h>
#include <stdint.h>

#define CSV_MAX_COLUMNS	(((size_t)1 << 24) + 1)

/* A CSV file read into memory, its shape known, its values not yet parsed. */
struct csv {
	const char *path;	/* for messages; not owned */
	char *text;		/* the whole file */
	size_t len;
	size_t columns;		/* fields per row, label included */
	size_t features;	/* columns - 1 */
	size_t rows;		/* data rows */
	int label_column;
	int header;		/* 1 when the first line is a header (given or detected) */
	size_t data;		/* byte offset of the first data row */
	size_t data_end;	/* byte offset after the last non-blank character */
	size_t first_line;	/* line number of the first data row */
	int max_label;		/* after csv_read: the largest label */
};

/* Read a CSV file, detect its header (header -1) and count its rows and columns. */
int csv_open(struct csv *c, const char *path, int label_column, int header, char **cause);
/* Parse rows x features values into x and the labels into y; classes > 0 bounds the labels. */
int csv_read(struct csv *c, float *x, uint16_t *y, int classes, char **cause);
/* Free the text; safe to call twice or on a zeroed struct. */
void csv_close(struct csv *c);

#endif
