/*
 * blascpu.c: what the CPU offers OpenBLAS — its name and feature words (cpuid, and xgetbv for
 * the registers the OS saves), and which of OpenBLAS's x86 kernels it can run, by tier: a better
 * tier has wider vectors. Nothing here on a CPU without cpuid: only OpenBLAS's choice is tried.
 */
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "blascpu.h"

/* What a kernel needs of the CPU (and of the OS: the registers' state saved). */
enum {
	BLASCPU_AVX = 1 << 0,
	BLASCPU_AVX2 = 1 << 1,	/* with FMA */
	BLASCPU_AVX512 = 1 << 2,	/* F, CD, BW, DQ, VL */
	BLASCPU_BF16 = 1 << 3,	/* AVX512_BF16 */
};

/* The x86 kernels worth trying. */
static const struct blascpu_kernel {
	const char *core;
	int tier;
	unsigned needs;
} blascpu_kernels[] = {
	{ "Sandybridge", 2, BLASCPU_AVX },
	{ "Haswell", 3, BLASCPU_AVX | BLASCPU_AVX2 },
	{ "Zen", 3, BLASCPU_AVX | BLASCPU_AVX2 },
	{ "SkylakeX", 4, BLASCPU_AVX | BLASCPU_AVX2 | BLASCPU_AVX512 },
	{ "Cooperlake", 4, BLASCPU_AVX | BLASCPU_AVX2 | BLASCPU_AVX512 | BLASCPU_BF16 },
};

/* OpenBLAS's other x86 cores that have AVX (the rest are SSE, tier 1). */
static const struct blascpu_kernel blascpu_others[] = {
	{ "Bulldozer", 2, 0 }, { "Piledriver", 2, 0 }, { "Steamroller", 2, 0 },
	{ "Excavator", 3, 0 }, { "SapphireRapids", 4, 0 },
};

/* Read the CPU's name and features (nothing on a CPU without cpuid). */
void
blascpu_read(struct blascpu *c)
{
	memset(c, 0, sizeof *c);
	strcpy(c->brand, "unknown");
#if defined(__x86_64__) || defined(__i386__)
	unsigned a, b, cx, d, lo = 0, hi = 0, *r = c->regs, i;
	const unsigned avx512 = 1u << 16 | 1u << 17 | 1u << 28 | 1u << 30 | 1u << 31;

	if (__get_cpuid(0x80000000, &a, &b, &cx, &d) && a >= 0x80000004) {
		for (i = 0; i < 3; i++)
			__get_cpuid(0x80000002 + i, (unsigned *)(c->brand + 16 * i),
			    (unsigned *)(c->brand + 16 * i + 4), (unsigned *)(c->brand + 16 * i + 8),
			    (unsigned *)(c->brand + 16 * i + 12));
		c->brand[48] = '\0';
	}
	if (!__get_cpuid(1, &r[0], &b, &r[1], &r[2]))
		return;
	__get_cpuid_count(7, 0, &a, &r[3], &r[4], &r[5]);
	__get_cpuid_count(7, 1, &r[6], &b, &cx, &d);
	if (r[1] & (1u << 27))	/* OSXSAVE: xgetbv says which registers the OS saves */
		__asm__ volatile ("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	r[7] = lo;
	if ((r[1] & (1u << 28)) && (lo & 0x6) == 0x6)
		c->has |= BLASCPU_AVX;
	if ((c->has & BLASCPU_AVX) && (r[3] & (1u << 5)) && (r[1] & (1u << 12)))
		c->has |= BLASCPU_AVX2;
	if ((c->has & BLASCPU_AVX2) && (r[3] & avx512) == avx512 && (lo & 0xe0) == 0xe0)
		c->has |= BLASCPU_AVX512;
	if ((c->has & BLASCPU_AVX512) && (r[6] & (1u << 5)))
		c->has |= BLASCPU_BF16;
#endif
}

/* The tier of an OpenBLAS core name: 1 for the SSE ones and any it does not name here. */
static int
blascpu_tier(const char *core)
{
	size_t i;

	for (i = 0; i < sizeof blascpu_kernels / sizeof *blascpu_kernels; i++)
		if (strcmp(blascpu_kernels[i].core, core) == 0)
			return blascpu_kernels[i].tier;
	for (i = 0; i < sizeof blascpu_others / sizeof *blascpu_others; i++)
		if (strcmp(blascpu_others[i].core, core) == 0)
			return blascpu_others[i].tier;
	return 1;
}


/*
 * The kernels worth trying besides def, OpenBLAS's choice: those of its tier or better that the
 * CPU supports, at most max of them, into out. Returns how many.
 */
int
blascpu_candidates(const struct blascpu *c, const char *def, const char **out, int max)
{
	size_t i;
	int n = 0;

	for (i = 0; i < sizeof blascpu_kernels / sizeof *blascpu_kernels && n < max; i++) {
		const struct blascpu_kernel *k = &blascpu_kernels[i];

		if ((k->needs & c->has) == k->needs && k->tier >= blascpu_tier(def) &&
		    strcmp(k->core, def) != 0)
			out[n++] = k->core;
	}
	return n;
}
