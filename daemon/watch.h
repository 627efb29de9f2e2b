/*
 * watch.h: the watch streams of connections — a search's history from the store, then its
 * events as the engine commits them.
 * Layer: front
 */
#ifndef TUNA_WATCH_H
#define TUNA_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include <cJSON.h>

struct conn;

void watch_start(struct conn *c, int64_t search_id, bool history, bool follow);
void watch_stop(struct conn *c);
void watch_pump(struct conn *c);
void watch_event(void *arg, int64_t id, int64_t search_id, const cJSON *ev);
void watch_committed(void *arg, int64_t id);
bool watch_wanted(void *arg);

#endif
