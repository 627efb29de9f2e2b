#!/bin/sh
# trainer.sh: searches with the user's own training program (a "trainer" in the spec, run by
# tuna-exec) on a private tunad — the examples' dependency-free trainers (examples/trainers/:
# a noisy quadratic in log10 of the learning rate, optimum 1e-2) in a 30-trial random search
# (JSON reports) and a coarse-to-fine one (name=value lines), each finding a best within a
# factor 2 of the optimum; ASHA stopping the losers at the rungs (Keras-style lines); a trainer
# that crashes, one that never reports its objective, one that ignores SIGTERM (killed after
# grace_seconds), a missing command refused at submit; panda with the Python helper taking a
# nudge and a rollback; a user trainer dying with a SIGKILLed tunad; a relative --db.
set -u
tunad=$(realpath "${1:?usage: trainer.sh TUNAD TUNA TUNA-WORKER}")
tuna=$(realpath "$2")	# absolute: the submits below run from the repository's root
worker=$(realpath "$3")
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
root=$(cd "$(dirname "$0")/.." && pwd)
examples="$root/examples/trainers"

# best_lr ID: the learning rate of search ID's best trial.
best_lr() { q "select json_extract(params, '\$.lr') from best_trials where search_id=$1 and rank=1 limit 1"; }
# near_optimum LR: LR within a factor 2 of 1e-2.
near_optimum() { awk -v x="$1" 'BEGIN { exit !(x >= 0.005 && x <= 0.02) }'; }
# submit_here SPEC: tuna submit from the repository root (the examples' paths are relative to it).
submit_here() { (cd "$root" && "$tuna" submit "$1") | sed -n 's/^search \([0-9]*\)$/\1/p'; }

start_daemon

# A 30-trial random search, JSON reports through the Python helper.
id=$(submit_here "$examples/quadratic-random.json")
check_true "random: submitted ($id)" [ -n "$id" ]
wait_search "$id"
check "random: 30 trials done" "$(q "select count(*) from trials where search_id=$id and status='done'")" 30
check "random: 9 reports a trial" "$(q "select count(*) from report_values v join trials t on t.id=v.trial_id where t.search_id=$id and v.name='loss'")" 270
lr=$(best_lr "$id")
check_true "random: the best learning rate ($lr) within a factor 2 of 1e-2" near_optimum "$lr"
check "random: the spec stored with its trainer resolved" \
    "$(q "select json_extract(spec, '\$.trainer.cwd') || ' ' || json_extract(spec, '\$.objective.goal') from searches where id=$id")" "$root min"
"$tuna" best "$id" -n 1 > "$tmp/best" 2>&1
check_contains "random: tuna best ranks by the trainer's metric" "$tmp/best" "LOSS"

# Coarse to fine, name=value lines from a POSIX sh trainer.
id=$(submit_here "$examples/quadratic-coarse-to-fine.json")
check_true "c2f: submitted ($id)" [ -n "$id" ]
wait_search "$id"
check "c2f: done, every trial" "$(q "select status || ' ' || (select count(*) from trials where search_id=$id and status='done') from searches where id=$id")" \
    "done $(q "select trials from searches where id=$id")"
check_true "c2f: several rounds" [ "$(q "select count(*) from rounds where search_id=$id")" -ge 2 ]
lr=$(best_lr "$id")
check_true "c2f: the best learning rate ($lr) within a factor 2 of 1e-2" near_optimum "$lr"

# ASHA: Keras-style lines; losers stopped at a rung (SIGTERM), each stop a decision.
id=$(submit_here "$examples/quadratic-asha.json")
check_true "asha: submitted ($id)" [ -n "$id" ]
wait_search "$id"
check "asha: done" "$(q "select status from searches where id=$id")" done
pruned=$(q "select count(*) from trials where search_id=$id and status='pruned'")
check_true "asha: trials pruned ($pruned)" [ "$pruned" -ge 5 ]
check "asha: each pruned trial stopped at a rung" \
    "$(q "select count(*) from trials t where search_id=$id and status='pruned' and (select max(epoch) from report_values v where v.trial_id=t.id and v.undone is null) not in (1, 2, 3, 4)")" 0
check "asha: each prune a decision" \
    "$(q "select count(*) from events where search_id=$id and kind='decision' and json_extract(data,'\$.action')='prune'")" "$pruned"
check "asha: the survivors ran every epoch" \
    "$(q "select count(*) from trials where search_id=$id and status='done' and epochs <> 9")" 0

# Failures are the user's to read.
cat > "$tmp/crash.sh" <<'SH'
#!/bin/sh
echo "epoch=1 loss=3"
echo "loading the data" >&2
echo "ValueError: lr must be positive" >&2
exit 3
SH
cat > "$tmp/silent.sh" <<'SH'
#!/bin/sh
echo "epoch=1 accuracy=0.5"
echo "no loss today"
SH
chmod +x "$tmp/crash.sh" "$tmp/silent.sh"
# user_spec FILE NAME PROGRAM [MORE-TRAINER-MEMBERS]: a 1-trial search of PROGRAM, objective loss.
user_spec() {
	cat > "$1" <<JSON
{"name": "$2", "trainer": {"command": ["$3"]$4}, "objective": {"metric": "loss", "goal": "min"},
 "trials": 1, "parallel": 1, "params": {"lr": {"scale": "log", "min": 1e-3, "max": 1e-1}}}
JSON
}
user_spec "$tmp/crash.json" crash "$tmp/crash.sh" ""
id=$(submit_id "$tmp/crash.json")
wait_search "$id"
check "crash: failed" "$(q "select status from trials where search_id=$id")" failed
check "crash: its exit status and stderr's last lines" "$(q "select error from trials where search_id=$id")" \
    "crash.sh exited with status 3: loading the data; ValueError: lr must be positive"
"$tuna" tail "$id" > "$tmp/tail" 2>&1
check_contains "crash: tuna tail shows it" "$tmp/tail" "ValueError: lr must be positive"
user_spec "$tmp/silent.json" silent "$tmp/silent.sh" ""
id=$(submit_id "$tmp/silent.json")
wait_search "$id"
check "never reports: failed" "$(q "select status from trials where search_id=$id")" failed
check_contains_q() { q "$2" > "$tmp/q.out"; check_contains "$1" "$tmp/q.out" "$3"; }
check_contains_q "never reports: names the objective" "select error from trials where search_id=$id" \
    "never reported loss"
user_spec "$tmp/missing.json" missing "$tmp/nope.sh" ""
"$tuna" submit "$tmp/missing.json" > "$tmp/missing.out" 2>&1
check "missing command: refused at submit" "$?" 1
check_contains "missing command: names it" "$tmp/missing.out" "trainer.command[0]: $tmp/nope.sh: No such file or directory"
cat > "$tmp/plain.sh" <<'SH'
echo "epoch=1 loss=1"
SH
chmod -x "$tmp/plain.sh"
user_spec "$tmp/noexec.json" noexec "$tmp/plain.sh" ""
"$tuna" submit "$tmp/noexec.json" > "$tmp/noexec.out" 2>&1
check "not executable: refused at submit" "$?" 1
check_contains "not executable: says so" "$tmp/noexec.out" "trainer.command[0]: $tmp/plain.sh: not executable"
cat > "$tmp/badname.json" <<JSON
{"trainer": {"command": ["$tmp/crash.sh", "--lr={lrr}"]}, "objective": {"metric": "loss", "goal": "min"},
 "params": {"lr": 0.1}}
JSON
"$tuna" submit "$tmp/badname.json" > "$tmp/badname.out" 2>&1
check "a placeholder naming no parameter: refused" "$?" 1
check_contains "a placeholder naming no parameter: its element" "$tmp/badname.out" "trainer.command[1]"
cat > "$tmp/pandanc.json" <<JSON
{"mode": "panda", "trainer": {"command": ["$tmp/crash.sh"]}, "objective": {"metric": "loss", "goal": "min"},
 "params": {"alpha": 0.1}}
JSON
"$tuna" submit "$tmp/pandanc.json" > "$tmp/pandanc.out" 2>&1
check "panda without control: refused" "$?" 1
check_contains "panda without control: says why" "$tmp/pandanc.out" "\"control\": true"

# A trainer that ignores SIGTERM: pruned at rung 1, it is killed after grace_seconds. Its
# trials run one after another; each reports its own trial id as its loss, so every trial
# after the first loses at rung 1, then waits for ever (ignoring TERM) unless killed.
cat > "$tmp/stubborn.sh" <<'SH'
#!/bin/sh
trap '' TERM
echo "epoch=1 loss=$TUNA_TRIAL"
[ "$TUNA_TRIAL" = "$(cat "$(dirname "$0")/first")" ] || while :; do sleep 1; done
echo "epoch=2 loss=$TUNA_TRIAL"
echo "epoch=3 loss=$TUNA_TRIAL"
SH
chmod +x "$tmp/stubborn.sh"
cat > "$tmp/stubborn.json" <<JSON
{"name": "stubborn", "trainer": {"command": ["$tmp/stubborn.sh"], "grace_seconds": 1},
 "objective": {"metric": "loss", "goal": "min"}, "early_stopping": {"kind": "asha", "rungs": [1], "eta": 2},
 "trials": 2, "parallel": 1, "epochs": 3, "params": {"lr": 0.1}}
JSON
first=$(( $(q "select coalesce(max(id), 0) from trials") + 1 ))
echo "$first" > "$tmp/first"
id=$(submit_id "$tmp/stubborn.json")
wait_search "$id"
check "SIGTERM ignored: the loser pruned (killed after the grace period)" \
    "$(q "select group_concat(status, ' ') from (select status from trials where search_id=$id order by id)")" "done pruned"
check_true "SIGTERM ignored: killed no sooner than grace_seconds after the prune" [ "$(q "select
    cast(86400000 * ((select max(julianday(time)) from events where search_id=$id and kind='trial_end') -
    (select julianday(time) from events where search_id=$id and kind='decision' and json_extract(data,'\$.action')='prune')) as integer)")" -ge 900 ]
check "SIGTERM ignored: no process left" "$(pgrep -f "$tmp/stubborn.sh" | wc -l)" 0

# Panda with the Python helper: a nudge lands at the next epoch, a rollback restores.
id=$(submit_here "$examples/quadratic-panda.json")
check_true "panda: submitted ($id)" [ -n "$id" ]
two_reports() { [ "$(q "select count(*) from report_values v join trials t on t.id=v.trial_id where t.search_id=$id and v.name='loss'")" -ge 2 ]; }
until_true "panda: reporting" two_reports
trial=$(q "select id from trials where search_id=$id and status='running'")
pw=$(pgrep -f "quadratic.py --param alpha" | head -1)
check_true "panda: its trainer ($pw)" [ -n "$pw" ]
kill -STOP $pw
"$tuna" nudge "$trial" alpha=0.0123 > "$tmp/nudge" 2>&1
check "panda: nudge accepted" "$?" 0
after=$(sed -n 's/.*lands after epoch \([0-9]*\).*/\1/p' "$tmp/nudge")
kill -CONT $pw
landed() { [ -n "$(q "select value from report_values where trial_id=$trial and epoch=$((after + 1)) and name='alpha'")" ]; }
until_true "panda: the next epoch ran" landed
check "panda: the nudge landed there" "$(q "select value from report_values where trial_id=$trial and epoch=$((after + 1)) and name='alpha' and undone is null")" 0.0123
kill -STOP $pw
"$tuna" nudge "$trial" rollback > "$tmp/rollback" 2>&1
check "panda: rollback accepted" "$?" 0
kill -CONT $pw
rolled() { [ "$(q "select count(*) from report_values where trial_id=$trial and undone = 1")" -ge 1 ]; }
until_true "panda: rolled back (epochs undone)" rolled
wait_search "$id"
check "panda: done" "$(q "select status from searches where id=$id")" done
check "panda: every epoch of the first model stands once" \
    "$(q "select count(*) || '/' || count(distinct epoch) || '/' || max(epoch) from report_values where trial_id=$trial and name='loss' and undone is null")" "15/15/15"

# A user trainer dies with a SIGKILLed tunad (tuna-exec's PR_SET_PDEATHSIG, then its child's).
cat > "$tmp/forever.sh" <<'SH'
#!/bin/sh
echo "epoch=1 loss=1"
while :; do sleep 1; done
SH
chmod +x "$tmp/forever.sh"
user_spec "$tmp/forever.json" forever "$tmp/forever.sh" ""
id=$(submit_id "$tmp/forever.json")
running() { pgrep -f "$tmp/forever.sh" > /dev/null; }
until_true "SIGKILL: the trainer runs" running
kill_daemon
gone() { ! pgrep -f "$tmp/forever.sh" > /dev/null; }
until_true "SIGKILL of tunad: the trainer gone" gone

# A tunad started with a relative --db: the trials' directories still reach tuna-exec absolute.
(cd "$tmp" && exec "$tunad" --foreground --socket rel.sock --db rel.db >> "$tmp/tunad.log" 2>&1) &
daemon_pid=$!
pids="$pids $daemon_pid"
rel_up() { [ -S "$tmp/rel.sock" ]; }
until_true "relative --db: listening" rel_up
cat > "$tmp/rel.json" <<JSON
{"trainer": {"command": ["$examples/quadratic.sh", "{args}"]}, "objective": {"metric": "loss", "goal": "min"},
 "trials": 2, "params": {"lr": 0.01, "epochs": 2}}
JSON
TUNA_SOCKET="$tmp/rel.sock" "$tuna" submit "$tmp/rel.json" > "$tmp/rel.out" 2>&1
check "relative --db: a trainer's search accepted" "$?/$(cat "$tmp/rel.out")" "0/search 1"
db="$tmp/rel.db"
wait_search 1
check "relative --db: its trials done" "$(q "select count(*) from trials where status='done'")" 2
TUNA_SOCKET="$tmp/rel.sock" "$tuna" shutdown > /dev/null 2>&1
finish
