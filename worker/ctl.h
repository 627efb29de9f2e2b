/* ctl.h: the worker's standard input — trial and command lines, read without stdio. */
#ifndef TUNA_CTL_H
#define TUNA_CTL_H

#include <stdbool.h>
#include <stddef.h>


struct ctl {
	int fd;
	char *buf;
	size_t len, cap;
	bool eof;
	char *pending;		/* a trial line read while another trial ran */
};

void ctl_init(struct ctl *c, int fd);
void ctl_free(struct ctl *c);
int ctl_next(struct ctl *c, bool wait, char **line, char **cause);
int ctl_stream(struct ctl *c, int (*trial)(const char *line, struct ctl *c));

#endif
