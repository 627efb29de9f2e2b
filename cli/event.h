/* event.h: one line of text for each event of a watch stream (tuna tail). */
#ifndef TUNA_CLI_EVENT_H
#define TUNA_CLI_EVENT_H

#include <stdbool.h>

#include <cJSON.h>

char *event_format(const cJSON *ev, int trial_width);
bool event_time(const cJSON *ev, double *seconds);
long long event_trial(const cJSON *ev);

#endif
