#!/bin/sh
# quadratic.sh: quadratic.py's noisy function of the learning rate, in POSIX sh and awk, reporting
# name=value lines. At epoch e = 1 .. E, with u and v uniform in [-0.01, 0.01]:
#
#     epoch=e loss=(log10(lr) + 2)^2 + 1/e + u val_loss=(the same) + v
#
# Its parameters come from its arguments, which a spec fills in from the trial's: "--lr={lr}",
# or "{args}" (every parameter as --name=value); "--lr X" works too. By hand: lr 1e-3, epochs 9.
# The noise is fixed by TUNA_SEED, TUNA_TRIAL and e. Other arguments are refused (exit 2). It
# never reads standard input, so its spec says "control": false.
#
#     sh quadratic.sh --lr=0.01 --epochs=9
set -eu

lr=0.001
epochs=9
while [ $# -gt 0 ]; do
	case $1 in
	--lr=*) lr=${1#--lr=} ;;
	--epochs=*) epochs=${1#--epochs=} ;;
	--lr|--epochs)
		[ $# -ge 2 ] || { echo "quadratic.sh: $1 needs a value" >&2; exit 2; }
		eval "${1#--}=\$2"
		shift ;;
	*) echo "quadratic.sh: unknown argument: $1" >&2; exit 2 ;;
	esac
	shift
done
case $epochs in
''|*[!0-9]*) echo "quadratic.sh: epochs must be a whole number, got '$epochs'" >&2; exit 2 ;;
esac

e=1
while [ "$e" -le "$epochs" ]; do
	# One awk per epoch: its line is written (and flushed) when it exits.
	awk -v lr="$lr" -v e="$e" -v seed="${TUNA_SEED:-0}" -v trial="${TUNA_TRIAL:-0}" 'BEGIN {
		if (lr + 0 <= 0) { print "quadratic.sh: lr must be > 0, got " lr > "/dev/stderr"; exit 2 }
		srand((seed % 100003) * 1000003 + trial * 1009 + e)
		base = (log(lr) / log(10) + 2) ^ 2 + 1 / e
		u = (2 * rand() - 1) * 0.01
		v = (2 * rand() - 1) * 0.01
		printf "epoch=%d loss=%.6f val_loss=%.6f\n", e, base + u, base + v
	}'
	e=$((e + 1))
done
