#!/bin/sh
# worker.sh: tuna-worker end to end — training, determinism, divergence, the epoch-boundary
# command protocol (set, save, restore, stop), trial streams and error reports.
set -u
worker=${1:?usage: worker.sh PATH-TO-tuna-worker}
. "$(dirname "$0")/lib.sh"

# events FILE EPOCHS [IDS]: what is wrong with a stream of trials' events (nothing when all is
# right). IDS: the trials' ids in order, comma-separated JSON ("" or absent: one trial, no id).
# Every event has its trial's id and members of the right type and range: counts are integers,
# accuracies in [0, 1], losses finite and > 0, seconds > 0 (an epoch's sgemm within them);
# "parameters" is the count of the model in the start event; epochs go 1, 2, … (again after a
# restored epoch); α follows α0/(1 + decay·(e − 1)) and the β values are the trial's until a
# set or restore; a completed trial's done reports EPOCHS epochs; done's best_epoch and
# best_val_acc are the first highest val_acc's, its val_loss and val_acc that epoch's, last_val_*
# the last epoch's, test_* those of last_test_* when the best epoch is the last; a trial without
# a validation or test split reports null for it. A trial ends with done, an error or a
# diverged event that is not recoverable. An epoch event's numbers are the metrics
# common/worker-protocol.h lists (what a search's objective may name), and no others.
events() {
	TUNA_PROTOCOL_H="$(dirname "$0")/../common/worker-protocol.h" python3 - "$@" <<'PY'
import json, math, os, re, sys

header = open(os.environ["TUNA_PROTOCOL_H"]).read()
metrics = set(re.findall(r'"(\w+)"', re.search(r"#define WEV_EPOCH_METRICS(.*?)\n\n", header, re.S).group(1)))
assert {"val_acc", "val_loss", "train_loss"} <= metrics, metrics

path, want_epochs = sys.argv[1], int(sys.argv[2])
ids = [json.loads(i) for i in sys.argv[3].split(",")] if len(sys.argv) > 3 and sys.argv[3] else None
bad = []

def isnum(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)

def isint(v):
    return isnum(v) and v == int(v)

pos = lambda v: isnum(v) and v > 0
nonneg = lambda v: isnum(v) and v >= 0
prob = lambda v: isnum(v) and 0 <= v <= 1
beta = lambda v: isnum(v) and 0 <= v < 1
null = lambda v: v is None

def need(n, ev, key, ok, what):
    if key not in ev:
        bad.append("line %d: %s: no %s" % (n, ev["event"], key))
    elif not ok(ev[key]):
        bad.append("line %d: %s: %s is %s, not %s" % (n, ev["event"], key, json.dumps(ev[key]), what))

def params(d, c, layers, units, bn):
    n, i = 0, d
    for _ in range(layers):
        n += i * units + (2 if bn else 1) * units
        i = units
    return n + i * c + c

trials, t = [], None
for n, line in enumerate(open(path), 1):
    try:
        ev = json.loads(line)
    except ValueError:
        bad.append("line %d: not JSON: %s" % (n, line.strip()[:80]))
        continue
    if not isinstance(ev, dict) or not isinstance(ev.get("event"), str):
        bad.append("line %d: not an event: %s" % (n, line.strip()[:80]))
        continue
    e = ev["event"]
    if t is not None:
        t["lastev"] = e
    if e == "start":
        t = {"start": ev, "epochs": [], "last": 0, "end": None, "plain": True, "lastev": e}
        trials.append(t)
    if t is None or t["end"] is not None:
        bad.append("line %d: %s outside a trial" % (n, e))
        continue
    k = len(trials) - 1
    if ids is None:
        if "id" in ev:
            bad.append("line %d: %s: id %s, want none" % (n, e, json.dumps(ev["id"])))
    elif k >= len(ids) or json.dumps(ev.get("id")) != json.dumps(ids[k]):
        bad.append("line %d: %s: id %s, want %s" % (n, e, json.dumps(ev["id"]) if "id" in ev else "none",
            json.dumps(ids[k]) if k < len(ids) else "no more trials"))
    st = t["start"]
    hp = st.get("params") if isinstance(st.get("params"), dict) else {}
    val = lambda v: (prob(v) if st.get("n_val") else null(v))
    if e == "start":
        need(n, ev, "version", lambda v: v == 1, "1")
        need(n, ev, "n_train", lambda v: isint(v) and v > 0, "an integer > 0")
        need(n, ev, "n_val", lambda v: isint(v) and v >= 0, "an integer >= 0")
        need(n, ev, "n_test", lambda v: isint(v) and v >= 0, "an integer >= 0")
        need(n, ev, "features", lambda v: isint(v) and v > 0, "an integer > 0")
        need(n, ev, "classes", lambda v: isint(v) and v >= 2, "an integer >= 2")
        need(n, ev, "threads", lambda v: isint(v) and v >= 1, "an integer >= 1")
        need(n, ev, "params", lambda v: isinstance(v, dict), "an object")
        try:
            want = params(ev["features"], ev["classes"], hp["layers"], hp["hidden_units"], hp["batchnorm"])
        except (KeyError, TypeError):
            want = "the model's count"
        need(n, ev, "parameters", lambda v: v == want, str(want))
    elif e == "epoch":
        for k in sorted(set(ev) - metrics - {"event", "id", "epoch"}):
            bad.append("line %d: epoch: %s is not in WEV_EPOCH_METRICS" % (n, k))
        need(n, ev, "epoch", lambda v: v == t["last"] + 1, str(t["last"] + 1))
        need(n, ev, "seconds", pos, "> 0")
        secs = ev.get("seconds") if pos(ev.get("seconds")) else math.inf
        need(n, ev, "sgemm_seconds", lambda v: isnum(v) and 0 < v <= secs * (1 + 1e-9), "in (0, seconds]")
        need(n, ev, "eval_seconds", nonneg, ">= 0")
        need(n, ev, "train_loss", pos, "finite and > 0")
        need(n, ev, "train_acc", prob, "in [0, 1]")
        need(n, ev, "val_loss", lambda v: (pos(v) if st.get("n_val") else null(v)), "finite and > 0 (null without a validation split)")
        need(n, ev, "val_acc", val, "in [0, 1] (null without a validation split)")
        if t["plain"] and isnum(hp.get("alpha")) and isnum(hp.get("lr_decay")):
            a = hp["alpha"] / (1 + hp["lr_decay"] * (t["last"]))
            need(n, ev, "alpha", lambda v: isnum(v) and abs(v - a) <= 1e-12 * a, "%.17g" % a)
        else:
            need(n, ev, "alpha", pos, "> 0")
        opt = hp.get("optimizer")
        for b, used in (("beta", opt == "momentum"), ("beta1", opt == "adam"),
                        ("beta2", opt in ("adam", "rmsprop"))):
            if not used:
                if b in ev:
                    bad.append("line %d: epoch: %s with optimizer %s" % (n, b, opt))
            elif t["plain"]:
                need(n, ev, b, lambda v: v == hp.get(b), "the trial's %s" % hp.get(b))
            else:
                need(n, ev, b, beta, "in [0, 1)")
        if isint(ev.get("epoch")):
            t["last"] = ev["epoch"]
        t["epochs"].append(ev)
    elif e in ("saved", "restored", "set"):
        if e == "restored":
            need(n, ev, "epoch", lambda v: isint(v) and 0 <= v <= max(e2["epoch"] for e2 in t["epochs"]) if t["epochs"] else v == 0, "an epoch run before")
            if isint(ev.get("epoch")):
                t["last"] = ev["epoch"]
        else:
            need(n, ev, "epoch", lambda v: v == t["last"], str(t["last"]))
        need(n, ev, "alpha", pos, "> 0")
        if e == "set":
            need(n, ev, "lr_decay", nonneg, ">= 0")
            need(n, ev, "epochs", lambda v: isint(v) and v >= 1, "an integer >= 1")
        else:
            need(n, ev, "path", lambda v: isinstance(v, str) and v != "", "a path")
        if e != "saved":
            t["plain"] = False
    elif e == "diverged":
        need(n, ev, "epoch", lambda v: v == t["last"] + 1, str(t["last"] + 1))
        need(n, ev, "batch", lambda v: isint(v) and v >= 0, "an integer >= 0")
        need(n, ev, "alpha", pos, "> 0")
        need(n, ev, "train_loss", null, "null (NaN or infinite)")
        need(n, ev, "recoverable", lambda v: isinstance(v, bool), "true or false")
        if ev.get("recoverable") is not True:
            t["end"] = ev
    elif e == "error":
        need(n, ev, "error", lambda v: isinstance(v, str) and v != "", "a message")
    elif e == "done":
        t["end"] = ev
        eps = t["epochs"]
        reason = ev.get("reason")
        need(n, ev, "reason", lambda v: v in ("completed", "stopped", "diverged"), "completed, stopped or diverged")
        need(n, ev, "epochs", lambda v: v == t["last"] and (v == want_epochs if reason == "completed" else isint(v) and 0 <= v <= want_epochs),
            "the last epoch, %d%s" % (t["last"], ", and the trial's %d" % want_epochs if reason == "completed" else ""))
        best = None
        for x in eps:
            if isnum(x.get("val_acc")) and (best is None or x["val_acc"] > best["val_acc"]):
                best = x
        if best is None:
            need(n, ev, "best_val_acc", null, "null (no validated epoch)")
            need(n, ev, "val_acc", null, "null (no validated epoch)")
            need(n, ev, "val_loss", null, "null (no validated epoch)")
            need(n, ev, "best_epoch", lambda v: v == t["last"], str(t["last"]))
        else:
            need(n, ev, "best_val_acc", lambda v: v == best["val_acc"], "%r, the highest val_acc" % best["val_acc"])
            need(n, ev, "best_epoch", lambda v: v == best["epoch"], "%d, the epoch of the highest val_acc" % best["epoch"])
            need(n, ev, "val_acc", lambda v: v == best["val_acc"], "%r, the best epoch's" % best["val_acc"])
            need(n, ev, "val_loss", lambda v: v == best["val_loss"], "%r, the best epoch's" % best["val_loss"])
        last = eps[-1] if eps else {}
        need(n, ev, "last_val_acc", lambda v: v == last.get("val_acc"), "%r, the last epoch's" % last.get("val_acc"))
        need(n, ev, "last_val_loss", lambda v: v == last.get("val_loss"), "%r, the last epoch's" % last.get("val_loss"))
        tested = bool(st.get("n_test"))
        for a, l, scored in (("test_acc", "test_loss", tested and (reason != "diverged" or best is not None)),
                             ("last_test_acc", "last_test_loss", tested and reason != "diverged")):
            need(n, ev, a, prob if scored else null, "in [0, 1]" if scored else "null")
            need(n, ev, l, pos if scored else null, "finite and > 0" if scored else "null")
        if tested and reason != "diverged" and best is not None and best["epoch"] == t["last"]:
            need(n, ev, "test_acc", lambda v: v == ev.get("last_test_acc"), "last_test_acc (the best epoch is the last)")
            need(n, ev, "test_loss", lambda v: v == ev.get("last_test_loss"), "last_test_loss (the best epoch is the last)")
        need(n, ev, "seconds", pos, "> 0")
        secs = ev.get("seconds") if pos(ev.get("seconds")) else math.inf
        need(n, ev, "train_seconds", lambda v: isnum(v) and (0 < v if eps else 0 <= v) and v <= secs, "in (0, seconds]")
        need(n, ev, "sgemm_seconds", lambda v: isnum(v) and 0 <= v <= secs, "in [0, seconds]")
    else:
        bad.append("line %d: unknown event %s" % (n, e))
if not trials:
    bad.append("no start event")
if ids is not None and len(trials) != len(ids):
    bad.append("%d trials, want %d" % (len(trials), len(ids)))
for t in trials:
    if t["end"] is None and t["lastev"] != "error":
        bad.append("a trial without an end (done, error or unrecoverable divergence)")
print("\n".join(bad))
PY
}

make_csv "$tmp/train.csv" 900 1
make_csv "$tmp/test.csv" 300 2
ds="{\"format\":\"csv\",\"train\":\"$tmp/train.csv\",\"test\":\"$tmp/test.csv\"}"
base="\"dataset\":$ds,\"epochs\":4,\"seed\":3,\"params\":{\"hidden_units\":16,\"batch_size\":32}"

# Training learns the synthetic problem.
echo "{$base}" > "$tmp/t.json"
"$worker" "$tmp/t.json" > "$tmp/out1" 2> "$tmp/err1"
check "exit status of a good trial" "$?" 0
check "one start event" "$(grep -c '"event":"start"' "$tmp/out1")" 1
check "four epoch events" "$(grep -c '"event":"epoch"' "$tmp/out1")" 4
check "a good trial's events: types, ranges, epochs 1..4, done agreeing with them" \
    "$(events "$tmp/out1" 4)" ""
check "the model's parameters (8 → 16 → 16 → 3, BN)" "$(field parameters "$(head -n 1 "$tmp/out1")")" 499
done_line=$(grep '"event":"done"' "$tmp/out1")
check_true "val_acc above 0.9 after 4 epochs ($(field val_acc "$done_line"))" \
    gt "$(field val_acc "$done_line")" 0.9
check_true "test_acc above 0.9 ($(field test_acc "$done_line"))" \
    gt "$(field test_acc "$done_line")" 0.9
# the event check is not hollow: a null, an accuracy out of range, a skipped epoch, a wrong best
sed 's/"best_epoch":[0-9]*/"best_epoch":null/; s/"last_test_acc":[^,}]*/"last_test_acc":null/' \
    "$tmp/out1" > "$tmp/doctored"
check "events: a null best_epoch and last_test_acc caught" \
    "$(events "$tmp/doctored" 4 | grep -c 'done: \(best_epoch\|last_test_acc\) is null')" 2
sed '2s/"val_acc":[^,}]*/"val_acc":1.5/; 3s/"epoch":2,/"epoch":3,/' "$tmp/out1" > "$tmp/doctored"
check "events: val_acc 1.5 and epoch 3 after 1 caught" \
    "$(events "$tmp/doctored" 4 | grep -c 'val_acc is 1.5, not in \[0, 1\]\|epoch is 3, not 2')" 2
sed 's/"event":"epoch","epoch"/"event":"epoch","id":17,"epoch"/' "$tmp/out1" > "$tmp/doctored"
check "events: an id where there is none caught" "$(events "$tmp/doctored" 4 | grep -c 'id 17, want none')" 4
check "split sizes" "$(field n_train "$(head -n 1 "$tmp/out1")")/$(field n_val "$(head -n 1 "$tmp/out1")")" "810/90"

# Deterministic for a seed: identical output but for the timings.
strip() { sed -E 's/"(seconds|eval_seconds|sgemm_seconds|train_seconds)":[^,}]*//g' "$1"; }
"$worker" "$tmp/t.json" > "$tmp/out2" 2>&1
check "same seed, same run" "$(strip "$tmp/out1" | md5sum)" "$(strip "$tmp/out2" | md5sum)"
echo "{$base,\"seed\":4}" | sed 's/"seed":3,//' > "$tmp/t4.json"
"$worker" "$tmp/t4.json" > "$tmp/out4" 2>&1
check_true "another seed, another run" [ "$(strip "$tmp/out1" | md5sum)" != "$(strip "$tmp/out4" | md5sum)" ]

# Two threads split each batch: deterministic too, and as good.
echo "{$base,\"threads\":2}" > "$tmp/t2.json"
"$worker" "$tmp/t2.json" > "$tmp/out5" 2> "$tmp/out5.err"
"$worker" "$tmp/t2.json" > "$tmp/out6" 2>&1
check "two threads: same seed, same run" "$(strip "$tmp/out5" | md5sum)" "$(strip "$tmp/out6" | md5sum)"
check "two threads: threads reported" "$(field threads "$(head -n 1 "$tmp/out5")")" 2
check "two threads: events" "$(events "$tmp/out5" 4)" ""
done2=$(grep '"event":"done"' "$tmp/out5")
check_true "two threads: val_acc above 0.9 ($(field val_acc "$done2"))" gt "$(field val_acc "$done2")" 0.9

# Every optimizer and BN off train without error.
for opt in gd momentum rmsprop adam; do
	echo "{\"dataset\":$ds,\"epochs\":2,\"params\":{\"optimizer\":\"$opt\",\"alpha\":0.05,\"batchnorm\":false,\"hidden_units\":8,\"lr_decay\":0.5}}" > "$tmp/o.json"
	"$worker" "$tmp/o.json" > "$tmp/oo" 2> "$tmp/oo.err"
	check "optimizer $opt without BN runs" "$?/$(grep -c '"event":"done"' "$tmp/oo")" "0/1"
	check "optimizer $opt without BN: events (its β values, α decayed)" "$(events "$tmp/oo" 2)" ""
done
check_contains "decay: α of epoch 2 is α0/(1+0.5)" "$tmp/oo" '"epoch":2,'
check_true "decayed alpha reported" grep -q '"alpha":0.0333333' "$tmp/oo"

# A huge learning rate diverges and says so.
echo "{\"dataset\":$ds,\"epochs\":30,\"params\":{\"optimizer\":\"gd\",\"alpha\":10,\"batchnorm\":false,\"hidden_units\":64,\"layers\":3}}" > "$tmp/div.json"
"$worker" "$tmp/div.json" > "$tmp/div" 2> "$tmp/div.err"
check "divergence: exit status" "$?" 0
check "divergence: a diverged event" "$(grep -c '"event":"diverged"' "$tmp/div")" 1
check "divergence: no done event" "$(grep -c '"event":"done"' "$tmp/div")" 0
check "divergence: events (epoch, batch, α, a null loss, not recoverable)" "$(events "$tmp/div" 30)" ""
check "divergence: α and recoverable" "$(field alpha "$(grep '"event":"diverged"' "$tmp/div")")/$(field recoverable "$(grep '"event":"diverged"' "$tmp/div")")" "10/false"

# Step control: save after epoch 1, roll back after epoch 2, replay epoch 2 identically.
ck="$tmp/ck.bin"
{
	echo "{$base,\"control\":\"step\",\"id\":17}"
	echo '{"cmd":"continue"}'
	echo "{\"cmd\":\"save\",\"path\":\"$ck\"}"
	echo '{"cmd":"continue"}'
	echo "{\"cmd\":\"restore\",\"path\":\"$ck\"}"
	echo '{"cmd":"continue"}'
	echo '{"cmd":"set","alpha":0.0005,"beta1":0.8}'
	echo '{"cmd":"continue"}'
	echo '{"cmd":"bogus"}'
	echo '{"cmd":"stop"}'
} > "$tmp/cmds"
"$worker" - < "$tmp/cmds" > "$tmp/step" 2> "$tmp/step.err"
check "step: exit status" "$?" 0
check "step: events carry the id" "$(grep -vc '"id":17' "$tmp/step")" 0
check "step: events (id 17 on each, epochs 1 2, 2 again after the restore, 3)" \
    "$(events "$tmp/step" 4 17)" ""
check "step: the epochs in order" "$(grep '"event":"epoch"' "$tmp/step" | sed 's/.*"epoch":\([0-9]*\).*/\1/' | tr '\n' ' ')" "1 2 2 3 "
check "step: saved event" "$(grep -c '"event":"saved"' "$tmp/step")" 1
check "step: restored at epoch 1" "$(grep '"event":"restored"' "$tmp/step" | grep -c '"epoch":1')" 1
e2a=$(grep '"event":"epoch"' "$tmp/step" | sed -n 2p)
e2b=$(grep '"event":"epoch"' "$tmp/step" | sed -n 3p)
check "step: replayed epoch is epoch 2" "$(field epoch "$e2b")" 2
check "step: rollback replays epoch 2 exactly (train_loss)" "$(field train_loss "$e2b")" "$(field train_loss "$e2a")"
check "step: rollback replays epoch 2 exactly (val_acc)" "$(field val_acc "$e2b")" "$(field val_acc "$e2a")"
e3=$(grep '"event":"epoch"' "$tmp/step" | sed -n 4p)
check "step: nudged alpha used by the next epoch" "$(field alpha "$e3")" 0.0005
check "step: nudged beta1 used by the next epoch" "$(field beta1 "$e3")" 0.8
check_contains "step: unknown command reported" "$tmp/step" 'unknown cmd \"bogus\"'
check "step: stopped" "$(grep '"event":"done"' "$tmp/step" | grep -c '"reason":"stopped"')" 1
check "step: done after 3 epochs" "$(field epochs "$(grep '"event":"done"' "$tmp/step")")" 3

# Step control survives a divergence: roll back to a checkpoint with a lower alpha, go on.
dv="\"dataset\":$ds,\"epochs\":3,\"control\":\"step\",\"params\":{\"optimizer\":\"gd\",\"alpha\":0.05,\"batchnorm\":false,\"layers\":3,\"hidden_units\":64}"
{
	echo "{$dv}"
	echo "{\"cmd\":\"save\",\"path\":\"$tmp/ck0\"}"
	echo '{"cmd":"set","alpha":10}'
	echo '{"cmd":"continue"}'
	echo "{\"cmd\":\"restore\",\"path\":\"$tmp/ck0\"}"
	echo '{"cmd":"set","alpha":0.05}'
	echo '{"cmd":"continue"}'
	echo '{"cmd":"continue"}'
	echo '{"cmd":"continue"}'
	echo '{"cmd":"continue"}'
} | "$worker" - > "$tmp/recover" 2> "$tmp/recover.err"
check "recover: diverged once" "$(grep -c '"event":"diverged"' "$tmp/recover")" 1
check "recover: recoverable in step mode" "$(grep '"event":"diverged"' "$tmp/recover" | grep -c '"recoverable":true')" 1
check "recover: completed after the rollback" "$(grep '"event":"done"' "$tmp/recover" | grep -c '"reason":"completed"')" 1
check "recover: three epochs in the end" "$(field epochs "$(grep '"event":"done"' "$tmp/recover")")" 3
check "recover: events" "$(events "$tmp/recover" 3)" ""
{
	echo "{$dv}"
	echo '{"cmd":"set","alpha":10}'
	echo '{"cmd":"continue"}'
	echo '{"cmd":"continue"}'
} | "$worker" - > "$tmp/norecover" 2> "$tmp/norecover.err"
check "no rollback: the trial ends diverged" "$(grep '"event":"done"' "$tmp/norecover" | grep -c '"reason":"diverged"')" 1
check "no rollback: events (nothing to score: nulls)" "$(events "$tmp/norecover" 3)" ""

# A checkpoint for another model is refused, and the trial goes on.
{
	echo "{\"dataset\":$ds,\"epochs\":1,\"control\":\"step\",\"params\":{\"hidden_units\":8}}"
	echo "{\"cmd\":\"restore\",\"path\":\"$ck\"}"
	echo '{"cmd":"continue"}'
	echo '{"cmd":"continue"}'
} | "$worker" - > "$tmp/wrong" 2> "$tmp/wrong.err"
check_contains "restore: other model refused" "$tmp/wrong" "different model"
check "restore: trial still completes" "$(grep -c '"reason":"completed"' "$tmp/wrong")" 1
check "restore: events" "$(events "$tmp/wrong" 1)" ""

# A stream of trials in one process, all written at once: none is lost.
for i in 1 2 3 4 5 6 7 8; do echo "{$base,\"id\":$i,\"epochs\":1}"; done | "$worker" - > "$tmp/stream" 2> "$tmp/stream.err"
check "stream: eight trials done" "$(grep -c '"event":"done"' "$tmp/stream")" 8
check "stream: no error" "$(grep -c '"event":"error"' "$tmp/stream")" 0
check "stream: the last trial has its id" "$(grep '"event":"done"' "$tmp/stream" | sed -n 8p | grep -c '"id":8')" 1
# (each trial has "epochs" twice, 4 then 1: cJSON takes the first, so they run 4 epochs)
check "stream: events (each trial's id on its events)" \
    "$(events "$tmp/stream" 4 1,2,3,4,5,6,7,8)" ""

# Errors name what is wrong and exit non-zero.
bad() {
	name=$1; want=$2; shift 2
	printf '%s\n' "$1" > "$tmp/bad.json"
	"$worker" "$tmp/bad.json" > "$tmp/bad.out" 2> "$tmp/bad.err"
	st=$?
	check "$name: exit status 2" "$st" 2
	check_contains "$name: message" "$tmp/bad.err" "$want"
	check_contains "$name: error event" "$tmp/bad.out" '"event":"error"'
}
bad "missing data set" "$tmp/nope.csv" "{\"dataset\":\"$tmp/nope.csv\"}"
bad "broken JSON" "invalid JSON at offset" '{"dataset": '
bad "unknown key" "colour: unknown key" "{\"dataset\":$ds,\"colour\":1}"
bad "bad alpha" "params.alpha" "{\"dataset\":$ds,\"params\":{\"alpha\":-1}}"
bad "bad optimizer" "params.optimizer" "{\"dataset\":$ds,\"params\":{\"optimizer\":\"sgd\"}}"
bad "unknown hyperparameter" "params.dropout" "{\"dataset\":$ds,\"params\":{\"dropout\":0.5}}"
bad "bad epochs" "epochs" "{\"dataset\":$ds,\"epochs\":0}"
printf 'label,a,b\n0,1,2\n1,3\n' > "$tmp/ragged.csv"
bad "ragged CSV" "line 3" "{\"dataset\":\"$tmp/ragged.csv\"}"
"$worker" "$tmp/does-not-exist.json" > /dev/null 2> "$tmp/nofile.err"
check "missing trial file: exit status" "$?" 2
check_contains "missing trial file: message" "$tmp/nofile.err" "does-not-exist.json"
"$worker" > /dev/null 2>&1
check "no arguments: usage status" "$?" 1

# Text class labels (iris-style, the label column by name): classes numbered in sorted order.
make_iris() {
	awk -v n="$2" -v seed="$3" 'BEGIN {
		srand(seed); split("virginica setosa versicolor", name, " ");
		print "sepal_length,sepal_width,petal_length,petal_width,species";
		for (i = 0; i < n; i++) {
			c = i % 3; line = "";
			for (j = 0; j < 4; j++)
				line = line sprintf("%.3f,", (j % 3 == c ? 3 : 0) + rand());
			print line name[c + 1];
		}
	}' > "$1"
}
make_iris "$tmp/iris.csv" 150 5
make_iris "$tmp/iris-test.csv" 30 6
iris="{\"format\":\"csv\",\"train\":\"$tmp/iris.csv\",\"test\":\"$tmp/iris-test.csv\",\"label_column\":\"species\"}"
echo "{\"dataset\":$iris,\"epochs\":3,\"seed\":1,\"params\":{\"hidden_units\":8,\"batch_size\":16,\"alpha\":0.01}}" > "$tmp/iris.json"
"$worker" "$tmp/iris.json" > "$tmp/iris.out" 2> "$tmp/iris.err"
check "text labels: exit status" "$?" 0
iris_start=$(grep '"event":"start"' "$tmp/iris.out")
check "text labels: start event's classes and class_names" "$(printf '%s\n' "$iris_start" |
    python3 -c 'import json, sys; e = json.load(sys.stdin); print(e["classes"], e["class_names"])')" \
    "3 ['setosa', 'versicolor', 'virginica']"
check "text labels: split sizes" "$(field n_train "$iris_start")/$(field n_val "$iris_start")/$(field n_test "$iris_start")" "135/15/30"
check "text labels: events" "$(events "$tmp/iris.out" 3)" ""
iris_done=$(grep '"event":"done"' "$tmp/iris.out")
check_true "text labels: test_acc above 0.9 ($(field test_acc "$iris_done"))" gt "$(field test_acc "$iris_done")" 0.9
check "integer labels: no class_names" "$(grep -c class_names "$tmp/out1")" 0
sed 's/setosa$/setosum/' "$tmp/iris-test.csv" > "$tmp/iris-bad.csv"
bad "text labels: a test label unseen in training" \
    "$tmp/iris-bad.csv: line 3: label \"setosum\" is not a class of the training file" \
    "{\"dataset\":{\"format\":\"csv\",\"train\":\"$tmp/iris.csv\",\"test\":\"$tmp/iris-bad.csv\",\"label_column\":4}}"
bad "text labels: unknown label_column name" \
    "$tmp/iris.csv: line 1: no column named \"class\" (label_column)" \
    "{\"dataset\":{\"format\":\"csv\",\"train\":\"$tmp/iris.csv\",\"label_column\":\"class\"}}"


# --check: a data set setting (a trial's "dataset") opened as a trial would, its shape in one
# "dataset" line, exit 0; any error one "error" line with the loader's own message, exit 1.
# pick FILE EVENT KEYS...: the named members of FILE's first EVENT line, as a JSON list.
pick() {
	python3 - "$@" <<'PY'
import json, sys
path, name, keys = sys.argv[1], sys.argv[2], sys.argv[3:]
for line in open(path):
    ev = json.loads(line)
    if ev.get("event") == name:
        print(json.dumps([ev.get(k, "(absent)") for k in keys]))
        break
PY
}
shape="n_train n_val n_test features classes class_names cache"
# probe SETTING-FILE|-: run --check, its output in $tmp/probe.out, its status in $st.
probe() { "$worker" --check "$1" > "$tmp/probe.out" 2> "$tmp/probe.err"; st=$?; }
# check_probe NAME SETTING-FILE|- WANT-STATUS WANT-LINE: --check's exit status and whole output.
check_probe() {
	probe "$2"
	check "--check $1: exit status and output" "$st/$(cat "$tmp/probe.out")" "$3/$4"
}
# new_cache: the one cache file of $TUNA_CACHE_DIR not listed in $tmp/caches, then list it.
new_cache() {
	ls "$TUNA_CACHE_DIR"/tuna-*.cache | grep -vxF -f "$tmp/caches"
	ls "$TUNA_CACHE_DIR"/tuna-*.cache >> "$tmp/caches"
}
# a fresh cache directory: --check builds the cache file, the trial after it maps that file
TUNA_CACHE_DIR="$tmp/cache-check"
printf '%s\n' "$ds" | sed 's/,/,\n  /g' > "$tmp/check.json"	# a file may hold it on many lines
probe "$tmp/check.json"
check "--check CSV, integer labels: exit status and output" "$st/$(cat "$tmp/probe.out")" \
    "0/{\"event\":\"dataset\",\"n_train\":810,\"n_val\":90,\"n_test\":300,\"features\":8,\"classes\":3,\"element_size\":4,\"cache\":\"$(ls "$tmp"/cache-check/tuna-*.cache 2>&1)\"}"
check "--check CSV: one cache file written" "$(ls "$tmp/cache-check" | grep -c '^tuna-.*\.cache$')" 1
check "--check CSV: nothing on stderr" "$(cat "$tmp/probe.err")" ""
cp "$tmp/probe.out" "$tmp/probe-csv.out"
inode=$(stat -c %i "$tmp"/cache-check/tuna-*.cache)
echo "{\"dataset\":$ds,\"epochs\":1,\"params\":{\"hidden_units\":8}}" > "$tmp/pt.json"
"$worker" "$tmp/pt.json" > "$tmp/pt.out" 2> "$tmp/pt.err"
check "--check CSV, then a trial: its start event has the same shape and cache file" \
    "$(pick "$tmp/pt.out" start $shape)" "$(pick "$tmp/probe-csv.out" dataset $shape)"
check "--check CSV, then a trial: the cache file mapped, not rewritten" \
    "$(stat -c %i "$tmp"/cache-check/tuna-*.cache)/$(ls "$tmp/cache-check" | grep -c '^tuna-.*\.cache$')" "$inode/1"
printf '{"path":"%s","val_fraction":0.25,"cache":false}\n' "$tmp/train.csv" |
    "$worker" --check - > "$tmp/probe.out" 2> /dev/null
check "--check - (stdin): path form, val_fraction 0.25, no cache" "$?/$(cat "$tmp/probe.out")" \
    '0/{"event":"dataset","n_train":675,"n_val":225,"n_test":0,"features":8,"classes":3,"element_size":4}'
export TUNA_CACHE_DIR="$tmp/cache"
ls "$TUNA_CACHE_DIR"/tuna-*.cache > "$tmp/caches"

# text labels: the iris trial above built this cache; --check maps the same file
printf '%s\n' "$iris" > "$tmp/check-iris.json"
check_probe "text labels" "$tmp/check-iris.json" 0 \
    "{\"event\":\"dataset\",\"n_train\":135,\"n_val\":15,\"n_test\":30,\"features\":4,\"classes\":3,\"element_size\":4,\"class_names\":[\"setosa\",\"versicolor\",\"virginica\"],\"cache\":$(pick "$tmp/iris.out" start cache | sed 's/^\[\(.*\)\]$/\1/')}"
check "--check text labels: the same shape, names and cache file as the trial's start event" \
    "$(pick "$tmp/probe.out" dataset $shape)" "$(pick "$tmp/iris.out" start $shape)"

# IDX: a small directory (gzipped training files, raw test files), pixels kept 8-bit
mkdir "$tmp/idx"
python3 - "$tmp/idx" <<'PY'
import gzip, struct, sys
d = sys.argv[1]
def write(name, data, gz):
    with (gzip.open if gz else open)("%s/%s%s" % (d, name, ".gz" if gz else ""), "wb") as f:
        f.write(data)
for prefix, n, gz in (("train", 50, True), ("t10k", 20, False)):
    write(prefix + "-images-idx3-ubyte", struct.pack(">IIII", 0x803, n, 3, 4) +
        bytes((i * 7 + j * 13) % 256 for i in range(n) for j in range(12)), gz)
    write(prefix + "-labels-idx1-ubyte", struct.pack(">II", 0x801, n) + bytes(i % 5 for i in range(n)), gz)
PY
printf '"%s"\n' "$tmp/idx" > "$tmp/check-idx.json"
probe "$tmp/check-idx.json"
check "--check IDX directory: exit status and output" "$st/$(cat "$tmp/probe.out")" \
    "0/{\"event\":\"dataset\",\"n_train\":45,\"n_val\":5,\"n_test\":20,\"features\":12,\"classes\":5,\"element_size\":1,\"cache\":\"$(new_cache)\"}"
echo "{\"dataset\":\"$tmp/idx\",\"epochs\":1,\"params\":{\"hidden_units\":8,\"batch_size\":8}}" > "$tmp/pi.json"
"$worker" "$tmp/pi.json" > "$tmp/pi.out" 2> "$tmp/pi.err"
check "--check IDX, then a trial: the same shape and cache file" \
    "$(pick "$tmp/pi.out" start $shape)" "$(pick "$tmp/probe.out" dataset $shape)"
fashion=/usr/share/datasets/fashion-mnist
if [ -d "$fashion" ]; then
	echo "{\"path\":\"$fashion\",\"cache\":false}" > "$tmp/check-fashion.json"
	check_probe "Fashion-MNIST (IDX .gz)" "$tmp/check-fashion.json" 0 \
	    '{"event":"dataset","n_train":54000,"n_val":6000,"n_test":10000,"features":784,"classes":10,"element_size":1}'
else
	echo "# skip: --check on Fashion-MNIST: $fashion not installed"
fi

# errors: the loader's cause, exactly (the daemon prefixes "dataset: ")
printf '"%s"\n' "$tmp/nope.csv" > "$tmp/check-bad.json"
check_probe "a missing file" "$tmp/check-bad.json" 1 \
    "{\"event\":\"error\",\"error\":\"$tmp/nope.csv: No such file or directory\"}"
check_contains "--check a missing file: on stderr too" "$tmp/probe.err" "tuna-worker: $tmp/nope.csv: No such file or directory"
echo '{"format":"xml"}' > "$tmp/check-bad.json"
check_probe "a bad format" "$tmp/check-bad.json" 1 \
    '{"event":"error","error":"dataset.format: must be \"idx\" or \"csv\""}'
echo "{\"format\":\"csv\",\"train\":\"$tmp/train.csv\",\"header\":1}" > "$tmp/check-bad.json"
check_probe "a bad member" "$tmp/check-bad.json" 1 \
    '{"event":"error","error":"dataset.header: must be true, false or \"auto\""}'
echo "{\"dataset\":\"$tmp/ragged.csv\"}" > "$tmp/pr.json"
"$worker" "$tmp/pr.json" > "$tmp/pr.out" 2>&1
printf '"%s"\n' "$tmp/ragged.csv" > "$tmp/check-bad.json"
check_probe "a ragged CSV: the trial's message" "$tmp/check-bad.json" 1 "$(grep -v '^tuna-worker: ' "$tmp/pr.out")"
check_contains "--check a ragged CSV: names the file and line" "$tmp/probe.out" "$tmp/ragged.csv: line 3"
check_probe "its own directory" "$tmp/idx" 1 "{\"event\":\"error\",\"error\":\"$tmp/idx: Is a directory\"}"
check_probe "a missing setting file" "$tmp/nope.json" 1 \
    "{\"event\":\"error\",\"error\":\"$tmp/nope.json: No such file or directory\"}"
printf '{"format":\n' | "$worker" --check - > "$tmp/probe.out" 2> /dev/null
check "--check - broken JSON" "$?/$(cat "$tmp/probe.out")" '1/{"event":"error","error":"stdin: invalid JSON at offset 10"}'
printf '"%s" "x"\n' "$tmp/train.csv" | "$worker" --check - > "$tmp/probe.out" 2> /dev/null
check "--check - two values" "$?/$(field error "$(cat "$tmp/probe.out")")" \
    "1/\"stdin: invalid JSON at offset $(( ${#tmp} + 13 ))\""
"$worker" --check - < /dev/null > "$tmp/probe.out" 2> /dev/null
check "--check - nothing" "$?/$(cat "$tmp/probe.out")" \
    '1/{"event":"error","error":"stdin: no data set setting (end of input)"}'
"$worker" --check > /dev/null 2>&1
check "--check without a file: usage status" "$?" 1

# the daemon's request: a directory the trials will write in, made and written to, then the
# data set; an error names the part
printf '{"dataset":%s,"writable":{"checkpoints":"%s/ck/a"}}\n' "$ds" "$tmp" |
    "$worker" --check - > "$tmp/probe.out" 2> /dev/null
check "--check a request: the data set's shape" \
    "$?/$(pick "$tmp/probe.out" dataset n_train n_val n_test features classes element_size)" \
    "0/$(pick "$tmp/probe-csv.out" dataset n_train n_val n_test features classes element_size)"
check "--check a request: the directory made, nothing left in it" "$(ls -A "$tmp/ck/a" | wc -l)" 0
printf '{"dataset":%s,"writable":{"checkpoints":"%s/train.csv/a"}}\n' "$ds" "$tmp" |
    "$worker" --check - > "$tmp/probe.out" 2> /dev/null
check "--check a request: a directory that cannot be made" "$?/$(cat "$tmp/probe.out")" \
    "1/{\"event\":\"error\",\"error\":\"checkpoints: $tmp/train.csv/a: Not a directory\"}"
printf '{"dataset":"%s/nope.csv","writable":{"checkpoints":"%s/ck/a"}}\n' "$tmp" "$tmp" |
    "$worker" --check - > "$tmp/probe.out" 2> /dev/null
check "--check a request: its data set missing" "$?/$(cat "$tmp/probe.out")" \
    "1/{\"event\":\"error\",\"error\":\"dataset: $tmp/nope.csv: No such file or directory\"}"
printf '{"dataset":%s,"writable":{"checkpoints":"ck"}}\n' "$ds" |
    "$worker" --check - > "$tmp/probe.out" 2> /dev/null
check "--check a request: a relative directory" "$?/$(cat "$tmp/probe.out")" \
    '1/{"event":"error","error":"writable.checkpoints: must be an absolute path"}'

# a line of up to 1 MiB on stdin, its newline included (the setting after blanks); one of 2 MiB
# refused (ctl.c refuses a line once 1 MiB of it is buffered without its end: one whose end comes
# in the same read may pass, so the test takes one surely over)
pad=$((1048575 - ${#ds}))
{ head -c $pad /dev/zero | tr '\0' ' '; printf '%s\n' "$ds"; } | "$worker" --check - > "$tmp/probe.out" 2> /dev/null
check "--check - a line of 1 MiB: the same shape" \
    "$?/$(pick "$tmp/probe.out" dataset n_train n_val n_test features classes element_size class_names)" \
    "0/$(pick "$tmp/probe-csv.out" dataset n_train n_val n_test features classes element_size class_names)"
{ head -c 2097152 /dev/zero | tr '\0' ' '; printf '%s\n' "$ds"; } | "$worker" --check - > "$tmp/probe.out" 2> /dev/null
check "--check - a line of 2 MiB" "$?/$(cat "$tmp/probe.out")" \
    '1/{"event":"error","error":"stdin: line longer than 1048576 bytes"}'

# dies with its parent, as in trial mode: TUNA_PARENT not the parent → exit 1 at once, silent;
# the parent killed while the worker waits for its line → the worker killed too (and without
# TUNA_PARENT it would live on)
TUNA_PARENT=$$ "$worker" --check "$tmp/check.json" > "$tmp/probe.out" 2>&1
check "--check TUNA_PARENT the parent: runs" "$?/$(grep -c '"event":"dataset"' "$tmp/probe.out")" 0/1
TUNA_PARENT=1 "$worker" --check "$tmp/check.json" > "$tmp/probe.out" 2>&1
check "--check TUNA_PARENT not the parent: exits 1 at once, silent" "$?/$(cat "$tmp/probe.out")" 1/
# alive PID: the process exists and is not a zombie
alive() { [ -r "/proc/$1/stat" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]; }
mkfifo "$tmp/fifo"
exec 9<> "$tmp/fifo"	# a writer that never writes: the worker waits for its line
for follow in yes no; do
	rm -f "$tmp/wpid"
	sh -c 'if [ "$4" = yes ]; then TUNA_PARENT=$$; export TUNA_PARENT; fi
	    "$1" --check - < "$2" > /dev/null 2>&1 & echo $! > "$3"; wait' \
	    sh "$worker" "$tmp/fifo" "$tmp/wpid" "$follow" &
	parent=$!
	i=0
	while [ $i -lt 100 ] && ! { [ -s "$tmp/wpid" ] &&
	    [ "$(readlink "/proc/$(cat "$tmp/wpid")/exe")" = "$(readlink -f "$worker")" ]; }; do
		sleep 0.05; i=$((i + 1))
	done
	wpid=$(cat "$tmp/wpid")
	sleep 0.1	# most likely past worker_follow_parent (if not, it sees another parent, exits)
	kill -9 "$parent"
	wait "$parent" 2>/dev/null
	i=$([ "$follow" = yes ] && echo 0 || echo 30)	# up to 2 s to die, the control 0.5 s
	while [ $i -lt 40 ] && alive "$wpid"; do sleep 0.05; i=$((i + 1)); done
	if [ "$follow" = yes ]; then
		check_true "--check with TUNA_PARENT: dies with its parent" sh -c "! [ -r /proc/$wpid/stat ] || [ \"\$(cut -d' ' -f3 /proc/$wpid/stat)\" = Z ]"
	else
		check_true "--check without TUNA_PARENT: outlives its parent (the control)" alive "$wpid"
	fi
	kill -9 "$wpid" 2>/dev/null
done
exec 9>&-

finish
