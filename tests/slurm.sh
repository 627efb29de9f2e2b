#!/bin/sh
# slurm.sh: a private one-node Slurm cluster (tests/slurm-lib.sh) started and stopped by the
# test, and what a Slurm executor will rely on: srun runs a step and gives its output, stdin,
# stderr and exit status; the caller's environment reaches the step and a variable can be kept
# out; a running step shows in squeue and scancel ends it; a bad partition is refused with
# Slurm's message; jobs, and steps of one allocation, share the CPUs; a second cluster runs
# beside this one without touching it; nothing of the cluster is left after slurm_stop. It also
# measures, as "#" lines (never asserted): the start cost of a step, and how long a step lives
# on when its srun is killed, or when srun's stdin and stdout pipes are closed (a daemon killed
# while srun runs). Skipped (77) where no cluster can run (not root, Slurm or munge missing).
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/slurm-lib.sh"

if ! slurm_can_run; then
	echo "# skipped: $slurm_why"
	exit 77
fi

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# wait_for SECONDS COMMAND...: until the command succeeds (polled every 0.05 s), at most
# SECONDS × $slow; false if it never did.
wait_for() {
	wf_n=$(($1 * 20 * slow)); shift
	until "$@"; do
		wf_n=$((wf_n - 1))
		[ $wf_n -gt 0 ] || return 1
		sleep 0.05
	done
}
job_running() { [ "$(squeue -h -n "$1" -o %T)" = RUNNING ]; }	# job_running NAME
job_gone() { [ -z "$(squeue -h -n "$1")" ]; }			# job_gone NAME
jobs_running() { [ "$(squeue -h -n "$1" -t RUNNING | wc -l)" -eq "$2" ]; }	# NAME COUNT
steps_running() { [ "$(squeue -h -s -j "$1" -o %i | grep -c "^$1\.[0-9]")" -eq "$2" ]; } # JOB N
file_has() { grep -q "$2" "$1" 2> /dev/null; }			# file_has FILE TEXT
no_steps() { [ -z "$(slurm_strays slurmstepd)" ]; }	# no slurmstepd (nor task) of ours
# A task that waits while $tmp/hold exists.
hold_task="while [ -e '$tmp/hold' ]; do sleep 0.05; done"

# --- The cluster comes up.
t0=$(now_ms)
if ! slurm_start; then
	not_ok "the cluster starts"
	finish
	exit 1
fi
echo "# the cluster is up in $(($(now_ms) - t0)) ms: munged, slurmctld on port $slurm_ctld_port, slurmd on $slurm_d_port"
check "the node is idle" "$(sinfo -h -o %T -n "$SLURM_NODE")" idle
check "the node has the machine's CPUs" "$(sinfo -h -o %c -n "$SLURM_NODE")" "$SLURM_CPUS"
check "the default partition" "$(sinfo -h -o %P)" "$SLURM_PARTITION*"
check "scontrol reads our slurm.conf" \
    "$(scontrol show config | sed -n 's/^SLURM_CONF *= *//p')" "$SLURM_CONF"
check "the cluster's name" "$(scontrol show config | sed -n 's/^ClusterName *= *//p')" tuna-test

# --- A step: its output, stdin, stderr and exit status.
check "srun -N1 -n1 hostname prints the host's name" "$(srun -N1 -n1 hostname)" "$(hostname)"
check "stdin reaches the step (printf '{}' | srun cat)" "$(printf '{}\n' | srun -N1 -n1 cat)" '{}'
awk 'BEGIN { for (i = 0; i < 20000; i++) printf "{\"type\":\"trial\",\"n\":%d}\n", i }' > "$tmp/lines"
srun -N1 -n1 cat < "$tmp/lines" > "$tmp/lines.back"
check "20,000 lines through srun cat come back whole" "$(cksum < "$tmp/lines.back")" \
    "$(cksum < "$tmp/lines")"
srun --quiet -N1 -n1 sh -c 'echo out; echo err >&2' > "$tmp/out" 2> "$tmp/err"
check "the step's stdout" "$(cat "$tmp/out")" out
check "the step's stderr, apart (srun --quiet: none of srun's notices)" "$(cat "$tmp/err")" err
srun --quiet -N1 -n1 sh -c 'exit 3' 2> "$tmp/err"
check "srun exits with the step's status" "$?" 3
srun --quiet -N1 -n1 sh -c 'kill -9 $$' 2> "$tmp/err"
check "a step killed by SIGKILL: srun exits 128 + 9" "$?" 137
check_contains "... and says so" "$tmp/err" "task 0: Killed"

# --- The environment: the caller's reaches the step; how to keep one variable out of it.
export TUNA_X=reached TUNA_PARENT=4242
check "a variable of the caller reaches the step" \
    "$(srun -N1 -n1 sh -c 'echo "${TUNA_X-unset}"')" reached
check "srun --export=PATH,TUNA_X: only those (and SLURM_*) reach it" \
    "$(srun -N1 -n1 --export=PATH,TUNA_X sh -c 'echo "${TUNA_X-unset} ${TUNA_PARENT-unset} ${HOME-unset}"')" \
    "reached unset unset"
check "env -u TUNA_PARENT srun: the rest reaches the step, not TUNA_PARENT" \
    "$(env -u TUNA_PARENT srun -N1 -n1 sh -c 'echo "${TUNA_X-unset} ${TUNA_PARENT-unset}"')" \
    "reached unset"
got=$(srun -N1 -n1 --export=ALL,TUNA_PARENT= sh -c 'echo "${TUNA_PARENT-unset}"')
echo "# srun --export=ALL,TUNA_PARENT= : the step sees TUNA_PARENT=$got (with ALL the caller's value wins: --export cannot drop one variable and keep the rest; take it out of srun's own environment)"
unset TUNA_X TUNA_PARENT

# --- A running step shows in squeue; scancel ends it.
srun -J tuna-sleep -N1 -n1 sleep 30 > /dev/null 2> "$tmp/sleep.err" &
sleep_srun=$!
check_true "srun sleep 30: the job shows in squeue, RUNNING" wait_for 30 job_running tuna-sleep
jid=$(squeue -h -n tuna-sleep -o %i)
check_true "... with its step $jid.0" wait_for 30 steps_running "$jid" 1
scancel "$jid"
check_true "scancel: the job leaves squeue" wait_for 30 job_gone tuna-sleep
wait $sleep_srun
rc=$?
check_true "srun of the cancelled step exits non-zero ($rc)" [ $rc -ne 0 ]
check_contains "... its stderr says CANCELLED" "$tmp/sleep.err" "CANCELLED"

# --- A bad partition is refused with Slurm's message, naming it.
if srun -p nope -N1 -n1 true > /dev/null 2> "$tmp/nope.err"; then
	not_ok "srun -p nope true fails"
else
	ok "srun -p nope true fails"
fi
check_contains "... its stderr names the partition" "$tmp/nope.err" "invalid partition specified: nope"

# --- Sharing the CPUs: 2 × CPUs + 1 jobs at once (OverSubscribe=FORCE; CPUs + 1 on a machine of
# more than 8), and as many steps in one allocation of one CPU (srun --overlap).
n=$((2 * SLURM_CPUS + 1))
[ "$SLURM_CPUS" -le 8 ] || n=$((SLURM_CPUS + 1))
touch "$tmp/hold"
share_pids=""
k=0
while [ $k -lt $n ]; do
	srun -J tuna-share -N1 -n1 sh -c "$hold_task" 2>> "$tmp/share.err" &
	share_pids="$share_pids $!"
	k=$((k + 1))
done
check_true "$n jobs of 1 CPU run at once on $SLURM_CPUS CPUs" wait_for 60 jobs_running tuna-share $n
rm -f "$tmp/hold"
fails=0
for p in $share_pids; do wait $p || fails=$((fails + 1)); done
check "... and all end well when let go" "$fails" 0
check_true "... and leave squeue" wait_for 30 job_gone tuna-share
salloc --no-shell -J tuna-alloc -N1 -n1 2> "$tmp/salloc.err"
alloc=$(squeue -h -n tuna-alloc -o %i)
check_true "salloc --no-shell -n1: an allocation ($alloc)" [ -n "$alloc" ]
touch "$tmp/hold"
share_pids=""
k=0
while [ $k -lt $n ]; do
	srun --jobid="$alloc" --overlap -N1 -n1 sh -c "$hold_task" 2>> "$tmp/share.err" &
	share_pids="$share_pids $!"
	k=$((k + 1))
done
check_true "$n steps at once in it with srun --overlap" wait_for 60 steps_running "$alloc" $n
rm -f "$tmp/hold"
fails=0
for p in $share_pids; do wait $p || fails=$((fails + 1)); done
check "... and all end well when let go" "$fails" 0

# --- The start cost of a step (printed, not asserted): 20 jobs one after another, then 20
# steps in the allocation.
t0=$(now_ms)
fails=0
k=0
while [ $k -lt 20 ]; do srun -N1 -n1 true 2>> "$tmp/seq.err" || fails=$((fails + 1)); k=$((k + 1)); done
t1=$(now_ms)
check "20 steps one after another, each its own job (srun -N1 -n1 true): all succeed" "$fails" 0
queued=$(grep -c "queued and waiting" "$tmp/seq.err")
echo "# srun -N1 -n1 true, 20 one after another: $(((t1 - t0) / 20)) ms a step on average ($((t1 - t0)) ms in all)"
echo "# ... $queued of 20 found the node still finishing the job before and waited for the scheduler's next pass ('queued and waiting for resources')"
t0=$(now_ms)
fails=0
k=0
while [ $k -lt 20 ]; do
	srun --jobid="$alloc" --overlap -N1 -n1 true || fails=$((fails + 1))
	k=$((k + 1))
done
t1=$(now_ms)
check "20 steps one after another in one allocation (srun --jobid --overlap true): all succeed" "$fails" 0
echo "# srun --jobid=ALLOC --overlap true, 20 one after another: $(((t1 - t0) / 20)) ms a step on average ($((t1 - t0)) ms in all)"
scancel "$alloc"
check_true "the allocation ends with scancel" wait_for 30 job_gone tuna-alloc

# --- A second cluster beside this one (another test at the same time): its own ports, conf,
# munged and files, the same node name; neither sees the other's jobs, and stopping it leaves
# this one's running step alone.
touch "$tmp/hold"
srun -J tuna-first -N1 -n1 sh -c "$hold_task" 2> /dev/null &
first_srun=$!
wait_for 30 job_running tuna-first
cat > "$tmp/second.sh" <<'SH'
set -u
. "$1/lib.sh"
. "$1/slurm-lib.sh"
slurm_start || { echo "start failed"; exit 1; }
echo "conf $SLURM_CONF"
echo "ports $slurm_ctld_port $slurm_d_port"
echo "hostname $(srun -N1 -n1 hostname)"
echo "jobs $(squeue -h -o %j | tr '\n' ' ')"
echo ready
while [ -e "$2" ]; do sleep 0.05; done
slurm_stop
echo "stopped $?"
SH
touch "$tmp/second.hold"
sh "$tmp/second.sh" "$(cd "$(dirname "$0")" && pwd)" "$tmp/second.hold" > "$tmp/second.out" 2>&1 &
second=$!
if wait_for 60 file_has "$tmp/second.out" '^ready'; then
	ok "a second cluster starts beside this one"
	check "... srun hostname there" "$(sed -n 's/^hostname //p' "$tmp/second.out")" "$(hostname)"
	# (its own "hostname" job may still be listed, completing, just after its srun returned)
	check "... none of this cluster's jobs in its squeue" \
	    "$(sed -n 's/^jobs //p' "$tmp/second.out" | tr ' ' '\n' | grep -c '^tuna-first$')" 0
	check_true "... its own slurm.conf" [ "$(sed -n 's/^conf //p' "$tmp/second.out")" != "$SLURM_CONF" ]
	ports=$(sed -n 's/^ports //p' "$tmp/second.out")
	check_true "... its own ports ($ports; ours $slurm_ctld_port $slurm_d_port)" \
	    [ "$ports" != "$slurm_ctld_port $slurm_d_port" ]
	check "this cluster still runs steps meanwhile" "$(srun -N1 -n1 hostname)" "$(hostname)"
	check "... and lists only its own jobs" "$(squeue -h -t PENDING,RUNNING -o %j)" tuna-first
else
	not_ok "a second cluster starts beside this one:"
	sed 's/^/    /' "$tmp/second.out"
fi
rm -f "$tmp/second.hold"
wait $second
check "the second cluster stops cleanly" "$(sed -n 's/^stopped //p' "$tmp/second.out")" 0
check "this cluster's step still runs after the other stopped" \
    "$(squeue -h -n tuna-first -o %T)" RUNNING
check "this cluster still runs steps" "$(srun -N1 -n1 hostname)" "$(hostname)"
rm -f "$tmp/hold"
wait $first_srun
check "the step ends well when let go" "$?" 0
wait_for 30 job_gone tuna-first

# --- Findings for the executor (printed, not asserted): how long a step outlives its srun.
upstep="echo up; exec sleep 300"
# (1) srun SIGKILLed alone: srun forks a child of its own that watches it and cancels the job.
srun -J tuna-k1 -N1 -n1 sh -c "$upstep" > "$tmp/k1.out" 2> /dev/null &
k1=$!
wait_for 30 file_has "$tmp/k1.out" up
t0=$(now_ms)
kill -9 $k1
if wait_for 60 job_gone tuna-k1; then
	echo "# srun SIGKILLed (its watching child alive): the job left squeue after $(($(now_ms) - t0)) ms"
else
	echo "# srun SIGKILLed (its watching child alive): the job still in squeue after 60 s"
fi
check_true "... no slurmstepd or task of ours left after it" wait_for 30 no_steps
wait $k1 2> /dev/null

# (2) srun and its watching child SIGKILLed together (its whole process group: a service
# manager killing tunad's group, a timeout): the task of 2 s ends, the job does not.
setsid srun -J tuna-k2 -N1 -n1 sh -c "echo up; exec sleep 2" > "$tmp/k2.out" 2> /dev/null &
k2=$!	# setsid execs srun (the shell's child is no group leader): $k2 is srun's pid and group
wait_for 30 file_has "$tmp/k2.out" up
t0=$(now_ms)
kill -s KILL -- -$k2
if wait_for 8 job_gone tuna-k2; then
	echo "# srun and its child SIGKILLed (their process group): the job left squeue after $(($(now_ms) - t0)) ms"
else
	echo "# srun and its child SIGKILLed (their process group): the job is still $(squeue -h -n tuna-k2 -o %T) in squeue 8 s later, its task ended 2 s after the start"
	echo "# ... nobody ends an allocation srun made (InactiveLimit=0, the default; with InactiveLimit=N, slurmctld cancels it after N s, checking every 30 s)"
fi
scancel -n tuna-k2
check_true "... scancel ends it" wait_for 30 job_gone tuna-k2

# (3) srun's stdin closed and the reader of its stdout gone (the daemon holding both pipes
# killed): a step reading stdin (cat) sees EOF and ends.
mkfifo "$tmp/pipe.in" "$tmp/pipe.out"
srun -J tuna-p1 -N1 -n1 cat < "$tmp/pipe.in" > "$tmp/pipe.out" 2> "$tmp/p1.err" &
p1=$!
exec 3> "$tmp/pipe.in" 4< "$tmp/pipe.out"
echo '{}' >&3
read -r line <&4
check "srun cat through pipes echoes a line" "$line" '{}'
t0=$(now_ms)
exec 3>&- 4<&-
if wait_for 60 job_gone tuna-p1; then
	echo "# srun running cat, its stdin closed and its stdout reader gone: the job left squeue after $(($(now_ms) - t0)) ms"
else
	echo "# srun running cat, its stdin closed and its stdout reader gone: the job still in squeue after 60 s"
fi
wait $p1
echo "# ... srun exited with status $?"

# (4) The same with a step that never reads stdin and writes a line every 0.1 s (a trial
# training): srun ignores SIGPIPE and EOF changes nothing for the step.
srun -J tuna-p2 -N1 -n1 sh -c 'while :; do echo tick; sleep 0.1; done' < "$tmp/pipe.in" > "$tmp/pipe.out" \
    2> "$tmp/p2.err" &
p2=$!
exec 3> "$tmp/pipe.in" 4< "$tmp/pipe.out"
read -r line <&4
check "srun of a step writing ticks through pipes: a tick" "$line" tick
t0=$(now_ms)
exec 3>&- 4<&-
if wait_for 5 job_gone tuna-p2; then
	echo "# srun of a writing step, its stdin closed and its stdout reader gone: the job left squeue after $(($(now_ms) - t0)) ms"
else
	state="srun $(kill -0 $p2 2> /dev/null && echo alive || echo gone)"
	echo "# srun of a writing step, its stdin closed and its stdout reader gone: the job still $(squeue -h -n tuna-p2 -o %T) after 5 s, $state (the broken pipe does not end srun: the step runs until it ends by itself, or the executor kills srun)"
fi
# (5) How the executor can stop it: SIGTERM to srun.
t0=$(now_ms)
kill $p2 2> /dev/null
wait $p2
rc=$?
wait_for 60 job_gone tuna-p2
echo "# ... then srun SIGTERMed: it exited with status $rc and the job left squeue after $(($(now_ms) - t0)) ms"
check_true "... no slurmstepd or task of ours left" wait_for 30 no_steps

# --- slurm_stop leaves nothing.
slurm_stop
check "slurm_stop" "$?" 0
check "no process of the cluster left (daemons, slurmstepd, tasks)" "$(slurm_procs)" ""
left=""
for d in /proc/[0-9]*; do
	tr '\0' ' ' 2> /dev/null < "$d/cmdline" | grep -qF "$slurm_dir/" &&
	    slurm_pid_alive "${d#/proc/}" && left="$left ${d#/proc/}"
done
check "no process naming the cluster's folder (slurmctld, slurmd, munged)" "$left" ""
check_true "munged removed its socket" [ ! -e "$slurm_munge_sock" ]
slurm_stop
check "slurm_stop again: nothing to do" "$?" 0
finish
