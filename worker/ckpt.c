/*
 * ckpt.c: save and restore a training run exactly. The file is a fixed header followed by the
 * parameter, moment, running-statistic and permutation arrays, in host byte order; it is
 * written to a temporary name, synced and renamed, so a crash never leaves half a checkpoint.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt.h"
#include "paths.h"
#include "xmalloc.h"

#define CKPT_MAGIC "TUNACKPT"
#define CKPT_VERSION 1

struct ckpt_header {
	char magic[8];
	uint32_t version;
	int32_t d, c, layers, units, batchnorm, optimizer;
	uint64_t n_params, n_stats, n_train;
	int64_t step;
	int32_t epoch, epoch_base;
	double alpha_base;
	double alpha, beta, beta1, beta2, epsilon, lr_decay, bn_momentum;
	uint64_t rng_state, rng_inc;
};

/* Fill a header from a run. */
static void
ckpt_header_fill(struct ckpt_header *hd, const struct train *t)
{
	const struct model *mo = &t->model;

	memset(hd, 0, sizeof *hd);
	memcpy(hd->magic, CKPT_MAGIC, 8);
	hd->version = CKPT_VERSION;
	hd->d = mo->shape.d;
	hd->c = mo->shape.c;
	hd->layers = mo->shape.layers;
	hd->units = mo->shape.units;
	hd->batchnorm = mo->shape.batchnorm;
	hd->optimizer = (int32_t)t->h.optimizer;
	hd->n_params = mo->n_params;
	hd->n_stats = mo->n_stats;
	hd->n_train = t->ds->n_train;
	hd->step = t->step;
	hd->epoch = t->epoch;
	hd->epoch_base = t->epoch_base;
	hd->alpha_base = t->alpha_base;
	hd->alpha = t->h.alpha;
	hd->beta = t->h.beta;
	hd->beta1 = t->h.beta1;
	hd->beta2 = t->h.beta2;
	hd->epsilon = t->h.epsilon;
	hd->lr_decay = t->h.lr_decay;
	hd->bn_momentum = t->h.bn_momentum;
	hd->rng_state = t->shuffle.state;
	hd->rng_inc = t->shuffle.inc;
}

/* Write a checkpoint of t to path atomically (its directory made if need be). */
int
ckpt_save(const struct train *t, const char *path, char **cause)
{
	const struct model *mo = &t->model;
	struct ckpt_header hd;
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	FILE *f;
	int rc = 0, ok;

	ckpt_header_fill(&hd, t);
	if ((rc = paths_mkdir_parent(path, cause)) != 0)
		goto fail;
	if ((f = fopen(tmp, "wb")) == NULL) {
		rc = xcause(cause, -errno, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	ok = fwrite(&hd, sizeof hd, 1, f) == 1 &&
	    fwrite(mo->params, sizeof(float), mo->n_params, f) == mo->n_params &&
	    fwrite(mo->m, sizeof(float), mo->n_params, f) == mo->n_params &&
	    fwrite(mo->v, sizeof(float), mo->n_params, f) == mo->n_params &&
	    fwrite(mo->stats, sizeof(float), mo->n_stats, f) == mo->n_stats &&
	    fwrite(t->perm, sizeof *t->perm, t->ds->n_train, f) == t->ds->n_train &&
	    fflush(f) == 0 && fsync(fileno(f)) == 0;
	if (!ok) {
		rc = xcause(cause, -(errno ? errno : EIO), "%s: write failed: %s", tmp,
		    strerror(errno ? errno : EIO));
		fclose(f);
		unlink(tmp);
		goto fail;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		rc = xcause(cause, -errno, "%s: %s", path, strerror(errno));
		unlink(tmp);
		goto fail;
	}
fail:
	free(tmp);
	return rc;
}

/* Restore t from a checkpoint written by ckpt_save for the same model and data set. */
int
ckpt_load(struct train *t, const char *path, char **cause)
{
	struct model *mo = &t->model;
	struct ckpt_header hd, want;
	float *buf = NULL;
	uint32_t *perm = NULL;
	size_t np = mo->n_params, ns = mo->n_stats, nt = t->ds->n_train;
	FILE *f;
	int rc = 0;

	if ((f = fopen(path, "rb")) == NULL)
		return xcause(cause, -errno, "%s: %s", path, strerror(errno));
	if (fread(&hd, sizeof hd, 1, f) != 1 || memcmp(hd.magic, CKPT_MAGIC, 8) != 0) {
		rc = xcause(cause, -EINVAL, "%s: not a tuna checkpoint", path);
		goto fail;
	}
	ckpt_header_fill(&want, t);
	if (hd.version != CKPT_VERSION || hd.d != want.d || hd.c != want.c ||
	    hd.layers != want.layers || hd.units != want.units ||
	    hd.batchnorm != want.batchnorm || hd.n_params != want.n_params ||
	    hd.n_stats != want.n_stats || hd.n_train != want.n_train ||
	    hd.optimizer < OPT_GD || hd.optimizer > OPT_ADAM) {
		rc = xcause(cause, -EINVAL, "%s: checkpoint is for a different model or data set",
		    path);
		goto fail;
	}
	buf = xmalloc((3 * np + ns) * sizeof(float));
	perm = xmalloc(nt * sizeof *perm);
	if (fread(buf, sizeof(float), 3 * np + ns, f) != 3 * np + ns ||
	    fread(perm, sizeof *perm, nt, f) != nt || fgetc(f) != EOF) {
		rc = xcause(cause, -EINVAL, "%s: truncated or oversized checkpoint", path);
		goto fail;
	}
	memcpy(mo->params, buf, np * sizeof(float));
	memcpy(mo->m, buf + np, np * sizeof(float));
	memcpy(mo->v, buf + 2 * np, np * sizeof(float));
	memcpy(mo->stats, buf + 3 * np, ns * sizeof(float));
	memcpy(t->perm, perm, nt * sizeof *perm);
	t->h.optimizer = (enum optimizer)hd.optimizer;
	t->step = hd.step;
	t->epoch = hd.epoch;
	t->epoch_base = hd.epoch_base;
	t->alpha_base = hd.alpha_base;
	t->h.alpha = hd.alpha;
	t->h.beta = hd.beta;
	t->h.beta1 = hd.beta1;
	t->h.beta2 = hd.beta2;
	t->h.epsilon = hd.epsilon;
	t->h.lr_decay = hd.lr_decay;
	t->h.bn_momentum = hd.bn_momentum;
	t->shuffle.state = hd.rng_state;
	t->shuffle.inc = hd.rng_inc;
fail:
	free(buf);
	free(perm);
	fclose(f);
	return rc;
}
