/* csv.h: reader for numeric CSV files with one integer label column. */
#ifndef TUNA_CSV_H
#define TUNA_CSV_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#define CSV_MAX_COLUMNS	(((size_t)1 << 24) + 1)
#define CSV_MAX_ROWS	((size_t)1 << 31)

/* An open CSV file whose shape is known; the values are parsed by csv_read, streaming. */
struct csv {
	const char *path;	/* for messages; not owned */
	int fd;			/* valid while buf is not NULL */
	char *buf;		/* read buffer (lines are parsed in place) */
	size_t cap;
	size_t columns;		/* fields per row, label included */
	size_t features;	/* columns - 1 */
	size_t rows;		/* data rows */
	int label_column;
	int header;		/* 1 when the first line is a header (given or detected) */
	off_t data;		/* byte offset of the first data row */
	size_t first_line;	/* line number of the first data row */
	int max_label;		/* after csv_read: the largest label */
};

/* Open a CSV file, detect its header (header -1) and count its rows and columns. */
int csv_open(struct csv *c, const char *path, int label_column, int header, char **cause);
/* Parse rows x features values into x and the labels into y; classes > 0 bounds the labels. */
int csv_read(struct csv *c, float *x, uint16_t *y, int classes, char **cause);
/* Close the file; safe to call twice or on a zeroed struct. */
void csv_close(struct csv *c);

#endif
