/* idx.c: reader for IDX files (the MNIST format), raw or gzip-compressed, through zlib. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "idx.h"
#include "xmalloc.h"

#define IDX_CHUNK	(1u << 30)	/* largest single gzread */
#define IDX_MAX_RATIO	1032		/* deflate cannot compress better than this */

/* The name of an IDX data type code. */
static const char *
idx_type_name(int type)
{
	switch (type) {
	case 0x08:
		return "unsigned byte";
	case 0x09:
		return "signed byte";
	case 0x0b:
		return "16-bit integer";
	case 0x0c:
		return "32-bit integer";
	case 0x0d:
		return "32-bit float";
	case 0x0e:
		return "64-bit double";
	default:
		return "unknown type";
	}
}

/* What the data of a file of this kind is called in messages. */
static const char *
idx_what(const struct idx *ix)
{
	return ix->kind == IDX_LABELS ? "label" : "image";
}

/* zlib's message for the last error, without the "<fd:N>: " prefix gzdopen gives it. */
static const char *
idx_gzerror(struct idx *ix, int *errnum)
{
	const char *msg = gzerror(ix->gz, errnum), *p;

	if (strncmp(msg, "<fd:", 4) == 0 && (p = strstr(msg, ": ")) != NULL)
		msg = p + 2;
	return msg;
}

/*
 * Read up to n bytes at byte offset off into buf; *got is what was read. Returns 0 at the end of
 * the data (check *got), or -EIO for a zlib or I/O error. *cut is set when a gzip stream ends
 * in the middle.
 */
static int
idx_fill(struct idx *ix, void *buf, size_t n, size_t off, size_t *got, int *cut, char **cause)
{
	unsigned char *p = buf;
	const char *msg;
	int ret, errnum;

	*got = 0;
	*cut = 0;
	while (*got < n) {
		unsigned want = n - *got > IDX_CHUNK ? IDX_CHUNK : (unsigned)(n - *got);

		ret = gzread(ix->gz, p + *got, want);
		if (ret < 0) {
			msg = idx_gzerror(ix, &errnum);
			return xcause(cause, -EIO, "%s: offset %zu: %s: %s", ix->path,
			    off + *got, errnum == Z_ERRNO ? "read error" : "corrupt gzip data",
			    msg);
		}
		if (ret == 0)
			break;
		*got += (size_t)ret;
	}
	if (*got < n) {
		msg = idx_gzerror(ix, &errnum);
		if (errnum == Z_BUF_ERROR)
			*cut = 1;
		else if (errnum != Z_OK)
			return xcause(cause, -EIO, "%s: offset %zu: corrupt gzip data: %s",
			    ix->path, off + *got, msg);
	}
	return 0;
}

/* Open an IDX file and read its header; kind says whether labels (1 dim) or images are wanted. */
int
idx_open(struct idx *ix, const char *path, enum idx_kind kind, char **cause)
{
	unsigned char magic[4], dims[4 * 255];
	uint64_t need, limit;
	struct stat st;
	size_t got;
	uint32_t m, d;
	int fd, i, cut, err;

	memset(ix, 0, sizeof *ix);
	ix->path = path;
	ix->kind = kind;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return xcause(cause, -errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		err = xcause(cause, -errno, "%s: %s", path, strerror(errno));
		close(fd);
		return err;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return xcause(cause, -EISDIR, "%s: %s", path, strerror(EISDIR));
	}
	ix->gz = gzdopen(fd, "rb");
	if (ix->gz == NULL) {
		close(fd);
		return xcause(cause, -ENOMEM, "%s: cannot set up zlib", path);
	}
	gzbuffer(ix->gz, 1 << 17);

	if ((err = idx_fill(ix, magic, sizeof magic, 0, &got, &cut, cause)) != 0)
		goto fail;
	if (got < sizeof magic) {
		err = xcause(cause, -EINVAL, "%s: offset 0: truncated: expected a 4-byte magic "
		    "number, got %zu bytes%s", path, got, got == 0 ? " (empty file)" : "");
		goto fail;
	}
	m = (uint32_t)magic[0] << 24 | (uint32_t)magic[1] << 16 | (uint32_t)magic[2] << 8 |
	    magic[3];
	if (magic[0] != 0 || magic[1] != 0) {
		err = xcause(cause, -EINVAL, "%s: bad magic number 0x%08x (expected 0x00000801 "
		    "or 0x00000803): not an IDX file", path, m);
		goto fail;
	}
	if (magic[2] != 0x08) {
		err = xcause(cause, -ENOTSUP, "%s: unsupported data type 0x%02x (%s) in magic "
		    "number 0x%08x: only 0x08 (unsigned byte) is supported", path, magic[2],
		    idx_type_name(magic[2]), m);
		goto fail;
	}
	ix->ndims = magic[3];
	if (kind == IDX_LABELS && ix->ndims != 1) {
		err = xcause(cause, -EINVAL, "%s: magic number 0x%08x: %d dimensions, expected 1 "
		    "for a label file", path, m, ix->ndims);
		goto fail;
	}
	if (kind == IDX_IMAGES && ix->ndims < 2) {
		err = xcause(cause, -EINVAL, "%s: magic number 0x%08x: %d dimension%s, expected "
		    "at least 2 for an image file%s", path, m, ix->ndims, ix->ndims == 1 ? "" : "s",
		    ix->ndims == 1 ? " (is this a label file?)" : "");
		goto fail;
	}

	ix->data_offset = 4 + 4 * (size_t)ix->ndims;
	if ((err = idx_fill(ix, dims, 4 * (size_t)ix->ndims, 4, &got, &cut, cause)) != 0)
		goto fail;
	if (got < 4 * (size_t)ix->ndims) {
		err = xcause(cause, -EINVAL, "%s: offset 4: truncated: expected %d dimension "
		    "sizes (%d bytes), got %zu bytes", path, ix->ndims, 4 * ix->ndims, got);
		goto fail;
	}
	ix->features = 1;
	for (i = 0; i < ix->ndims; i++) {
		d = (uint32_t)dims[4 * i] << 24 | (uint32_t)dims[4 * i + 1] << 16 |
		    (uint32_t)dims[4 * i + 2] << 8 | dims[4 * i + 3];
		if (i == 0) {
			if (d > IDX_MAX_COUNT) {
				err = xcause(cause, -EFBIG, "%s: offset 4: %u items, more than "
				    "the limit of %zu", path, d, IDX_MAX_COUNT);
				goto fail;
			}
			ix->count = d;
			continue;
		}
		if (d == 0) {
			err = xcause(cause, -EINVAL, "%s: offset %d: dimension %d is 0", path,
			    4 + 4 * i, i);
			goto fail;
		}
		if (d > IDX_MAX_FEATURES || ix->features * d > IDX_MAX_FEATURES) {
			err = xcause(cause, -EFBIG, "%s: offset %d: dimension %d (%u) makes more "
			    "than %zu features per item", path, 4 + 4 * i, i, d,
			    IDX_MAX_FEATURES);
			goto fail;
		}
		ix->features *= d;
	}

	/* Refuse sizes the file cannot hold before anybody allocates memory for them. */
	need = (uint64_t)ix->count * ix->features;
	if (S_ISREG(st.st_mode)) {
		if (gzdirect(ix->gz)) {
			limit = (uint64_t)st.st_size > ix->data_offset ?
			    (uint64_t)st.st_size - ix->data_offset : 0;
			if (need > limit) {
				err = xcause(cause, -EINVAL, "%s: offset %zu: truncated: expected "
				    "%llu bytes of %s data, got %llu", path, ix->data_offset,
				    (unsigned long long)need, idx_what(ix),
				    (unsigned long long)limit);
				goto fail;
			}
		} else {
			limit = (uint64_t)st.st_size * IDX_MAX_RATIO + 4096;
			if (need > limit) {
				err = xcause(cause, -EINVAL, "%s: offset %zu: truncated: expected "
				    "%llu bytes of %s data, more than %lld compressed bytes can "
				    "hold", path, ix->data_offset, (unsigned long long)need,
				    idx_what(ix), (long long)st.st_size);
				goto fail;
			}
		}
	}
	return 0;
fail:
	idx_close(ix);
	return err;
}

/* Read all count * features bytes of data into buf and check that nothing follows. */
int
idx_read(struct idx *ix, uint8_t *buf, char **cause)
{
	size_t need = ix->count * ix->features, got, end = ix->data_offset + need;
	unsigned char extra[64];
	int cut, err;

	if ((err = idx_fill(ix, buf, need, ix->data_offset, &got, &cut, cause)) != 0)
		return err;
	if (got < need)
		return xcause(cause, -EINVAL, "%s: offset %zu: truncated: expected %zu bytes of %s "
		    "data, got %zu%s", ix->path, ix->data_offset, need, idx_what(ix), got,
		    cut ? " (the compressed stream ends early)" : "");

	/* Reading on also makes zlib check the gzip trailer (CRC and length). */
	if ((err = idx_fill(ix, extra, sizeof extra, end, &got, &cut, cause)) != 0)
		return err;
	if (got > 0)
		return xcause(cause, -EINVAL, "%s: offset %zu: trailing garbage after the %zu bytes "
		    "of %s data", ix->path, end, need, idx_what(ix));
	if (cut)
		return xcause(cause, -EINVAL, "%s: offset %zu: truncated: the compressed stream "
		    "ends before its gzip trailer", ix->path, end);
	return 0;
}

/* Close the file; safe to call twice or on a zeroed struct. */
void
idx_close(struct idx *ix)
{
	if (ix->gz != NULL)
		gzclose(ix->gz);
	ix->gz = NULL;
}
