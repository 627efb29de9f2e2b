# daemon-lib.sh: helpers for the tests that run a private tunad (sourced after lib.sh, with
# $tunad, $worker set): its socket and database live in $tmp and are removed with it.

sock="$tmp/tunad.sock"
db="$tmp/tuna.db"
pids=""
trap 'for p in $pids; do kill -9 $p 2>/dev/null; done; rm -rf "$tmp"' EXIT
export TUNA_SOCKET="$sock"

# start_daemon [options]: a tunad in the foreground, logging to $tmp/tunad.log.
start_daemon() {
	"$tunad" --foreground --socket "$sock" --db "$db" --worker "$worker" --workers 2 "$@" \
	    >> "$tmp/tunad.log" 2>&1 &
	daemon_pid=$!
	pids="$pids $daemon_pid"
	i=0
	while [ ! -S "$sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
}

# q SQL: a query on the store.
q() { sqlite3 -cmd ".timeout 5000" "$db" "$1"; }

# wait_search ID: until the search is no longer running (at most 180 s).
wait_search() {
	i=0
	while [ $i -lt 1800 ]; do
		st=$(q "select status from searches where id=$1" 2>/dev/null)
		[ -n "$st" ] && [ "$st" != running ] && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
