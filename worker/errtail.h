/* errtail.h: the last lines a program wrote on its standard error, for an error message. */
#ifndef TUNA_ERRTAIL_H
#define TUNA_ERRTAIL_H

#include <stddef.h>

#define ERRTAIL_LINES	5		/* lines kept */
#define ERRTAIL_BYTES	1024		/* at most, joined */

struct errtail {
	char *line[ERRTAIL_LINES];	/* oldest first */
	int n;
};

void errtail_add(struct errtail *t, const char *line, size_t len);
char *errtail_join(const struct errtail *t);
void errtail_free(struct errtail *t);

#endif
