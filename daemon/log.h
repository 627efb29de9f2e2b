/*
 * log.h: the daemon's log — timestamped lines on stderr (or the log file when detached).
 * Layer: base
 */
#ifndef TUNA_LOG_H
#define TUNA_LOG_H

void log_open(const char *path);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_set_debug(int on);

#endif
