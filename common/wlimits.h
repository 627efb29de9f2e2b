/* wlimits.h: a trial's "limits" object, as tuna-worker and tuna-exec read it. */
#ifndef TUNA_WLIMITS_H
#define TUNA_WLIMITS_H

#include <cJSON.h>

struct wlimits {
	int address_space_mb;		/* the address-space limit, MiB; 0: none */
	int cpu_seconds;		/* CPU seconds for the trial; 0: none */
};

int wlimits_parse(struct wlimits *l, const cJSON *v, char **cause);

#endif
