/*
 * log.c: one timestamped line per message, to stderr or to a file.
 * Layer: base
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "log.h"

static FILE *log_file;
static int log_debug_on;

/* Send the log to a file (appending) instead of stderr; NULL: back to stderr. */
void
log_open(const char *path)
{
	FILE *f;

	if (path == NULL) {
		log_file = NULL;
		return;
	}
	if ((f = fopen(path, "a")) != NULL) {
		setvbuf(f, NULL, _IOLBF, 0);
		log_file = f;
	}
}

/* Turn debug messages on or off. */
void
log_set_debug(int on)
{
	log_debug_on = on;
}

/* Write one line: time, level, message. */
static void
log_vwrite(const char *level, const char *fmt, va_list ap)
{
	FILE *f = log_file != NULL ? log_file : stderr;
	struct timeval tv;
	struct tm tm;
	char when[32];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(f, "%s.%03ld tunad %s: ", when, (long)tv.tv_usec / 1000, level);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
	fflush(f);
}

/* Log an ordinary event. */
void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite("info", fmt, ap);
	va_end(ap);
}

/* Log something that went wrong but was survived. */
void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite("warn", fmt, ap);
	va_end(ap);
}

/* Log detail, only with --debug. */
void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_debug_on)
		return;
	va_start(ap, fmt);
	log_vwrite("debug", fmt, ap);
	va_end(ap);
}
