/* prof.c: the accumulated per-kernel times. */
#include <string.h>

#include "prof.h"

double prof_seconds[PROF_N];
bool prof_enabled;
_Thread_local bool prof_thread = true;

static const char *prof_names[PROF_N] = {
	"sgemm", "input", "batchnorm", "relu", "softmax", "optimizer"
};

/* The JSON name of a category. */
const char *
prof_name(enum prof_cat c)
{
	return prof_names[c];
}

/* Zero all categories. */
void
prof_reset(void)
{
	memset(prof_seconds, 0, sizeof prof_seconds);
}
