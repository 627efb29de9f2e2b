/* csv.h: reader for numeric CSV files with one label column (integers or class names). */
#ifndef TUNA_CSV_H
#define TUNA_CSV_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#define CSV_MAX_COLUMNS	(((size_t)1 << 24) + 1)
#define CSV_MAX_ROWS	((size_t)1 << 31)

struct classes;

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
	int max_label;		/* after csv_read: the largest label (or class id) */
	struct classes *names;	/* csv_read: the class names, NULL for integer labels only */
	int text;		/* csv_read: labels are -1 not known yet, 0 integers, 1 names */
	char first_label[48];	/* line and text of the training file's first label */
};

/*
 * Open a CSV file, detect its header (header -1) and count its rows and columns. With a
 * label_name, the label is the column of that name in the header (which the file must have).
 */
int csv_open(struct csv *c, const char *path, int label_column, const char *label_name,
    int header, char **cause);
/*
 * Parse rows x features values into x and the labels into y. The training file (classes 0):
 * labels are integers, or class names (when names is not NULL) added to names as met, ids in
 * that order. A test file (classes > 0): integers below classes, or the names of a non-empty
 * names table.
 */
int csv_read(struct csv *c, float *x, uint16_t *y, int classes, struct classes *names,
    char **cause);
/* Close the file; safe to call twice or on a zeroed struct. */
void csv_close(struct csv *c);

#endif
