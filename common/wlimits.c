/*
 * wlimits.c: read a trial's "limits": {"address_space_mb": MiB, "cpu_seconds": s}, each
 * optional, in the ranges of common/worker-protocol.h; errors name "limits.KEY".
 */
#include <errno.h>
#include <string.h>

#include "jcheck.h"
#include "wlimits.h"
#include "worker-protocol.h"
#include "xmalloc.h"

static const char *const wlimits_keys[] = { "address_space_mb", "cpu_seconds", NULL };

/* Parse the limits object v into l (absent members: 0, no limit). */
int
wlimits_parse(struct wlimits *l, const cJSON *v, char **cause)
{
	double as = 0, cpu = 0;
	int rc;

	memset(l, 0, sizeof *l);
	if (!cJSON_IsObject(v))
		return xcause(cause, -EINVAL, "limits: must be an object");
	if ((rc = jcheck_known(v, wlimits_keys, "limits", cause)) != 0 ||
	    (rc = jcheck_int(v, "limits", "address_space_mb", WLIMIT_MIN_ADDRESS_SPACE_MB,
	    WLIMIT_MAX_ADDRESS_SPACE_MB, &as, cause)) != 0 ||
	    (rc = jcheck_int(v, "limits", "cpu_seconds", 1, WLIMIT_MAX_CPU_SECONDS, &cpu,
	    cause)) != 0)
		return rc;
	l->address_space_mb = (int)as;
	l->cpu_seconds = (int)cpu;
	return 0;
}
