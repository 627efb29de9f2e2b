/* idx.h: reader for IDX files (the MNIST format), raw or gzip-compressed. */
#ifndef TUNA_IDX_H
#define TUNA_IDX_H

#include <stddef.h>
#include <stdint.h>

#include <zlib.h>

#define IDX_MAX_COUNT		((size_t)1 << 31)
#define IDX_MAX_FEATURES	((size_t)1 << 24)

enum idx_kind { IDX_LABELS, IDX_IMAGES };

/* An open IDX file whose header has been read. */
struct idx {
	const char *path;	/* for messages; not owned */
	gzFile gz;
	enum idx_kind kind;
	int ndims;
	size_t count;		/* first dimension: number of items */
	size_t features;	/* product of the other dimensions (1 for labels) */
	size_t data_offset;	/* byte offset of the data: 4 + 4 * ndims */
};

/* Open an IDX file and read its header; kind says whether labels (1 dim) or images are wanted. */
int idx_open(struct idx *ix, const char *path, enum idx_kind kind, char **cause);
/* Read all count * features bytes of data into buf and check that nothing follows. */
int idx_read(struct idx *ix, uint8_t *buf, char **cause);
/* Close the file; safe to call twice or on a zeroed struct. */
void idx_close(struct idx *ix);

#endif
