#!/bin/sh
# fashion.sh: one epoch of the default model on the real Fashion-MNIST (IDX .gz through the
# shared cache); skipped (77) when the Debian package dataset-fashion-mnist is not installed.
set -u
worker=${1:?usage: fashion.sh PATH-TO-tuna-worker}
dir=/usr/share/datasets/fashion-mnist
[ -d "$dir" ] || { echo "skip: $dir not installed"; exit 77; }
. "$(dirname "$0")/lib.sh"

echo "{\"dataset\":\"$dir\",\"epochs\":1}" > "$tmp/t.json"
"$worker" "$tmp/t.json" > "$tmp/out" 2> "$tmp/err"
check "exit status" "$?" 0
start=$(head -n 1 "$tmp/out")
check "sizes" "$(field n_train "$start")/$(field n_val "$start")/$(field n_test "$start")/$(field features "$start")/$(field classes "$start")" "54000/6000/10000/784/10"
done_line=$(grep '"event":"done"' "$tmp/out")
check_true "val_acc after one epoch above 0.8 ($(field val_acc "$done_line"))" gt "$(field val_acc "$done_line")" 0.8
check_true "test_acc after one epoch above 0.8 ($(field test_acc "$done_line"))" gt "$(field test_acc "$done_line")" 0.8
check_true "cache file written" ls "$TUNA_CACHE_DIR"/tuna-*.cache
# A second worker maps the same cache file (no private float copy).
"$worker" "$tmp/t.json" > "$tmp/out2" 2>&1
check "second run uses the same cache" "$(field cache "$(head -n 1 "$tmp/out2")")" "$(field cache "$start")"
finish
