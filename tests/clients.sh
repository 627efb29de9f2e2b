#!/bin/sh
# clients.sh: 1,000 clients of one tunad at once (tests/swarm.c) — watchers following a search
# live to its end, submitters, hello and status — from a daemon started with a soft open-file
# limit of 256 (it raises its own); then the daemon still serves and its descriptors come back
# to the baseline. The connection cap (--max-clients): client N+1 is told "too many connections
# (N)" while the first N are served; a hard limit too low for the cap lowers it, with a warning.
# Descriptors running out under the daemon (prlimit): clients are turned away, the daemon does
# not spin or die, and serves again once they are back.
set -u
tunad=${1:?usage: clients.sh TUNAD TUNA TUNA-WORKER SOCKCAT SWARM}
tuna=$2
worker=$3
sockcat=$4
swarm=$5
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/daemon-lib.sh"

nclients=${TUNA_CLIENTS:-1000}
nwatch=$((nclients * 8 / 10))
nsubmit=$((nclients / 10))
ntrials=10
hard=$(ulimit -H -n)
if [ "$hard" != unlimited ] && [ "$hard" -lt $((nclients + 400)) ]; then
	echo "# SKIP: the open-file hard limit is $hard; $nclients clients need $((nclients + 400))"
	exit 77
fi

# req LINE: one request line, its reply line.
req() { printf '%s\n' "$1" | "$sockcat" -n 1 -t 10 "$sock"; }
# fds PID, rss PID (kB), soft PID: the process's descriptors, resident memory, open-file limit.
fds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
soft() { awk '/^Max open files/ { print $4 }' "/proc/$1/limits"; }
# cpu PID: user + system clock ticks used so far.
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# result NAME: a number from the swarm-result line of the last swarm.
result() { sed -n "s/^swarm-result:.*[ :]$1=\\([-0-9]*\\).*/\\1/p" "$tmp/swarm.out"; }
# run_swarm NAME ARGS...: run swarm on our socket, show what it said, check its exit status.
run_swarm() {
	name=$1; shift
	"$swarm" "$@" "$sock" > "$tmp/swarm.out" 2> "$tmp/swarm.err"
	st=$?
	sed 's/^/# /' "$tmp/swarm.out"
	sed 's/^/#   /' "$tmp/swarm.err" | head -40
	check "$name: swarm's exit status" "$st" 0
}
# wrap NAME COMMANDS: a tunad that runs COMMANDS (ulimit) first, then execs the real one.
wrap() {
	printf '#!/bin/sh\n%s || exit 1\nexec "%s" "$@"\n' "$2" "$tunad" > "$tmp/$1"
	chmod +x "$tmp/$1"
	echo "$tmp/$1"
}

make_csv "$tmp/train.csv" 300 1
ds="{\"format\":\"csv\",\"train\":\"$tmp/train.csv\"}"
cat > "$tmp/watched.json" <<JSON
{"name": "watched", "dataset": $ds, "trials": $ntrials, "parallel": 2, "epochs": 2, "seed": 1,
 "params": {"alpha": {"scale": "log", "min": 1e-3, "max": 3e-2},
            "hidden_units": {"scale": "pow2", "min": 4, "max": 16}}}
JSON
cat > "$tmp/small.json" <<JSON
{"name": "small", "dataset": $ds, "trials": 1, "parallel": 1, "epochs": 1,
 "params": {"hidden_units": 8}}
JSON
# The workers wait for the gate, which swarm opens once every client is connected and answered:
# the watched search's trials then run while all the watchers are following it.
gate="$tmp/gate"
printf '#!/bin/sh\n[ "$1" = --check ] && exec "%s" "$@"\nwhile [ ! -e "%s" ]; do sleep 0.05; done\nexec "%s" "$@"\n' "$worker" "$gate" "$worker" \
    > "$tmp/gated-worker"
chmod +x "$tmp/gated-worker"

# --- 1,000 clients at once, from a daemon started with a soft limit of 256 descriptors ---
real_tunad=$tunad
tunad=$(wrap tunad-256 "ulimit -S -n 256")
launch_daemon --worker "$tmp/gated-worker" --workers 2
tunad=$real_tunad
check_contains "hello" "$(req '{"type":"hello"}' > "$tmp/r"; echo "$tmp/r")" '"ok":true'
lim=$(soft $daemon_pid)
check_true "tunad raised its soft open-file limit from 256 to $lim (for 4096 clients)" \
    [ "$lim" -gt 4096 ]
check_contains "the raise is logged" "$tmp/tunad.log" "open files: limit raised from 256 to $lim"
req '{"type":"status"}' > /dev/null
base_fds=$(fds $daemon_pid)
base_rss=$(rss $daemon_pid)
id=$(submit_id "$tmp/watched.json")
check_true "the watched search is submitted ($id)" [ -n "$id" ]
run_swarm "$nclients clients" -n "$nclients" -W "$nwatch" -w "$id" -t "$ntrials" \
    -s "$nsubmit" -S "$tmp/small.json" -g "$gate" -p "$daemon_pid" -T $((600 * slow))
check "$nclients clients: served" "$(result served)" "$nclients"
check "$nclients clients: held open at once" "$(result held)" "$nclients"
check "$nclients clients: none refused or dropped" "$(result refused)/$(result dropped)" "0/0"
check "$nclients clients: replies (watch 1, submit and hello 2 each, a last hello each)" \
    "$(result replies)" $((nwatch + 2 * (nclients - nwatch) + nclients))
nev=$(q "select (select count(*) from events where search_id=$id) + (select count(*) from reports r join trials t on t.id = r.trial_id where t.search_id=$id)")
check "$nclients clients: every watcher got all $nev events of the search" "$(result events)" \
    $((nwatch * nev))
peak=$(result daemon_fds_peak)
check_true "$nclients clients: the daemon held them all at once ($peak descriptors, $base_fds before)" \
    [ $((peak - base_fds)) -ge "$nclients" ]
i=0
while [ "$(q "select count(*) from searches where status='running'")" != 0 ] && [ $i -lt $((1800 * slow)) ]; do
	sleep 0.1; i=$((i + 1))
done
check "every submitted search done" "$(q "select count(*) from searches where status='done'")" \
    $((nsubmit + 1))
check "every trial done" "$(q "select count(*) from trials where status='done'")" \
    $((nsubmit + ntrials))
check_true "the daemon is alive" kill -0 $daemon_pid
check_contains "the daemon still serves" "$(req '{"type":"hello"}' > "$tmp/r"; echo "$tmp/r")" '"ok":true'
i=0
while [ "$(fds $daemon_pid)" -ne "$base_fds" ] && [ $i -lt $((100 * slow)) ]; do
	sleep 0.1; i=$((i + 1))
done
check "descriptors back to the baseline once the clients and workers are gone" \
    "$(fds $daemon_pid)" "$base_fds"
echo "# daemon RSS: $base_rss kB before, $(result daemon_rss_kb_peak) kB with $nclients clients held, $(rss $daemon_pid) kB after"

# --- descriptors running out under the daemon (its soft limit lowered while it runs) ---
if command -v prlimit > /dev/null; then
	cur=$(fds $daemon_pid)
	# Room for ~30 clients beyond the reserve kept for the workers: the rest are told why.
	prlimit --pid $daemon_pid --nofile=$((cur + 90)):
	run_swarm "limit $((cur + 90))" -n 100 -a -T $((120 * slow))
	served=$(result served); refused=$(result refused)
	check_true "limit $((cur + 90)): some clients served ($served)" [ "$served" -ge 1 ]
	check_true "limit $((cur + 90)): the others refused ($refused)" [ "$refused" -ge 1 ]
	check "limit $((cur + 90)): each one served or told why" "$((served + refused))/$(result dropped)" "100/0"
	check_contains "limit $((cur + 90)): the refusal is logged" "$tmp/tunad.log" \
	    "too many connections: tunad is out of file descriptors (limit $((cur + 90)))"
	# Below what is open already: accept fails (EMFILE); libuv sheds the clients.
	prlimit --pid $daemon_pid --nofile=$((cur - 2)):
	c0=$(cpu $daemon_pid)
	run_swarm "limit $((cur - 2))" -n 50 -a -T $((120 * slow))
	check "limit $((cur - 2)): none served" "$(result served)" 0
	check "limit $((cur - 2)): each one refused or dropped" \
	    "$(($(result refused) + $(result dropped)))" 50
	sleep 1
	c1=$(cpu $daemon_pid)
	check_true "limit $((cur - 2)): the daemon does not spin ($((c1 - c0)) ticks of CPU)" \
	    [ $((c1 - c0)) -lt 100 ]
	check_true "limit $((cur - 2)): the daemon is alive" kill -0 $daemon_pid
	# Below even the spare descriptor libuv sheds clients with: accept fails whatever it does;
	# the daemon stops listening for a second at a time instead of retrying in a busy loop.
	prlimit --pid $daemon_pid --nofile=3:
	c0=$(cpu $daemon_pid)
	run_swarm "limit 3" -n 20 -a -T $((120 * slow))
	check "limit 3: none served" "$(result served)" 0
	check "limit 3: each one refused or dropped" "$(($(result refused) + $(result dropped)))" 20
	sleep 1
	c1=$(cpu $daemon_pid)
	check_true "limit 3: the daemon does not spin ($((c1 - c0)) ticks of CPU)" [ $((c1 - c0)) -lt 100 ]
	check_contains "limit 3: the pause is logged" "$tmp/tunad.log" "not accepting clients for 1000 ms"
	prlimit --pid $daemon_pid --nofile="$lim":
	i=0
	until req '{"type":"hello"}' 2> /dev/null | grep -q '"ok":true' || [ $i -ge $((100 * slow)) ]; do
		sleep 0.1; i=$((i + 1))
	done
	check_contains "limit back to $lim: listening again" "$tmp/tunad.log" "listening again on $sock"
	run_swarm "limit back to $lim" -n 100 -T $((120 * slow))
	check "limit back to $lim: all served" "$(result served)" 100
else
	echo "# prlimit not found: the descriptor exhaustion checks are skipped"
fi
"$tuna" shutdown > /dev/null 2>&1
stopped "shutdown after the swarm"

# --- the cap: --max-clients N; client N+1 is refused while the first N are served ---
"$tunad" --help > "$tmp/help" 2>&1
check_contains "tunad --help documents --max-clients" "$tmp/help" "--max-clients N"
"$tunad" --max-clients 0 > "$tmp/out" 2>&1
check "--max-clients 0: exit status" "$?" 2
check_contains "--max-clients 0: message" "$tmp/out" "--max-clients: must be 1..1000000"
start_daemon --max-clients 50
run_swarm "cap 50" -n 50 -x 1 -e "too many connections (50)" -T $((120 * slow))
check "cap 50: the first 50 served" "$(result served)" 50
check_contains "cap 50: client 51 refused" "$tmp/swarm.out" "refused: too many connections (50)"
check_contains "cap 50: the refusal is logged" "$tmp/tunad.log" "refused: too many connections (50)"
"$tuna" shutdown > /dev/null 2>&1
stopped "shutdown after the cap"

# --- a hard limit too low for the cap: the cap comes down to fit, with a warning ---
tunad=$(wrap tunad-300 "ulimit -S -n 300 && ulimit -H -n 300")
start_daemon
tunad=$real_tunad
check_contains "hard limit 300: warned" "$tmp/tunad.log" "too low for 4096 clients"
cap=$(sed -n 's/.*hard limit 300), too low.*serving \([0-9]*\) clients at most.*/\1/p' "$tmp/tunad.log" | tail -1)
check_true "hard limit 300: the cap is lowered (to $cap)" [ "${cap:-300}" -lt 300 ]
run_swarm "hard limit 300" -n "${cap:-1}" -x 1 -e "too many connections (${cap:-1})" \
    -T $((120 * slow))
check "hard limit 300: the first $cap served" "$(result served)" "$cap"
"$tuna" shutdown > /dev/null 2>&1
stopped "shutdown after the low hard limit"
finish
