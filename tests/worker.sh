#!/bin/sh
# worker.sh: tuna-worker end to end — training, determinism, divergence, the epoch-boundary
# command protocol (set, save, restore, stop), trial streams and error reports.
set -u
worker=${1:?usage: worker.sh PATH-TO-tuna-worker}
. "$(dirname "$0")/lib.sh"

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
done_line=$(grep '"event":"done"' "$tmp/out1")
check_true "val_acc above 0.9 after 4 epochs ($(field val_acc "$done_line"))" \
    gt "$(field val_acc "$done_line")" 0.9
check_true "test_acc above 0.9 ($(field test_acc "$done_line"))" \
    gt "$(field test_acc "$done_line")" 0.9
check_true "done reports the best epoch ($(field best_epoch "$done_line"))" [ -n "$(field best_epoch "$done_line")" ]
check_true "done reports the last epoch's test accuracy" [ -n "$(field last_test_acc "$done_line")" ]
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
"$worker" "$tmp/t2.json" > "$tmp/out5" 2>&1
"$worker" "$tmp/t2.json" > "$tmp/out6" 2>&1
check "two threads: same seed, same run" "$(strip "$tmp/out5" | md5sum)" "$(strip "$tmp/out6" | md5sum)"
check "two threads: threads reported" "$(field threads "$(head -n 1 "$tmp/out5")")" 2
done2=$(grep '"event":"done"' "$tmp/out5")
check_true "two threads: val_acc above 0.9 ($(field val_acc "$done2"))" gt "$(field val_acc "$done2")" 0.9

# Every optimizer and BN off train without error.
for opt in gd momentum rmsprop adam; do
	echo "{\"dataset\":$ds,\"epochs\":2,\"params\":{\"optimizer\":\"$opt\",\"alpha\":0.05,\"batchnorm\":false,\"hidden_units\":8,\"lr_decay\":0.5}}" > "$tmp/o.json"
	"$worker" "$tmp/o.json" > "$tmp/oo" 2>&1
	check "optimizer $opt without BN runs" "$?/$(grep -c '"event":"done"' "$tmp/oo")" "0/1"
done
check_contains "decay: α of epoch 2 is α0/(1+0.5)" "$tmp/oo" '"epoch":2,'
check_true "decayed alpha reported" grep -q '"alpha":0.0333333' "$tmp/oo"

# A huge learning rate diverges and says so.
echo "{\"dataset\":$ds,\"epochs\":30,\"params\":{\"optimizer\":\"gd\",\"alpha\":10,\"batchnorm\":false,\"hidden_units\":64,\"layers\":3}}" > "$tmp/div.json"
"$worker" "$tmp/div.json" > "$tmp/div" 2>&1
check "divergence: exit status" "$?" 0
check "divergence: a diverged event" "$(grep -c '"event":"diverged"' "$tmp/div")" 1
check "divergence: no done event" "$(grep -c '"event":"done"' "$tmp/div")" 0

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
} | "$worker" - > "$tmp/recover" 2>&1
check "recover: diverged once" "$(grep -c '"event":"diverged"' "$tmp/recover")" 1
check "recover: recoverable in step mode" "$(grep '"event":"diverged"' "$tmp/recover" | grep -c '"recoverable":true')" 1
check "recover: completed after the rollback" "$(grep '"event":"done"' "$tmp/recover" | grep -c '"reason":"completed"')" 1
check "recover: three epochs in the end" "$(field epochs "$(grep '"event":"done"' "$tmp/recover")")" 3
{
	echo "{$dv}"
	echo '{"cmd":"set","alpha":10}'
	echo '{"cmd":"continue"}'
	echo '{"cmd":"continue"}'
} | "$worker" - > "$tmp/norecover" 2>&1
check "no rollback: the trial ends diverged" "$(grep '"event":"done"' "$tmp/norecover" | grep -c '"reason":"diverged"')" 1

# A checkpoint for another model is refused, and the trial goes on.
{
	echo "{\"dataset\":$ds,\"epochs\":1,\"control\":\"step\",\"params\":{\"hidden_units\":8}}"
	echo "{\"cmd\":\"restore\",\"path\":\"$ck\"}"
	echo '{"cmd":"continue"}'
	echo '{"cmd":"continue"}'
} | "$worker" - > "$tmp/wrong" 2>&1
check_contains "restore: other model refused" "$tmp/wrong" "different model"
check "restore: trial still completes" "$(grep -c '"reason":"completed"' "$tmp/wrong")" 1

# A stream of trials in one process, all written at once: none is lost.
for i in 1 2 3 4 5 6 7 8; do echo "{$base,\"id\":$i,\"epochs\":1}"; done | "$worker" - > "$tmp/stream" 2>&1
check "stream: eight trials done" "$(grep -c '"event":"done"' "$tmp/stream")" 8
check "stream: no error" "$(grep -c '"event":"error"' "$tmp/stream")" 0
check "stream: the last trial has its id" "$(grep '"event":"done"' "$tmp/stream" | sed -n 8p | grep -c '"id":8')" 1

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

finish
