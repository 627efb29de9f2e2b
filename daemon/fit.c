/*
 * fit.c: the submit-time memory model (fit.h). The largest model a spec can draw — the largest
 * value of hidden_units, layers and batch_size, each at once — must pass the model-size rule
 * on this data set (modelsize.h), and `parallel` of them must fit in 80 % of the machine's
 * memory; the limits are then sized, or checked, against it (spec_limits_fit).
 * Layer: part
 */
#include <errno.h>
#include <string.h>

#include "fit.h"
#include "modelsize.h"
#include "xmalloc.h"

/* Check that the spec's largest model fits; fill in its default limits. */
int
fit_check(struct spec *s, const struct exec_dataset *ds, double mem_bytes, char **cause)
{
	double units = 256, layers = 2, batch = 128, params, bytes, data;
	const struct spec_param *p;
	int i, rc;

	for (i = 0; i < s->n_params; i++) {
		p = &s->params[i];
		if (strcmp(p->hp->name, "hidden_units") == 0)
			units = p->d.max;	/* the largest value a draw can take, any kind */
		else if (strcmp(p->hp->name, "layers") == 0)
			layers = p->d.max;
		else if (strcmp(p->hp->name, "batch_size") == 0)
			batch = p->d.max;
	}
	/* the worker's own limit, on this data set; then what its trainer allocates */
	if ((rc = modelsize_check(ds->features, ds->classes, (int)layers, (int)units,
	    cause)) != 0)
		return rc;
	params = (double)modelsize_params(ds->features, ds->classes, (int)layers, (int)units,
	    true);
	bytes = modelsize_bytes(ds->features, ds->classes, (int)layers, (int)units, (int)batch,
	    s->threads);
	if (bytes * s->parallel > 0.8 * mem_bytes)
		return xcause(cause, -ENOMEM, "params.hidden_units: a model of up to %.0f "
		    "parameters (%d layers of %.0f units, %llu features, %d classes) needs about "
		    "%.0f MB per worker; %d workers need more than this machine's %.0f MB",
		    params, (int)layers, units, (unsigned long long)ds->features, ds->classes,
		    bytes / 1e6, s->parallel, mem_bytes / 1e6);
	/* the limits: the data set is mapped whole, its feature values and 2-byte labels */
	data = (double)(ds->n_train + ds->n_val + ds->n_test) *
	    ((double)ds->features * ds->element_size + 2);
	return spec_limits_fit(s, bytes, data, cause);
}
