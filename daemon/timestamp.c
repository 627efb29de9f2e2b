/*
 * timestamp.c: the moment an event happens, once, so that what a watcher is sent and what the
 * store keeps say the same time (timestamp.h).
 * Layer: base
 */
#include <stdio.h>
#include <time.h>

#include "timestamp.h"

/* Now, in milliseconds since 1970-01-01 00:00 UTC. */
int64_t
timestamp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A moment as text: UTC "YYYY-MM-DD HH:MM:SS.mmm" (len: TIMESTAMP_LEN or more). */
void
timestamp_format(int64_t ms, char *buf, size_t len)
{
	time_t sec = (time_t)(ms / 1000);
	char date[32];
	struct tm tm;

	gmtime_r(&sec, &tm);
	strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf, len, "%.19s.%03d", date, (int)(ms % 1000));
}
