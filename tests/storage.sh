#!/bin/sh
# storage.sh: the database stops taking writes in the middle of a search — first a full disk
# (the daemon's file-size limit lowered under its feet with prlimit: writes fail with EFBIG,
# as they fail with ENOSPC on a full disk), then a read-only database (chattr +i on the
# database and its WAL, where the file system allows it). Each time: the daemon stays up, the
# error is in the log and in the replies, submits are refused with it, nothing committed is
# lost; and when the space (or write access) comes back, the search resumes by itself and ends
# with exactly the requested trials.
set -u
tunad=${1:?usage: storage.sh TUNAD TUNA TUNA-WORKER SOCKCAT}
tuna=$2
worker=$3
sockcat=$4
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
immutable=""
trap 'for f in $immutable; do chattr -i "$f" 2>/dev/null; done
for p in $pids; do kill -9 $p 2>/dev/null; done; rm -rf "$tmp"' EXIT

req() { printf '%s\n' "$1" | "$sockcat" -n 1 -t 10 "$sock"; }
status_line() { req '{"type":"status"}'; }
ended() { q "select count(*) from trials where search_id=$id and status not in ('running','queued','interrupted')"; }
# snapshot: every ended trial as committed, to compare after the outage
snapshot() { q "select id || ' ' || number || ' ' || status || ' ' || ifnull(val_acc,'-') || ' ' || (select count(*) from epochs e where e.trial_id = t.id) from trials t where search_id=$id and status not in ('running','queued','interrupted') order by id"; }
# wait_for SECONDS COMMAND...: until the command succeeds.
wait_for() {
	n=$(($1 * 10)); shift
	i=0; while ! "$@" && [ $i -lt "$n" ]; do sleep 0.1; i=$((i + 1)); done
	"$@"
}
suspended() { status_line | grep -q '"store_error"'; }
# failures_logged N: the log has N or more failed writes (the first and each failed retry).
failures_logged() { [ "$(grep -c 'store: the database cannot be written' "$tmp/tunad.log")" -ge "$1" ]; }
not_suspended() { ! suspended; }
alive() { kill -0 "$daemon_pid" 2>/dev/null; }

make_csv "$tmp/train.csv" 3000 5 4
spec_line() { tr -d '\n' < "$tmp/spec.json"; }
short_spec "$tmp/spec.json" storage 80 3
start_daemon
id=$(submit_id "$tmp/spec.json")
check_true "submitted ($id)" [ -n "$id" ]
wait_for 120 sh -c "[ \$(sqlite3 -cmd '.timeout 5000' '$db' \"select count(*) from trials where search_id=$id and status='done'\") -ge 10 ]"

# --- 1. a full disk: no file of the daemon may grow any more ---
before=$(snapshot)
limit=$(stat -c %s "$db")
log_size=$(stat -c %s "$tmp/tunad.log")
[ "$log_size" -gt "$limit" ] && limit=$log_size
limit=$((limit + 4096))
prlimit --pid "$daemon_pid" --fsize="$limit:"
check_true "the store fails and the daemon suspends the search" wait_for 120 suspended
check_true "the daemon is still up" alive
r=$(status_line)
check_true "status names the cause ($(field store_error "$r"))" \
    sh -c "printf '%s' '$r' | grep -q 'file-size limit\|No space\|no space\|disk is full'"
r=$(req "{\"type\":\"submit\",\"spec\":$(spec_line)}")
check_true "a submit is refused with the cause ($r)" \
    sh -c "printf '%s' '$r' | grep -q '\"ok\":false.*database cannot be written'"
r=$(req "{\"type\":\"cancel\",\"search\":$id}")
check_true "a cancel is refused with the cause" \
    sh -c "printf '%s' '$r' | grep -q '\"ok\":false.*database cannot be written'"
"$tuna" best "$id" -n 3 > "$tmp/best" 2>&1
check "tuna best still answers" "$?" 0
"$tuna" status > "$tmp/status" 2>&1
check_contains "tuna status warns" "$tmp/status" "cannot write its database"
n0=$(grep -c 'store: the database cannot be written' "$tmp/tunad.log")
check_true "its retries fail while the disk is full" wait_for 60 failures_logged $((n0 + 2))
check_true "the daemon is still up after its retries" alive
check_true "still suspended while the disk is full" suspended
check_contains "the log says why" "$tmp/tunad.log" "the database cannot be written"
check "nothing committed before the outage was lost" "$(snapshot | grep -xF "$before" | wc -l)" "$(printf '%s\n' "$before" | wc -l)"
check "no trial runs while suspended" "$(pgrep -P "$daemon_pid" -f tuna-worker | while read -r p; do ps -o stat= -p "$p"; done | grep -vc Z)" 0
prlimit --pid "$daemon_pid" --fsize=unlimited:
check_true "the search resumes when space returns" wait_for 60 not_suspended
check_true "trials run again" wait_for 60 sh -c "[ \$(pgrep -P $daemon_pid -f tuna-worker | wc -l) -gt 0 ]"
check_contains "the log says it resumed" "$tmp/tunad.log" "can be written again"
check "one storage event recorded" "$(q "select count(*) from events where search_id=$id and kind='storage'")" 1

# --- 2. a read-only database (root on a file system with chattr) ---
done_now=$(ended)
if chattr +i "$db" 2>/dev/null && chattr +i "$db-wal" 2>/dev/null; then
	immutable="$db $db-wal"
	check_true "the store fails on the read-only database" wait_for 120 suspended
	check_true "the daemon is still up" alive
	r=$(status_line)
	check_true "status names the cause ($(field store_error "$r"))" \
	    sh -c "printf '%s' '$r' | grep -q 'not permitted\|readonly\|read-only\|Read-only'"
	n0=$(grep -c 'store: the database cannot be written' "$tmp/tunad.log")
	check_true "its retries fail while the database is read-only" wait_for 60 failures_logged $((n0 + 1))
	chattr -i "$db" "$db-wal"
	immutable=""
	check_true "the search resumes when the database is writable again" wait_for 60 not_suspended
	check "two storage events recorded" "$(q "select count(*) from events where search_id=$id and kind='storage'")" 2
else
	chattr -i "$db" 2>/dev/null
	echo "# skipped the read-only case: chattr +i needs root and a file system that has it"
fi
check_true "trials ended after the outages ($done_now before)" wait_for 60 sh -c "[ \$(sqlite3 -cmd '.timeout 5000' '$db' \"select count(*) from trials where search_id=$id and status not in ('running','queued','interrupted')\") -gt $done_now ]"

# --- the search ends whole ---
check_true "the search finished" wait_search "$id"
check "it is done" "$(q "select status from searches where id=$id")" done
check "exactly 80 trials" "$(q "select count(*) from trials where search_id=$id")" 80
check "no trial number twice" "$(q "select count(distinct number) from trials where search_id=$id")" 80
check "every trial in a terminal state" "$(q "select count(*) from trials where search_id=$id and status not in ('done','failed','diverged','cancelled','pruned')")" 0
check "every completed trial has its 4 epochs, once each" "$(q "select count(*) from trials t where search_id=$id and status='done' and (select count(*) || '/' || count(distinct epoch) || '/' || max(epoch) from epochs where trial_id=t.id) != '4/4/4'")" 0
check "what was committed before the outage is unchanged" "$(snapshot | grep -xF "$before" | wc -l)" "$(printf '%s\n' "$before" | wc -l)"
check "integrity_check" "$(q "pragma integrity_check")" ok
r=$(req "{\"type\":\"submit\",\"spec\":$(spec_line)}")
check_true "a submit is taken again ($r)" sh -c "printf '%s' '$r' | grep -q '\"ok\":true'"
r=$(req '{"type":"shutdown"}')
wait "$daemon_pid"
check "the daemon stopped cleanly (exit status; leaks fail it under ASan)" "$?" 0
finish
