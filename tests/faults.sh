#!/bin/sh
# faults.sh: a caviar search of 100 short trials while workers are SIGKILLed at random and the
# daemon itself is SIGKILLed and restarted twice; then every trial must be in a terminal state,
# none duplicated, every completed trial's epochs intact, the database sound, and no process
# left behind.
set -u
tunad=${1:?usage: faults.sh TUNAD TUNA TUNA-WORKER}
tuna=$2
worker=$3
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"

make_csv "$tmp/train.csv" 3000 7 4
short_spec "$tmp/spec.json" faults 100 9
start_daemon
id=$(submit_id "$tmp/spec.json")
check_true "submitted ($id)" [ -n "$id" ]

i=0; while [ -z "$(q "select status from searches where id=$id")" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
killed_workers=0
daemon_kills=0
round=0
# Faults follow the search's progress, not the clock: a random worker each time another 8
# trials have ended (8 at most, so that most trials complete), the daemon itself once a third
# and once two thirds have ended.
while [ "$(q "select status from searches where id=$id")" = running ] && [ $round -lt $((3000 * slow)) ]; do
	round=$((round + 1))
	sleep 0.1
	ended=$(q "select count(*) from trials where search_id=$id and status not in ('running','queued','interrupted')")
	if [ $killed_workers -lt 8 ] && [ "$ended" -ge $((8 * (killed_workers + 1))) ]; then
		w=$(pgrep -P "$daemon_pid" -f tuna-worker | shuf -n 1 2>/dev/null)
		if [ -n "$w" ]; then kill -9 "$w" 2>/dev/null && killed_workers=$((killed_workers + 1)); fi
	fi
	if { [ $daemon_kills -eq 0 ] && [ "$ended" -ge 33 ]; } || { [ $daemon_kills -eq 1 ] && [ "$ended" -ge 66 ]; }; then
		kill_daemon
		wait "$daemon_pid" 2>/dev/null	# gone, its lock released
		daemon_kills=$((daemon_kills + 1))
		start_daemon
	fi
done
echo "# killed $killed_workers workers and the daemon $daemon_kills times"
check "the search finished" "$(q "select status from searches where id=$id")" done
check "the daemon was killed twice" "$daemon_kills" 2
check_true "workers were killed ($killed_workers)" [ "$killed_workers" -ge 3 ]
check "exactly 100 trials" "$(q "select count(*) from trials where search_id=$id")" 100
check "no trial number twice" "$(q "select count(distinct number) from trials where search_id=$id")" 100
check "every trial in a terminal state" "$(q "select count(*) from trials where search_id=$id and status not in ('done','failed','diverged','cancelled','pruned')")" 0
check_true "most trials completed" [ "$(q "select count(*) from trials where search_id=$id and status='done'")" -ge 50 ]
check "every completed trial has its 4 epochs, once each" "$(q "select count(*) from trials t where search_id=$id and status='done' and (select count(*) || '/' || count(distinct epoch) || '/' || max(epoch) from epochs where trial_id=t.id) != '4/4/4'")" 0
check_true "killed workers recorded as failed with the signal" [ "$(q "select count(*) from trials where search_id=$id and status='failed' and error like '%signal 9%'")" -ge 1 ]
check "integrity_check" "$(q "pragma integrity_check")" ok
kill -TERM "$daemon_pid"
i=0; while kill -0 "$daemon_pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
left=0
for p in $(pgrep -x tuna-worker); do
	# ours: TUNA_CACHE_DIR in its environment is this test's (other tests may run workers)
	tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null | grep -qxF "TUNA_CACHE_DIR=$tmp/cache" ||
	    continue
	st=$(ps -o stat= -p "$p" 2>/dev/null | cut -c1)
	[ -n "$st" ] && [ "$st" != Z ] && left=$((left + 1))
done
check "no worker left behind" "$left" 0
finish
