/*
 * parent.c: started by tunad, which passes its pid as TUNA_PARENT, a worker (tuna-worker,
 * tuna-exec) asks the kernel for SIGKILL when its parent dies (PR_SET_PDEATHSIG), so that none
 * outlives a killed daemon. On a Slurm node the parent is slurmstepd, and tunad does not pass
 * TUNA_PARENT there.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "parent.h"

/* With TUNA_PARENT set: die with the parent; exit at once if it is already gone. */
void
parent_follow(void)
{
	const char *v = getenv("TUNA_PARENT");

	if (v == NULL || *v == '\0')
		return;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if ((long)getppid() != atol(v))
		_exit(1);	/* it died before the line above */
}
