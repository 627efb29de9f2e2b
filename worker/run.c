/*
 * run.c: one trial — load the data, train epoch by epoch, report each epoch, and at every
 * epoch boundary apply the commands waiting on standard input (set, save, restore, stop).
 */
#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "ckpt.h"
#include "event.h"
#include "limit.h"
#include "prof.h"
#include "run.h"
#include "train.h"
#include "worker-protocol.h"
#include "xmalloc.h"

enum run_next { RUN_GO, RUN_STOP };

struct run {
	const struct trial *tr;
	struct ctl *ctl;
	struct train t;
	int epochs;		/* may be changed by "set" */
	const char *reason;	/* why the trial ended early */
	bool restored;		/* a checkpoint was restored at this boundary */
	bool diverged;		/* the weights are NaN: only the kept ones can be scored */
};

struct run_cmd {
	const char *name;
	int (*fn)(struct run *, const cJSON *, enum run_next *, char **);
};

static int run_cmd_continue(struct run *, const cJSON *, enum run_next *, char **);
static int run_cmd_set(struct run *, const cJSON *, enum run_next *, char **);
static int run_cmd_save(struct run *, const cJSON *, enum run_next *, char **);
static int run_cmd_restore(struct run *, const cJSON *, enum run_next *, char **);
static int run_cmd_stop(struct run *, const cJSON *, enum run_next *, char **);

static const struct run_cmd run_cmds[] = {
	{ WCMD_CONTINUE, run_cmd_continue },
	{ WCMD_SET, run_cmd_set },
	{ WCMD_SAVE, run_cmd_save },
	{ WCMD_RESTORE, run_cmd_restore },
	{ WCMD_STOP, run_cmd_stop },
};

/* Add the optimizer's β values in force to an event. */
static void
run_add_betas(cJSON *ev, const struct hparams *h)
{
	if (h->optimizer == OPT_MOMENTUM)
		cJSON_AddNumberToObject(ev, "beta", h->beta);
	if (h->optimizer == OPT_ADAM)
		cJSON_AddNumberToObject(ev, "beta1", h->beta1);
	if (h->optimizer == OPT_ADAM || h->optimizer == OPT_RMSPROP)
		cJSON_AddNumberToObject(ev, "beta2", h->beta2);
}

/* "continue": go on to the next epoch. */
static int
run_cmd_continue(struct run *r, const cJSON *cmd, enum run_next *next, char **cause)
{
	(void)r; (void)cmd; (void)cause;
	*next = RUN_GO;
	return 1;
}

/* "stop": end the trial at this boundary. */
static int
run_cmd_stop(struct run *r, const cJSON *cmd, enum run_next *next, char **cause)
{
	(void)cmd; (void)cause;
	r->reason = "stopped";
	*next = RUN_STOP;
	return 1;
}

/* "set": change α, the β values, ε, decay or the epoch budget from the next epoch on. */
static int
run_cmd_set(struct run *r, const cJSON *cmd, enum run_next *next, char **cause)
{
	static const char *allowed[] = { "alpha", "beta", "beta1", "beta2", "epsilon",
	    "lr_decay", NULL };
	struct hparams h = r->t.h;
	const cJSON *item;
	double epochs = r->epochs;
	bool alpha = false;
	cJSON *ev;
	char *path;
	int i, rc;

	(void)next;
	cJSON_ArrayForEach(item, cmd) {
		if (strcmp(item->string, "cmd") == 0)
			continue;
		if (strcmp(item->string, "epochs") == 0) {
			if (!cJSON_IsNumber(item) || item->valuedouble < 1 ||
			    item->valuedouble > TRIAL_MAX_EPOCHS ||
			    item->valuedouble != floor(item->valuedouble))
				return xcause(cause, -EINVAL, "set.epochs: must be an integer in [1, %d]",
				    TRIAL_MAX_EPOCHS);
			epochs = item->valuedouble;
			continue;
		}
		for (i = 0; allowed[i] != NULL && strcmp(allowed[i], item->string) != 0; i++)
			;
		if (allowed[i] == NULL)
			return xcause(cause, -EINVAL, "set.%s: cannot be changed during a trial",
			    item->string);
		path = xasprintf("set.%s", item->string);
		rc = hparams_set(&h, item->string, item, path, cause);
		free(path);
		if (rc != 0)
			return rc;
		alpha |= strcmp(item->string, "alpha") == 0;
	}
	if (alpha)
		train_set_alpha(&r->t, h.alpha);
	h.alpha = r->t.h.alpha;
	r->t.h = h;
	r->epochs = (int)epochs;
	ev = event_new(WEV_SET, r->tr->id);
	cJSON_AddNumberToObject(ev, "epoch", r->t.epoch);
	cJSON_AddNumberToObject(ev, "alpha", train_alpha(&r->t));
	run_add_betas(ev, &r->t.h);
	cJSON_AddNumberToObject(ev, "lr_decay", r->t.h.lr_decay);
	cJSON_AddNumberToObject(ev, "epochs", r->epochs);
	event_emit(ev);
	return 0;
}

/* The "path" member of a command. */
static const char *
run_cmd_path(const cJSON *cmd, char **cause)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(cmd, "path");

	if (!cJSON_IsString(p) || p->valuestring[0] == '\0') {
		xcause(cause, -EINVAL, "%s.path: must be a non-empty string",
		    cJSON_GetObjectItemCaseSensitive(cmd, "cmd")->valuestring);
		return NULL;
	}
	return p->valuestring;
}

/* Emit "saved" or "restored" for a path. */
static void
run_ack(struct run *r, const char *event, const char *path)
{
	cJSON *ev = event_new(event, r->tr->id);

	cJSON_AddStringToObject(ev, "path", path);
	cJSON_AddNumberToObject(ev, "epoch", r->t.epoch);
	cJSON_AddNumberToObject(ev, "alpha", train_alpha(&r->t));
	event_emit(ev);
}

/* "save": write a checkpoint of the run as it stands. */
static int
run_cmd_save(struct run *r, const cJSON *cmd, enum run_next *next, char **cause)
{
	const char *path = run_cmd_path(cmd, cause);
	int rc;

	(void)next;
	if (path == NULL)
		return -EINVAL;
	if ((rc = ckpt_save(&r->t, path, cause)) != 0)
		return rc;
	run_ack(r, WEV_SAVED, path);
	return 0;
}

/* "restore": go back to a checkpoint; training resumes after its epoch. */
static int
run_cmd_restore(struct run *r, const cJSON *cmd, enum run_next *next, char **cause)
{
	const char *path = run_cmd_path(cmd, cause);
	int rc;

	(void)next;
	if (path == NULL)
		return -EINVAL;
	if ((rc = ckpt_load(&r->t, path, cause)) != 0)
		return rc;
	r->restored = true;
	run_ack(r, WEV_RESTORED, path);
	return 0;
}

/* Dispatch one command line; returns 1 when the boundary is over (*next set), else 0. */
static int
run_command(struct run *r, const cJSON *cmd, enum run_next *next)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(cmd, "cmd");
	char *cause = NULL, *msg;
	size_t i;
	int rc = -EINVAL;

	if (!cJSON_IsString(name)) {
		event_error(r->tr->id, "command: \"cmd\" must be a string");
		return 0;
	}
	for (i = 0; i < sizeof run_cmds / sizeof run_cmds[0]; i++) {
		if (strcmp(run_cmds[i].name, name->valuestring) == 0) {
			rc = run_cmds[i].fn(r, cmd, next, &cause);
			break;
		}
	}
	if (i == sizeof run_cmds / sizeof run_cmds[0])
		cause = xasprintf("command: unknown cmd \"%s\"", name->valuestring);
	if (rc < 0) {
		msg = xasprintf("%s", cause != NULL ? cause : "command failed");
		event_error(r->tr->id, msg);
		free(msg);
	}
	free(cause);
	return rc == 1;
}

/* Apply the commands waiting at an epoch boundary (waiting for "continue" in step mode). */
static enum run_next
run_boundary(struct run *r)
{
	enum run_next next = RUN_GO;
	char *line, *cause = NULL;
	cJSON *cmd;
	int rc;

	for (;;) {
		if (r->ctl->pending != NULL) {
			/* what follows the next trial's line is the next trial's */
			if (!r->tr->step)
				return RUN_GO;
			r->reason = "stopped";
			return RUN_STOP;
		}
		rc = ctl_next(r->ctl, r->tr->step, &line, &cause);
		if (rc == 0)
			return RUN_GO;
		if (rc == -1) {
			if (!r->tr->step)
				return RUN_GO;
			r->reason = "stopped";	/* nobody is left to say "continue" */
			return RUN_STOP;
		}
		if (rc < 0) {
			event_error(r->tr->id, cause);
			free(cause);
			r->reason = "stopped";
			return RUN_STOP;
		}
		cmd = cJSON_Parse(line);
		if (cJSON_IsObject(cmd) && cJSON_GetObjectItemCaseSensitive(cmd, "cmd") == NULL) {
			r->ctl->pending = line;		/* the next trial: run it after this one */
			line = NULL;
		} else if (!cJSON_IsObject(cmd))
			event_error(r->tr->id, "command: not a JSON object");
		else if (run_command(r, cmd, &next)) {
			cJSON_Delete(cmd);
			free(line);
			return next;
		}
		cJSON_Delete(cmd);
		free(line);
	}
}

/* Add a score's loss and accuracy under the given names (null when there are no rows). */
static void
run_add_score(cJSON *ev, const char *loss, const char *acc, const struct train_score *s)
{
	cJSON_AddNumberToObject(ev, loss, s->rows ? s->loss : NAN);
	cJSON_AddNumberToObject(ev, acc, s->rows ? s->acc : NAN);
}

/* Emit the "start" event. */
static void
run_start_event(struct run *r, const struct dataset *ds)
{
	cJSON *ev = event_new(WEV_START, r->tr->id);

	cJSON_AddNumberToObject(ev, "version", WORKER_PROTOCOL_VERSION);
	cJSON_AddNumberToObject(ev, "n_train", (double)ds->n_train);
	cJSON_AddNumberToObject(ev, "n_val", (double)ds->n_val);
	cJSON_AddNumberToObject(ev, "n_test", (double)ds->n_test);
	cJSON_AddNumberToObject(ev, "features", (double)ds->features);
	cJSON_AddNumberToObject(ev, "classes", ds->classes);
	if (ds->class_names != NULL)
		cJSON_AddItemToObject(ev, "class_names", dataset_class_names_json(ds));
	cJSON_AddNumberToObject(ev, "parameters", (double)r->t.model.n_params);
	cJSON_AddNumberToObject(ev, "threads", r->tr->threads);
	cJSON_AddItemToObject(ev, "params", hparams_to_json(&r->t.h));
	cJSON_AddItemToObject(ev, "limits", limit_to_json());
	if (ds->cache_path != NULL)
		cJSON_AddStringToObject(ev, "cache", ds->cache_path);
	if (blas_core() != NULL) {
		cJSON_AddStringToObject(ev, "blas_core", blas_core());
		cJSON_AddStringToObject(ev, "blas_why", blas_why());
	}
	event_emit(ev);
}

/* Run a trial to its terminal event; returns 0, or -1 when it ended in an error event. */
int
run_trial(const struct trial *tr, struct ctl *ctl)
{
	struct dataset ds;
	struct run r;
	struct train_score tr_s, val_s, test_s, best_s, last_s, last_test;
	double t0, t_start, sg0, secs, alpha, train_secs = 0, best = NAN;
	char *cause = NULL;
	cJSON *ev, *prof;
	int i, rc = 0;

	memset(&r, 0, sizeof r);
	memset(&ds, 0, sizeof ds);
	memset(&val_s, 0, sizeof val_s);
	memset(&best_s, 0, sizeof best_s);
	memset(&last_s, 0, sizeof last_s);
	r.tr = tr;
	r.ctl = ctl;
	r.epochs = tr->epochs;
	r.reason = "completed";
	t_start = prof_now();
	openblas_set_num_threads(1);	/* the trainer's own threads split each batch */
	prof_enabled = tr->profile;
	prof_reset();
	if (limit_apply(tr->address_space_mb, tr->cpu_seconds, &cause) != 0 ||
	    dataset_open(&ds, &tr->src, &cause) != 0 ||
	    train_init(&r.t, &ds, &tr->h, tr->threads, tr->seed, &cause) != 0 ||
	    limit_room(tr->threads, &cause) != 0) {
		limit_explain(&cause);
		event_error(tr->id, cause);
		rc = -1;
		goto fail;
	}
	run_start_event(&r, &ds);
	if (run_boundary(&r) == RUN_STOP)
		goto done;
	while (r.t.epoch < r.epochs) {
		t0 = prof_now();
		sg0 = prof_seconds[PROF_SGEMM];
		alpha = train_alpha(&r.t);
		if (train_epoch(&r.t, &tr_s) != 0) {
			ev = event_new(WEV_DIVERGED, tr->id);
			cJSON_AddNumberToObject(ev, "epoch", r.t.epoch + 1);
			cJSON_AddNumberToObject(ev, "batch", (double)tr_s.batch);
			cJSON_AddNumberToObject(ev, "alpha", alpha);
			cJSON_AddNumberToObject(ev, "train_loss", tr_s.loss);
			cJSON_AddBoolToObject(ev, "recoverable", tr->step);
			event_emit(ev);
			if (!tr->step)
				goto fail;
			/* step mode: the daemon may restore a checkpoint; if not, the trial ends */
			r.restored = false;
			if (run_boundary(&r) == RUN_GO && r.restored)
				continue;
			r.reason = "diverged";
			r.diverged = true;
			goto done;
		}
		secs = prof_now() - t0;
		train_secs += secs;
		ev = event_new(WEV_EPOCH, tr->id);
		cJSON_AddNumberToObject(ev, "epoch", r.t.epoch);
		cJSON_AddNumberToObject(ev, "seconds", secs);
		cJSON_AddNumberToObject(ev, "sgemm_seconds", prof_seconds[PROF_SGEMM] - sg0);
		t0 = prof_now();
		train_evaluate(&r.t, SPLIT_VAL, &val_s);
		cJSON_AddNumberToObject(ev, "eval_seconds", prof_now() - t0);
		if (val_s.rows && !(val_s.acc <= best)) {
			best = val_s.acc;
			best_s = val_s;
			train_keep(&r.t);
		}
		last_s = val_s;
		run_add_score(ev, "train_loss", "train_acc", &tr_s);
		run_add_score(ev, "val_loss", "val_acc", &val_s);
		cJSON_AddNumberToObject(ev, "alpha", alpha);
		run_add_betas(ev, &r.t.h);
		event_emit(ev);
		if (run_boundary(&r) == RUN_STOP)
			break;
	}
done:
	/*
	 * The trial's result is the model the validation set selects, the best epoch's weights:
	 * its validation and test scores; last_* are those of the last epoch's weights.
	 */
	memset(&last_test, 0, sizeof last_test);
	if (!r.diverged)
		train_evaluate(&r.t, SPLIT_TEST, &last_test);
	test_s = last_test;
	if (r.t.kept != NULL && (r.diverged || r.t.kept_epoch != r.t.epoch)) {
		train_swap_kept(&r.t);
		train_evaluate(&r.t, SPLIT_TEST, &test_s);
		train_swap_kept(&r.t);
	}
	ev = event_new(WEV_DONE, tr->id);
	cJSON_AddStringToObject(ev, "reason", r.reason);
	cJSON_AddNumberToObject(ev, "epochs", r.t.epoch);
	run_add_score(ev, "val_loss", "val_acc", &best_s);
	cJSON_AddNumberToObject(ev, "best_val_acc", best);
	cJSON_AddNumberToObject(ev, "best_epoch", r.t.kept != NULL ? r.t.kept_epoch : r.t.epoch);
	run_add_score(ev, "test_loss", "test_acc", &test_s);
	run_add_score(ev, "last_val_loss", "last_val_acc", &last_s);
	run_add_score(ev, "last_test_loss", "last_test_acc", &last_test);
	cJSON_AddNumberToObject(ev, "seconds", prof_now() - t_start);
	cJSON_AddNumberToObject(ev, "train_seconds", train_secs);
	cJSON_AddNumberToObject(ev, "sgemm_seconds", prof_seconds[PROF_SGEMM]);
	if (tr->profile) {
		prof = cJSON_AddObjectToObject(ev, "profile");
		for (i = 0; i < PROF_N; i++)
			cJSON_AddNumberToObject(prof, prof_name(i), prof_seconds[i]);
	}
	event_emit(ev);
fail:
	free(cause);
	cause = NULL;
	train_free(&r.t);
	dataset_close(&ds);
	if (limit_release(&cause) != 0) {
		/* after the terminal event: the next trial's limit_apply reports it, if it lasts */
		fprintf(stderr, "tuna-worker: %s\n", cause);
		free(cause);
	}
	return rc;
}
