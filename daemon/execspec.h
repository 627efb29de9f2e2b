/*
 * execspec.h: a search's "executor" setting, parsed (execspec.c).
 * Layer: part
 */
#ifndef TUNA_EXECSPEC_H
#define TUNA_EXECSPEC_H

#include <cJSON.h>

#define EXECSPEC_MAX_MINUTES	5256000		/* ten years: more is Slurm's INFINITE */
#define EXECSPEC_MAX_MEM_MB	1073741824	/* a PiB */
#define EXECSPEC_MAX_ARGS	32

enum execspec_kind { EXECSPEC_LOCAL, EXECSPEC_SLURM, EXECSPEC_NKINDS };

struct execspec {
	enum execspec_kind kind;
	char *partition;	/* slurm: srun's --partition, or NULL (the cluster's default) */
	char *account;		/* slurm: --account, or NULL */
	int time_min;		/* slurm: a slot's time limit in minutes (--time), or 0 */
	int mem_mb;		/* slurm: a slot's memory in MiB (--mem), or 0 */
	char **args;		/* slurm: more srun options, NULL-terminated, or NULL */
	int nargs;
};

int execspec_parse(struct execspec *x, const cJSON *v, enum execspec_kind dflt, char **cause);
cJSON *execspec_json(const struct execspec *x);
void execspec_free(struct execspec *x);
int execspec_kind(const char *name, enum execspec_kind *k);
const char *execspec_kind_name(enum execspec_kind k);

#endif
