#!/bin/sh
# slurm-exec.sh: tunad's Slurm executor against a real one-node cluster (tests/slurm-lib.sh) —
# a caviar search of 30 trials as job steps, seen in squeue; a step cancelled mid-trial run
# again outside max_retries; a bad partition and a data set the nodes cannot read refused at
# submit with the cluster's word; trials queued behind a job holding every CPU, with Slurm's
# reason, then run; a shutdown interrupting the steps; a SIGKILLed tunad leaving no job behind;
# tunad inside an allocation (salloc), its slots steps of it; panda's checkpoint directory checked
# on the node; a trainer of the user's through Slurm.
set -u
tunad=${1:?usage: slurm-exec.sh TUNAD TUNA TUNA-WORKER SOCKCAT}
tuna=$2
worker=$3
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
. "$(dirname "$0")/slurm-lib.sh"

if ! slurm_can_run; then
	echo "# skipped: $slurm_why"
	exit 77
fi
slurm_start || { not_ok "the cluster starts"; finish; exit 1; }
ok "the cluster starts"

# tuna_jobs: tuna's jobs in the queue, "NAME STATE REASON" a line.
tuna_jobs() { squeue -h -o '%j %T %r' 2> /dev/null | grep '^tuna-' || true; }


# The trials pass a gate on the node: while $tmp/hold exists, a worker waits before it
# starts (data-set checks pass straight through).
checks="[ \"\$1\" = --check ] && exec \"$worker\" \"\$@\""
printf '#!/bin/sh\n%s\nwhile [ -e "%s/hold" ]; do sleep 0.05; done\nexec "%s" "$@"\n' \
    "$checks" "$tmp" "$worker" > "$tmp/gated"
chmod +x "$tmp/gated"
make_csv "$tmp/train.csv" 300 1
launch_daemon --worker "$tmp/gated" --workers 1 --executor slurm
check_true "tunad listening" [ -S "$sock" ]

# Refused at submit, with the cluster's own words.
cat > "$tmp/bad.json" <<JSON
{"name": "bad", "dataset": {"format": "csv", "train": "$tmp/train.csv"}, "trials": 2,
 "executor": {"kind": "slurm", "partition": "nope"}}
JSON
"$tuna" submit "$tmp/bad.json" > "$tmp/bad.out" 2>&1
check "bad partition: refused" "$?" 1
check_contains "bad partition: Slurm's message" "$tmp/bad.out" \
    "executor: the cluster refused a slot: srun: error: invalid partition specified: nope"
cat > "$tmp/nofile.json" <<JSON
{"name": "nofile", "dataset": {"format": "csv", "train": "$tmp/none.csv"}, "trials": 2}
JSON
"$tuna" submit "$tmp/nofile.json" > "$tmp/nofile.out" 2>&1
check_contains "a data set the nodes cannot read: refused, saying where" "$tmp/nofile.out" \
    "dataset: $tmp/none.csv: No such file or directory (checked on the cluster's nodes)"

# A caviar search of 30 trials, 3 at once (more than --workers 1: the cluster's slots are not
# the local cap): its steps in squeue while the gate holds them.
touch "$tmp/hold"
cat > "$tmp/caviar.json" <<JSON
{"name": "caviar", "dataset": {"format": "csv", "train": "$tmp/train.csv"}, "trials": 30,
 "parallel": 3, "epochs": 4, "seed": 1,
 "params": {"alpha": {"scale": "log", "min": 1e-3, "max": 1e-1}, "hidden_units": 16}}
JSON
id=$(submit_id "$tmp/caviar.json")
check_true "caviar: submitted" [ -n "$id" ]
three_running() { [ "$(tuna_jobs | grep -c ' RUNNING ')" -eq 3 ]; }
until_true "caviar: 3 steps running in squeue" three_running
check "caviar: 3 trials running" "$(q "select count(*) from trials where search_id=$id and status='running'")" 3
victim=$(squeue -h -o '%j' | grep '^tuna-' | head -n 1)
scancel -n "$victim"
retried() { [ "$(q "select count(*) from events where search_id=$id and kind='retry'")" -ge 1 ]; }
until_true "scancel of a step: its trial runs again" retried
rm -f "$tmp/hold"
wait_search "$id"
check "caviar: done" "$(q "select status from searches where id=$id")" done
check "caviar: exactly 30 trials, every one done" \
    "$(q "select count(*) || ' ' || count(*) filter (where status='done') from trials where search_id=$id")" "30 30"
check_contains "scancel: run again outside max_retries (0), the cluster's word kept" \
    "$(q "select data from events where search_id=$id and kind='retry'" > "$tmp/retry"; echo "$tmp/retry")" \
    '"cluster_retry":1,"max_cluster_retries":5'
check_contains "scancel: Slurm said so" "$tmp/retry" "CANCELLED"

# Queued: a job holds every CPU (the partition not shared for this), the trials wait with
# Slurm's reason, then run when it ends.
scontrol update PartitionName="$SLURM_PARTITION" OverSubscribe=NO
srun -N1 -n1 --cpus-per-task="$SLURM_CPUS" -J hog sleep 600 2> "$tmp/hog.err" &
hog=$!
hog_runs() { [ -n "$(squeue -h -n hog -t RUNNING 2> /dev/null)" ]; }
until_true "queued: a job holds every CPU" hog_runs
short_spec "$tmp/queued.json" queued 2 2
idq=$(submit_id "$tmp/queued.json")
both_queued() {
	[ "$(q "select count(*) from trials where search_id=$idq and status='queued'")" -eq 2 ]
}
until_true "queued: both trials queued in the store" both_queued
with_reason() {
	[ "$(q "select count(*) from events where search_id=$idq and kind='trial_state' and (data like '%\"reason\":\"Resources\"%' or data like '%\"reason\":\"Priority\"%')")" -ge 1 ]
}
until_true "queued: Slurm's reason (Resources, Priority) in a trial_state event" with_reason
"$tuna" status "$idq" > "$tmp/qstatus" 2>&1
check_contains "queued: tuna status shows them queued" "$tmp/qstatus" "2 queued"
"$tuna" tail "$idq" > "$tmp/qtail" 2>&1
check "queued: tuna tail says why" "$(grep -c 'queued (\(Resources\|Priority\))' "$tmp/qtail" | awk '{ print ($1 >= 1) }')" 1
scancel -n hog
wait $hog 2> /dev/null
scontrol update PartitionName="$SLURM_PARTITION" OverSubscribe=FORCE:8
wait_search "$idq"
check "queued: then run, done" "$(q "select count(*) from trials where search_id=$idq and status='done'")" 2

# Panda through Slurm: a nudge lands, a rollback restores the checkpoint. The model's worker
# (on the node: this machine) is stopped while it is nudged, so it cannot end first.
make_csv "$tmp/big.csv" 40000 5 8
cat > "$tmp/panda.json" <<JSON
{"name": "panda", "mode": "panda", "dataset": {"format": "csv", "train": "$tmp/big.csv"},
 "trials": 1, "epochs": 25, "threads": 1, "seed": 2,
 "params": {"alpha": 0.003, "hidden_units": 256, "layers": 2, "batch_size": 32}}
JSON
# its checkpoints' directory (tunad's default, beside the database) is checked on the node:
# while a file stands in its way, the search is refused, saying so and where
touch "$db.ckpt"
"$tuna" submit "$tmp/panda.json" > "$tmp/panda-refused.out" 2>&1
check "panda: an unwritable checkpoint directory refused" "$?" 1
check_contains "panda: refused, naming the directory and where it was checked" \
    "$tmp/panda-refused.out" "checkpoints: $db.ckpt: Not a directory (checked on the cluster's nodes)"
rm "$db.ckpt"
idp=$(submit_id "$tmp/panda.json")
two_epochs() {
	[ "$(q "select count(*) from epochs e join trials t on t.id = e.trial_id where t.search_id=$idp")" -ge 2 ]
}
until_true "panda: running as a step" two_epochs
trial=$(q "select id from trials where search_id=$idp")
# its worker: a tuna-worker with this test's cache directory in its environment
pw=""
for p in $(pgrep -f "tuna-worker -\$"); do
	tr '\0' '\n' < "/proc/$p/environ" 2> /dev/null | grep -qxF "TUNA_CACHE_DIR=$TUNA_CACHE_DIR" &&
	    pw=$p
done
check_true "panda: its worker on the node ($pw)" [ -n "$pw" ]
kill -STOP $pw
"$tuna" nudge "$trial" alpha=0.0123 > "$tmp/nudge" 2>&1
check "panda: nudge accepted" "$?" 0
after=$(sed -n 's/.*lands after epoch \([0-9]*\).*/\1/p' "$tmp/nudge")
kill -CONT $pw
landed() { [ "$(q "select count(*) from epochs where trial_id=$trial and epoch=$((after + 1))")" -ge 1 ]; }
until_true "panda: the next epoch ran" landed
check "panda: the nudge landed there" "$(q "select alpha from epochs where trial_id=$trial and epoch=$((after + 1))")" 0.0123
kill -STOP $pw
"$tuna" nudge "$trial" rollback > /dev/null 2>&1
check "panda: rollback accepted" "$?" 0
kill -CONT $pw
rolled() {
	[ "$(q "select count(*) from events where trial_id=$trial and kind='nudge' and json_extract(data, '\$.rollback')")" -ge 1 ]
}
until_true "panda: the rollback carried out at the next boundary" rolled
wait_search "$idp"
check "panda: done" "$(q "select status from trials where id=$trial")" done
check "panda: every epoch stands once, after the restore" \
    "$(q "select count(*) || '/' || count(distinct epoch) || '/' || max(epoch) from epochs where trial_id=$trial")" "25/25/25"

# A trainer of the user's through Slurm: its command checked on a node at submit; its trials
# as steps, run by tuna-exec there.
root=$(cd "$(dirname "$0")/.." && pwd)
cat > "$tmp/user.json" <<JSON
{"name": "user", "trainer": {"command": ["$root/examples/trainers/quadratic.sh", "{args}"], "cwd": "$tmp"},
 "objective": {"metric": "loss", "goal": "min"}, "trials": 4, "parallel": 2, "executor": "slurm",
 "params": {"lr": {"scale": "log", "min": 1e-4, "max": 1}, "epochs": 3}}
JSON
idu=$(submit_id "$tmp/user.json")
wait_search "$idu"
check "user trainer: every trial done through Slurm" \
    "$(q "select count(*) from trials where search_id=$idu and status='done' and epochs=3")" 4
sed "s|$root/examples/trainers/quadratic.sh|$tmp/nope.sh|" "$tmp/user.json" > "$tmp/user-bad.json"
"$tuna" submit "$tmp/user-bad.json" > "$tmp/user-bad.out" 2>&1
check_contains "user trainer: a program the nodes cannot run refused, saying where" "$tmp/user-bad.out" \
    "trainer.command[0]: $tmp/nope.sh: No such file or directory (checked on the cluster's nodes)"

# A shutdown ends the running steps; their trials are interrupted (and run again on restart).
touch "$tmp/hold"
short_spec "$tmp/stop.json" stop 4 3
ids=$(submit_id "$tmp/stop.json")
two_running() { [ "$(tuna_jobs | grep -c ' RUNNING ')" -eq 2 ]; }
until_true "shutdown: 2 steps running" two_running
"$tuna" shutdown > /dev/null 2>&1
# srun ends its step through slurmctld: allow a loaded machine a minute (a bound, not a wait)
exited() { ! kill -0 $daemon_pid 2> /dev/null; }
until_true "shutdown: daemon exited" exited
wait $daemon_pid
check "shutdown: daemon's exit status" "$?" 0
check "shutdown: trials interrupted" "$(q "select count(*) from trials where search_id=$ids and status='interrupted'")" 2
no_jobs() { [ -z "$(tuna_jobs)" ]; }
until_true "shutdown: no job of tuna's left" no_jobs

# SIGKILL: no job of tuna's stays (setpriv --pdeathsig gives srun a SIGTERM); how long.
launch_daemon --worker "$tmp/gated" --workers 1 --executor slurm
until_true "restart: the interrupted trials run again, as steps" two_running
kill_daemon
t0=$(date +%s.%N)
until_true "SIGKILL: no job of tuna's left" no_jobs
echo "# SIGKILL of tunad: tuna's jobs gone from squeue in $(awk -v a="$t0" -v b="$(date +%s.%N)" "BEGIN { printf \"%.1f\", b - a }") s"
rm -f "$tmp/hold"

# Inside an allocation (tunad run by salloc, as sbatch would): the slots are steps of it, with
# --exact so that two share its CPUs; no job of their own. A database and socket of its own.
db="$tmp/alloc.db"
sock="$tmp/alloc.sock"
export TUNA_SOCKET="$sock"
touch "$tmp/hold"
salloc --nodes=1 --ntasks=1 --cpus-per-task="$SLURM_CPUS" --job-name=alloc -- \
    "$tunad" --foreground --socket "$sock" --db "$db" --worker "$tmp/gated" --executor slurm \
    >> "$tmp/tunad.log" 2>&1 &
daemon_pid=$!
pids="$pids $daemon_pid"
listening() { [ -S "$sock" ]; }
until_true "allocation: tunad started by salloc, listening" listening
alloc=$(squeue -h -n alloc -o %i)
short_spec "$tmp/alloc.json" alloc 4 5
ida=$(submit_id "$tmp/alloc.json")
# tuna_steps: the allocation's steps of tuna's, "NAME" a line
tuna_steps() { squeue -h -s -j "$alloc" -o '%j' 2> /dev/null | grep '^tuna-' || true; }
two_steps() { [ "$(tuna_steps | wc -l)" -eq 2 ]; }
until_true "allocation: 2 trials at once, as steps of job $alloc" two_steps
check "allocation: no job of tuna's own" "$(tuna_jobs)" ""
rm -f "$tmp/hold"
wait_search "$ida"
check "allocation: every trial done" "$(q "select count(*) from trials where search_id=$ida and status='done'")" 4
"$tuna" shutdown > /dev/null 2>&1
until_true "allocation: tunad and salloc exited" exited
wait $daemon_pid
check "allocation: salloc's exit status (tunad's)" "$?" 0
alloc_gone() { [ -z "$(squeue -h -j "$alloc" -o %i 2> /dev/null)" ]; }
until_true "allocation: released" alloc_gone

slurm_stop
check "the cluster stops, no process left" "$(slurm_procs | wc -l)" 0
finish
