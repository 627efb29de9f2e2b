/* event.c: build and write worker events (see common/worker-protocol.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "event.h"
#include "worker-protocol.h"

/* A new event object {"event": name, "id": id}. */
cJSON *
event_new(const char *name, const cJSON *id)
{
	cJSON *ev = cJSON_CreateObject();

	cJSON_AddStringToObject(ev, "event", name);
	if (id != NULL)
		cJSON_AddItemToObject(ev, "id", cJSON_Duplicate(id, 1));
	return ev;
}

/* Write an event as one line, flush it, and free it. NaN and inf print as null. */
void
event_emit(cJSON *ev)
{
	char *s = cJSON_PrintUnformatted(ev);

	if (s != NULL) {
		fputs(s, stdout);
		fputc('\n', stdout);
		fflush(stdout);
		cJSON_free(s);
	}
	cJSON_Delete(ev);
}

/* Report an error both as an event and on standard error. */
void
event_error(const cJSON *id, const char *msg)
{
	cJSON *ev = event_new(WEV_ERROR, id);

	cJSON_AddStringToObject(ev, "error", msg);
	event_emit(ev);
	fprintf(stderr, "%s: %s\n", program_invocation_short_name, msg);	/* tuna-worker, … */
}
