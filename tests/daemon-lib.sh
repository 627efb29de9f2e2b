# daemon-lib.sh: helpers for the tests that run a private tunad (sourced after lib.sh, with
# $tunad, $worker and $tuna set): its socket and database live in $tmp and are removed with it.
#
# Under valgrind: with TUNA_VALGRIND set to valgrind's path (the 'valgrind' suite sets it),
# every tunad the test starts runs under memcheck (its workers do not: no --trace-children), and
# so does "$tuna_vg" (else the same as "$tuna"), which the tests use for a run or two of each
# CLI command (not all of them: each costs 0.7 s of CPU under valgrind). Each process logs to
# $tmp/valgrind-NAME.PID.log; check_valgrind (call it before finish) wants every log to report
# no error and no leak, except those of the daemons the test SIGKILLs on purpose (kill_daemon
# lists them in $killed: nothing to check). The waits are scaled by $slow (TUNA_TIME_FACTOR; 10
# under valgrind): they are upper bounds, so a passing run waits no longer for it.

sock="$tmp/tunad.sock"
db="$tmp/tuna.db"
pids=""
killed=""
trap 'for p in $pids; do kill -9 $p 2>/dev/null; done; rm -rf "$tmp"' EXIT
export TUNA_SOCKET="$sock"
slow=${TUNA_TIME_FACTOR:-1}
tuna_vg=${tuna:-}

# vg_wrap NAME PROGRAM: the path of a script that runs PROGRAM under memcheck (exec: the same
# pid), logging to $tmp/valgrind-NAME.PID.log.
vg_wrap() {
	supp="$(cd "$(dirname "$0")" && pwd)/valgrind.supp"
	cat > "$tmp/$1-vg" <<SH
#!/bin/sh
exec "$TUNA_VALGRIND" --leak-check=full --show-leak-kinds=definite,indirect,possible \\
    --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \\
    --child-silent-after-fork=yes --num-callers=30 --suppressions="$supp" \\
    --log-file="$tmp/valgrind-$1.%p.log" "$2" "\$@"
SH
	chmod +x "$tmp/$1-vg"
	echo "$tmp/$1-vg"
}
if [ -n "${TUNA_VALGRIND:-}" ]; then
	slow=${TUNA_TIME_FACTOR:-10}
	tunad=$(vg_wrap tunad "$tunad")
	[ -n "${tuna:-}" ] && tuna_vg=$(vg_wrap tuna "$tuna")
fi

# launch_daemon [options]: a tunad in the foreground on our socket and database, logging to
# $tmp/tunad.log; waits for its socket.
launch_daemon() {
	"$tunad" --foreground --socket "$sock" --db "$db" "$@" >> "$tmp/tunad.log" 2>&1 &
	daemon_pid=$!
	pids="$pids $daemon_pid"
	i=0
	while [ ! -S "$sock" ] && [ $i -lt $((100 * slow)) ]; do sleep 0.05; i=$((i + 1)); done
}

# start_daemon [options]: launch_daemon with our worker, 2 at once.
start_daemon() { launch_daemon --worker "$worker" --workers 2 "$@"; }

# stopped NAME: after a shutdown or a SIGTERM, wait (at most 10 s × $slow) for the daemon to
# exit; check that it did, with status 0.
stopped() {
	i=0
	while kill -0 $daemon_pid 2>/dev/null && [ $i -lt $((100 * slow)) ]; do
		sleep 0.1; i=$((i + 1))
	done
	if kill -0 $daemon_pid 2>/dev/null; then
		not_ok "$1: daemon exited: still running after $((10 * slow)) s"
		return 1
	fi
	ok "$1: daemon exited"
	wait $daemon_pid
	check "$1: daemon's exit status" "$?" 0
}

# kill_daemon: SIGKILL the daemon on purpose (its valgrind log has nothing to check).
kill_daemon() {
	killed="$killed $daemon_pid"
	kill -9 $daemon_pid
}

# check_valgrind: under valgrind, every log reports no error and no leak (the SIGKILLed
# daemons' excepted); a failure prints the log.
check_valgrind() {
	[ -n "${TUNA_VALGRIND:-}" ] || return 0
	vg_daemons=0; vg_cli=0; vg_skipped=0
	for log in "$tmp"/valgrind-*.log; do
		[ -e "$log" ] || continue
		p=${log%.log}; p=${p##*.}
		name=$(basename "$log" .log)
		case " $killed " in *" $p "*) vg_skipped=$((vg_skipped + 1)); continue ;; esac
		case $name in valgrind-tunad.*) vg_daemons=$((vg_daemons + 1)) ;; *) vg_cli=$((vg_cli + 1)) ;; esac
		if grep -q 'HEAP SUMMARY' "$log" && grep -q 'ERROR SUMMARY: 0 errors' "$log"; then
			ok "$name: no error, no leak"
		else
			not_ok "$name: $(sed -n 's/^==[0-9]*== ERROR SUMMARY: //p' "$log" | grep . ||
			    echo 'no summary: did it exit?'):"
			sed 's/^/    /' "$log"
		fi
	done
	check_true "valgrind: some daemons checked ($vg_daemons)" [ "$vg_daemons" -gt 0 ]
	echo "# valgrind: $vg_daemons tunad and $vg_cli tuna runs checked, $vg_skipped SIGKILLed tunad skipped"
}

# q SQL: a query on the store.
q() { sqlite3 -cmd ".timeout 5000" "$db" "$1"; }

# until_true WHAT COMMAND...: poll until the command succeeds (at most 60 s × $slow).
until_true() {
	what=$1; shift
	i=0
	while ! "$@"; do
		i=$((i + 1))
		[ $i -ge $((600 * slow)) ] && { not_ok "$what: not within $((60 * slow)) s"; return 1; }
		sleep 0.1
	done
	ok "$what"
}

# wait_search ID: until the search is no longer running (at most 180 s × $slow).
wait_search() {
	i=0
	while [ $i -lt $((1800 * slow)) ]; do
		st=$(q "select status from searches where id=$1" 2>/dev/null)
		[ -n "$st" ] && [ "$st" != running ] && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}

# submit_id SPEC [TUNA]: submit a spec file with the CLI (or the given program); print its id.
submit_id() { "${2:-$tuna}" submit "$1" | sed -n 's/^search \([0-9]*\)$/\1/p'; }

# short_spec FILE NAME TRIALS SEED: a caviar search of short trials (4 epochs) on
# $tmp/train.csv, 2 at a time, over α and the hidden units.
short_spec() {
	cat > "$1" <<JSON
{"name": "$2", "dataset": {"format": "csv", "train": "$tmp/train.csv"}, "trials": $3,
 "parallel": 2, "epochs": 4, "seed": $4,
 "params": {"alpha": {"scale": "log", "min": 1e-3, "max": 1e-1},
            "hidden_units": {"scale": "pow2", "min": 64, "max": 256}, "batch_size": 16}}
JSON
}
