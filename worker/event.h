/* event.h: the worker's reports, one JSON object per line on standard output. */
#ifndef TUNA_EVENT_H
#define TUNA_EVENT_H

#include <cJSON.h>

cJSON *event_new(const char *name, const cJSON *id);
void event_emit(cJSON *ev);
void event_error(const cJSON *id, const char *msg);

#endif
