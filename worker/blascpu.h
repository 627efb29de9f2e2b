/* blascpu.h: the CPU's name and features, and the OpenBLAS kernels it can run. */
#ifndef TUNA_BLASCPU_H
#define TUNA_BLASCPU_H

#define BLASCPU_MAX 8	/* kernels blascpu_candidates may return */

/* The CPU: its name and feature words, for the choice and the cache key. */
struct blascpu {
	char brand[49];
	unsigned regs[8];	/* leaf 1 eax ecx edx, leaf 7 ebx ecx edx, leaf 7.1 eax, xcr0 */
	unsigned has;		/* what kernels need of it (blascpu.c) */
};

void blascpu_read(struct blascpu *c);
int blascpu_candidates(const struct blascpu *c, const char *def, const char **out, int max);

#endif
