#!/bin/sh
# migrate.sh: a database made by the v1 schema (tests/fixture/v1/v1.db: caviar with a diverged
# trial, failing trials with retries, coarse to fine, ASHA with prunes, panda with nudges and
# rollbacks) opened by today's tunad, which migrates it: tuna tail (text and JSON) and tuna
# best give what v1's gave, byte for byte; the epochs, trial_params and best_trials the
# sqlite3 shell reads are v1's, row for row; every event and epoch is there; and a new
# search on the migrated database runs.
set -u
tunad=${1:?usage: migrate.sh TUNAD TUNA TUNA-WORKER}
tuna=$2
worker=$3
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"

fixture="$(cd "$(dirname "$0")" && pwd)/fixture/v1"
cp "$fixture/v1.db" "$db"
chmod 600 "$db"
v1=$tmp/v1.db		# read as v1 left it, from a copy: the source tree is not written
cp "$fixture/v1.db" "$v1"
searches=$(cat "$fixture/v1-searches.txt")

start_daemon
check "migrated to the current schema" "$(q "pragma user_version")" 5
for id in $searches; do
	"$tuna" tail "$id" > "$tmp/tail" 2>&1
	check "search $id: tuna tail as v1's" "$(cmp -s "$fixture/v1-tail-$id.txt" "$tmp/tail" && echo same || diff "$fixture/v1-tail-$id.txt" "$tmp/tail" | head -5)" same
	"$tuna" --json tail "$id" > "$tmp/tail" 2>&1
	check "search $id: tuna --json tail as v1's" "$(cmp -s "$fixture/v1-tail-$id.json" "$tmp/tail" && echo same || diff "$fixture/v1-tail-$id.json" "$tmp/tail" | head -5)" same
	"$tuna" best "$id" -n 20 > "$tmp/best" 2>&1
	check "search $id: tuna best as v1's" "$(cmp -s "$fixture/v1-best-$id.txt" "$tmp/best" && echo same || diff "$fixture/v1-best-$id.txt" "$tmp/best" | head -5)" same
done

# What the sqlite3 shell reads: v1's rows (v1 read with sqlite3's -readonly: the fixture stays).
same() {	# same NAME QUERY: the query gives the same rows on both databases
	a=$(sqlite3 -readonly "$v1" "$2")
	b=$(q "$2")
	if [ "$a" = "$b" ]; then ok "$1 ($(printf '%s\n' "$a" | wc -l) rows)"; else
		not_ok "$1"; printf '%s\n' "$a" > "$tmp/a"; printf '%s\n' "$b" > "$tmp/b"
		diff "$tmp/a" "$tmp/b" | head -10 | sed 's/^/    /'
	fi
}
same "epochs as v1 had them" "select trial_id, epoch, train_loss, train_acc, val_loss, val_acc, alpha, beta, seconds from epochs order by 1, 2"
same "trial_params as v1 had them" "select trial_id, name, value, typeof(value) from trial_params order by 1, 2"
same "best_trials as v1 ranked them" "select search_id, rank, trial_id, number, round, val_acc, best_val_acc, test_acc, epochs, seconds, params from best_trials order by search_id desc, rank, trial_id"
same "trials as v1 had them" "select id, search_id, number, round, status, params, val_acc, val_loss, best_val_acc, test_acc, test_loss, epochs, seconds, exit_status, signal, error, started_at, finished_at from trials order by id"
same "rounds as v1 had them" "select * from rounds order by 1, 2"
same "every other event as v1 had it" "select * from events where kind != 'epoch' order by id"
check "every epoch event is a report" "$(q "select count(*) from reports")" "$(sqlite3 -readonly "$v1" "select count(*) from events where kind = 'epoch'")"
check "the rolled-back epochs kept, undone" "$(q "select count(*) from reports where undone = 1")" "$(sqlite3 -readonly "$v1" "select count(*) from events e where kind = 'epoch' and exists (select 1 from events l where l.kind = 'epoch' and l.trial_id = e.trial_id and l.id > e.id and json_extract(l.data, '\$.epoch') <= json_extract(e.data, '\$.epoch'))")"
check "every search has the default objective" "$(q "select count(*) from searches where json_extract(spec, '\$.objective.metric') = 'val_acc' and json_extract(spec, '\$.objective.goal') = 'max'")" "$(echo $searches | wc -w)"
check "a done trial's objective is its best epoch's val_acc" "$(q "select count(*) from trials t where status = 'done' and objective is not (select max(val_acc) from epochs where trial_id = t.id)")" 0
check "no trial of v1 names a BLAS kernel" "$(q "select count(kernel_id) || ' ' || (select count(*) from kernels) || ' ' || (select count(*) from trial_kernels) from trials")" "0 0 0"
check "integrity" "$(q "pragma integrity_check")" ok
check "foreign keys" "$(q "pragma foreign_key_check")" ""

# A new search on the migrated database: its events follow v1's in the history.
make_csv "$tmp/train.csv" 300 1
short_spec "$tmp/new.json" after-v1 3 5
id=$(submit_id "$tmp/new.json")
"$tuna" tail -f "$id" > "$tmp/tail" 2>&1
check "a new search on it: done" "$(q "select status || ' ' || (select count(*) from trials where search_id = $id and status = 'done') from searches where id = $id")" "done 3"
check "a new search on it: 12 reports, after v1's events" "$(q "select count(*) from reports r join trials t on t.id = r.trial_id where t.search_id = $id and r.id > (select max(id) from events where search_id != $id)")" 12
check "a new search on it: its epochs in tail" "$(grep -c ' epoch [1-4] ' "$tmp/tail")" 12
"$tuna" shutdown > /dev/null 2>&1
stopped "shutdown"
finish
