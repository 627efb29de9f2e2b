/*
 * protocol.h: what the tuna CLI (or any client, e.g. socat) and tunad say over the Unix socket.
 *
 * Newline-delimited JSON. A client sends one request object per line:
 *     {"type": "<request>", "id": <any JSON value, echoed>, ...fields}
 * and gets one reply line per request:
 *     {"ok": true, "id": …, ...results}     or     {"ok": false, "id": …, "error": "message"}
 * A "watch" request is answered by {"ok":true,…} and then a stream of event lines
 *     {"event": "<kind>", "search": N, "trial": N, "time": "…", ...}
 * until the search ends (an event "search_end") or the client leaves.
 */
#ifndef TUNA_PROTOCOL_H
#define TUNA_PROTOCOL_H

#define PROTOCOL_VERSION 1
#define PROTOCOL_MAX_LINE (1 << 20)	/* longest line, bytes: a request, or a trial, command or
					   event line of the worker protocol */

/* Requests (the "type" member). */
#define REQ_HELLO	"hello"		/* → version, pid */
#define REQ_SUBMIT	"submit"	/* spec {…} → search (id) */
#define REQ_STATUS	"status"	/* [search] → searches […] or search {…} with trials […]
					   (each with its BLAS kernel's core, "kernel") and
					   kernels [{core, why, trials}] */
#define REQ_BEST	"best"		/* [search], [n] → trials […], best first */
#define REQ_CANCEL	"cancel"	/* search → cancelled (count of trials stopped) */
#define REQ_WATCH	"watch"		/* [search], [history: bool], [follow: bool] → events */
#define REQ_NUDGE	"nudge"		/* trial, [set {alpha, beta, beta1, beta2}], [scale {alpha}],
					   [rollback] → ok; applied at the trial's next epoch */
#define REQ_SHUTDOWN	"shutdown"	/* → ok; the daemon then stops */

/* Events (the "event" member of a watch stream and of the events table's "kind"). */
#define EV_SEARCH_START	"search_start"	/* name, mode, strategy, trials, parallel */
#define EV_TRIAL_START	"trial_start"	/* number, params {…} */
#define EV_EPOCH	"epoch"		/* epoch, train_loss, val_loss, val_acc, alpha, seconds */
#define EV_TRIAL_STATE	"trial_state"	/* number, status (queued|running), [reason]: a trial
					   waits for the cluster's resources, or now runs */
#define EV_TRIAL_END	"trial_end"	/* number, status, val_acc, test_acc, error */
#define EV_SEARCH_END	"search_end"	/* status, best_trial, best_val_acc */
#define EV_ROUND	"round"		/* round, trials, box {…}, description */
#define EV_DECISION	"decision"	/* number, epoch, action (prune, continue, raise, lower,
					   rollback, resume), alpha, reason */
#define EV_NUDGE	"nudge"		/* number, epoch, set/scale/rollback, alpha */
#define EV_CHECKPOINT	"checkpoint"	/* number, epoch, path */
#define EV_RETRY	"retry"		/* number, retry, max_retries, error: a failed trial runs again */
#define EV_LOG		"log"		/* message */
#define EV_STORAGE	"storage"	/* error, seconds, action: the database could not be
					   written for that long; the search resumed */

#endif
