# slurm-lib.sh: a private one-node Slurm cluster for the tests (sourced after lib.sh, and after
# daemon-lib.sh when a test uses both: it chains its cleanup into the EXIT trap in force when it
# is sourced). Everything lives in $tmp/slurm/ and goes with it: a munge key and a munged on its
# own socket (never /run/munge, nor a system munged), a slurm.conf (never /etc/slurm), slurmctld
# and slurmd on ports found free at run time, their state, spool, pid and log files. Two test
# scripts may each run a cluster at once: the node has the same name (the host's) in both, but
# not the ports, the conf, the munge socket nor any file.
#
#   slurm_can_run   false, with the reason in $slurm_why, where no cluster can run here (not
#                   root; slurmctld, slurmd, munged or srun missing): print "# skipped: $slurm_why"
#   slurm_start     start the cluster; return once the node is idle (at most 60 s × $slow, else
#                   print the logs and fail). Exports SLURM_CONF (srun, squeue, sinfo, scontrol
#                   and scancel read it), SLURM_PARTITION, SLURM_NODE and SLURM_CPUS.
#                   $slurm_conf_extra, if set, is appended to slurm.conf (e.g. InactiveLimit=10)
#   slurm_stop      cancel every job and wait for squeue to be empty, stop slurmd, slurmctld,
#                   then any slurmstepd or slurmscriptd of ours and munged (TERM, KILL after
#                   10 s × $slow), and fail, naming them, if any process of the cluster is left.
#                   Idempotent; the EXIT trap calls it too (and TERM, INT and HUP exit)
#   slurm_procs     the cluster's processes still running, one pid a line: the daemons, our
#                   slurmstepd and slurmscriptd processes, and the steps' tasks
#   slurm_jobs      the cluster's jobs in squeue, one "JOBID STATE" a line
#
# slurmctld and slurmd are the test shell's children: wait for given pids, never a bare `wait`
# (it would wait for them too).
#
# Only root can run a cluster: slurmd starts each step as its user through slurmstepd, and that
# needs root (SlurmdUser); SlurmUser is root here too, so no account is needed, and every job
# is root's. The node's CPUs are the machine's (nproc); its partition lets jobs share them.

slurm_dir="$tmp/slurm"
slurm_conf="$slurm_dir/slurm.conf"
slurm_munge_sock="$slurm_dir/munge.sock"
slurm_started=""	# "yes" between slurm_start and slurm_stop
slurm_why=""
slow=${slow:-${TUNA_TIME_FACTOR:-1}}
PATH="$PATH:/usr/sbin:/sbin"	# the daemons are in sbin, not always on a user's PATH

# Chain into the EXIT trap in force (lib.sh's, or daemon-lib.sh's): dash cannot read it through
# $(trap), but `trap` prints it in the current shell, as `trap -- 'ACTION' EXIT`.
slurm_prev_exit=""
slurm_keep_trap() { slurm_prev_exit=$2; }
trap > "$tmp/.traps"
eval "$(sed -n "s/^trap -- \\(.*\\) EXIT\$/slurm_keep_trap -- \\1/p" "$tmp/.traps")"
rm -f "$tmp/.traps"
trap 'slurm_stop > /dev/null 2>&1; eval "$slurm_prev_exit"' EXIT
# A test killed by meson's timeout, ^C or a closed output pipe stops its cluster too (a shell
# killed by a signal it does not trap runs no EXIT trap). meson sends SIGTERM to the test's
# process group (slurmctld and slurmd are in it, not munged nor the slurmstepds: they have
# sessions of their own) and SIGKILL 0.5 s later: no time for slurm_stop, so SIGKILL to every
# process of the cluster at once first.
slurm_kill() { kill -9 $(slurm_procs) 2> /dev/null; }
trap 'slurm_kill; exit 143' TERM
trap 'slurm_kill; exit 130' INT
trap 'slurm_kill; exit 129' HUP
trap 'slurm_kill; exit 141' PIPE

slurm_can_run() {
	if [ "$(id -u)" -ne 0 ]; then
		slurm_why="not root: slurmd must run as root to start job steps"
		return 1
	fi
	for slurm_p in slurmctld slurmd munged mungekey srun sinfo squeue scancel scontrol python3; do
		if ! command -v $slurm_p > /dev/null 2>&1; then
			slurm_why="$slurm_p not found (Debian: apt-get install slurm-wlm munge; scripts/setup does)"
			return 1
		fi
	done
	return 0
}

# slurm_free_ports N: N distinct TCP ports free at the moment (bound together to port 0, then
# released), one a line.
slurm_free_ports() {
	python3 -c '
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("", 0))
    socks.append(s)
for s in socks:
    print(s.getsockname()[1])
' "$1"
}

# slurm_pid_alive PID: the process exists and is not a zombie.
slurm_pid_alive() {
	[ -n "$1" ] && kill -0 "$1" 2> /dev/null &&
	    ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2> /dev/null
}

# slurm_logs: every log of the cluster, for a failure.
slurm_logs() {
	for f in "$slurm_dir"/munged.log "$slurm_dir"/slurmctld.log "$slurm_dir"/slurmd.log \
	    "$slurm_dir"/*.out; do
		[ -s "$f" ] || continue
		echo "# --- $f (last 40 lines)"
		tail -n 40 "$f" | sed 's/^/#   /'
	done
}

# slurm_fail MESSAGE: say why the cluster did not start, with its logs; stop what did start.
slurm_fail() {
	echo "# slurm_start: $1"
	slurm_logs
	slurm_stop > /dev/null 2>&1
	return 1
}

# slurm_write_conf: slurm.conf with new free ports.
slurm_write_conf() {
	set -- $(slurm_free_ports 2)
	slurm_ctld_port=$1
	slurm_d_port=$2
	# RealMemory at most what the node has (else slurmctld drains it): half of it. CR_CPU: memory
	# is not a consumable resource, only a check.
	slurm_mem=$(awk '/^MemTotal:/ { m = int($2 / 1024 / 2); print (m > 1 ? m : 1) }' /proc/meminfo)
	cat > "$slurm_conf" <<CONF
# A one-node cluster for tuna's tests (tests/slurm-lib.sh), in $slurm_dir.
ClusterName=tuna-test
# Everything on the loopback: the node's name need not resolve.
SlurmctldHost=$SLURM_NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$slurm_ctld_port
SlurmdPort=$slurm_d_port
AuthType=auth/munge
AuthInfo=socket=$slurm_munge_sock
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
# No SPANK plugins: not /etc/slurm/plugstack.conf, the default.
PlugStackConfig=$slurm_dir/plugstack.conf
StateSaveLocation=$slurm_dir/state
SlurmdSpoolDir=$slurm_dir/spool
SlurmctldPidFile=$slurm_dir/slurmctld.pid
SlurmdPidFile=$slurm_dir/slurmd.pid
SlurmctldLogFile=$slurm_dir/slurmctld.log
SlurmdLogFile=$slurm_dir/slurmd.log
# Quick tests: short timeouts; a job's record kept 30 s after it ends.
KillWait=2
MessageTimeout=5
SlurmdTimeout=30
SlurmctldTimeout=30
UnkillableStepTimeout=30
MinJobAge=30
NodeName=$SLURM_NODE NodeAddr=127.0.0.1 CPUs=$SLURM_CPUS RealMemory=$slurm_mem State=UNKNOWN
# Each srun outside an allocation is a job of its own, and select/cons_tres gives a job
# whole CPUs: OverSubscribe=FORCE:8 lets up to 8 jobs share each CPU (steps inside one
# allocation share its CPUs with srun --overlap).
PartitionName=$SLURM_PARTITION Nodes=$SLURM_NODE Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:8
${slurm_conf_extra:-}
CONF
}

# slurm_start: see the top. $slurm_conf_extra, if set, is appended to slurm.conf.
slurm_start() {
	slurm_can_run || { echo "# slurm_start: $slurm_why"; return 1; }
	rm -rf "$slurm_dir"
	mkdir -p "$slurm_dir/state" "$slurm_dir/spool"
	chmod 755 "$slurm_dir"
	: > "$slurm_dir/plugstack.conf"
	export SLURM_CONF="$slurm_conf" SLURM_PARTITION=debug SLURM_NODE="$(hostname)"
	export SLURM_CPUS="$(nproc)"
	slurm_started=yes

	# munge: a key of our own (0400, root's: munged runs as root, which it allows) and a munged
	# on our own socket, pid, log and seed files. --force: munged wants every directory above
	# its socket searchable by all users, for other users' clients, and $tmp is 0700; only
	# root talks to this munged.
	mungekey -c -k "$slurm_dir/munge.key" > "$slurm_dir/mungekey.out" 2>&1 ||
	    dd if=/dev/urandom of="$slurm_dir/munge.key" bs=1024 count=1 2> /dev/null ||
	    { slurm_fail "cannot create a munge key"; return 1; }
	chmod 0400 "$slurm_dir/munge.key"
	# munged returns once its socket listens (it daemonizes then) and its pid file is written.
	munged --force --socket="$slurm_munge_sock" --key-file="$slurm_dir/munge.key" \
	    --pid-file="$slurm_dir/munged.pid" --log-file="$slurm_dir/munged.log" \
	    --seed-file="$slurm_dir/munged.seed" > "$slurm_dir/munged.out" 2>&1 ||
	    { slurm_fail "munged did not start"; return 1; }
	slurm_munged_pid=$(cat "$slurm_dir/munged.pid" 2> /dev/null)
	[ -S "$slurm_munge_sock" ] && [ -n "$slurm_munged_pid" ] ||
	    { slurm_fail "munged started but has no socket or pid file"; return 1; }

	# slurmctld and slurmd in the foreground (-D), our children: their pids are ours to stop.
	# A port taken between its choice and the daemon's bind: again with new ports (3 tries).
	for slurm_try in 1 2 3; do
		slurm_write_conf
		slurmctld -D -f "$slurm_conf" > "$slurm_dir/slurmctld.out" 2>&1 &
		slurm_ctld_pid=$!
		slurmd -D -f "$slurm_conf" > "$slurm_dir/slurmd.out" 2>&1 &
		slurm_d_pid=$!
		# Wait for the node to be idle: a state, not a time.
		slurm_i=0
		while [ $slurm_i -lt $((600 * slow)) ]; do
			slurm_st=$(sinfo -h -o %T -n "$SLURM_NODE" 2> /dev/null)
			[ "$slurm_st" = idle ] && return 0
			slurm_pid_alive $slurm_ctld_pid && slurm_pid_alive $slurm_d_pid || break
			sleep 0.1; slurm_i=$((slurm_i + 1))
		done
		if slurm_pid_alive $slurm_ctld_pid && slurm_pid_alive $slurm_d_pid; then
			slurm_fail "the node is not idle after $((60 * slow)) s (sinfo: '$slurm_st')"
			return 1
		fi
		slurm_term $slurm_d_pid
		slurm_term $slurm_ctld_pid
		wait $slurm_d_pid $slurm_ctld_pid 2> /dev/null
		grep -qs "Address already in use" "$slurm_dir"/slurmctld.log "$slurm_dir"/slurmd.log \
		    "$slurm_dir"/slurmctld.out "$slurm_dir"/slurmd.out || break
		echo "# slurm_start: port $slurm_ctld_port or $slurm_d_port was taken; new ports"
		rm -f "$slurm_dir"/slurmctld.log "$slurm_dir"/slurmd.log
	done
	slurm_fail "slurmctld or slurmd exited"
}

# slurm_jobs: the cluster's jobs, "JOBID STATE" a line (none: nothing).
slurm_jobs() { squeue -h -o '%i %T' 2> /dev/null; }

# slurm_strays [COMM...]: the pids of our daemons' detached processes named COMM (default:
# slurmstepd and slurmscriptd), then the tasks of our slurmstepds. A slurmstepd is slurmd's
# grandchild, in a session of its own, reparented to init, renamed "slurmstepd: [JOB.STEP]";
# slurmscriptd is slurmctld's helper. Ours inherited our SLURM_CONF from slurmd or slurmctld
# (exported before they started), or hold a file of $slurm_dir open (slurmd's log); those of a
# cluster another test runs at the same time do not.
slurm_strays() {
	[ $# -gt 0 ] || set -- slurmstepd slurmscriptd
	slurm_s=""
	for slurm_pd in /proc/[0-9]*; do	# (builtins only: one fork a process would be slow)
		{ read -r slurm_c < "$slurm_pd/comm"; } 2> /dev/null || continue
		case " $* " in *" $slurm_c "*) ;; *) continue ;; esac
		slurm_pid_alive "${slurm_pd#/proc/}" || continue
		if tr '\0' '\n' 2> /dev/null < "$slurm_pd/environ" | grep -qxF "SLURM_CONF=$slurm_conf" ||
		    ls -l "$slurm_pd/fd/" 2> /dev/null | grep -qF -- "-> $slurm_dir/"; then
			slurm_s="$slurm_s ${slurm_pd#/proc/}"
		fi
	done
	[ -n "$slurm_s" ] || return 0
	echo $slurm_s
	for slurm_pd in /proc/[0-9]*; do	# the children of our slurmstepds: the steps' tasks
		slurm_pp=""
		{ while read -r slurm_k slurm_v; do
			[ "$slurm_k" = PPid: ] && { slurm_pp=$slurm_v; break; }
		done < "$slurm_pd/status"; } 2> /dev/null
		case " $slurm_s " in
		*" $slurm_pp "*) slurm_pid_alive "${slurm_pd#/proc/}" && echo "${slurm_pd#/proc/}" ;;
		esac
	done
}

# slurm_procs: the cluster's processes still running, one a line.
slurm_procs() {
	for slurm_p in ${slurm_d_pid:-} ${slurm_ctld_pid:-} ${slurm_munged_pid:-}; do
		slurm_pid_alive $slurm_p && echo $slurm_p
	done
	for slurm_p in $(slurm_strays); do echo $slurm_p; done
}

# slurm_wait_gone PIDS...: wait (at most 10 s × $slow) for the processes to exit.
slurm_wait_gone() {
	slurm_i=0
	while [ $slurm_i -lt $((100 * slow)) ]; do
		slurm_left=""
		for slurm_p in "$@"; do slurm_pid_alive $slurm_p && slurm_left="$slurm_left $slurm_p"; done
		[ -z "$slurm_left" ] && return 0
		sleep 0.1; slurm_i=$((slurm_i + 1))
	done
	return 1
}

# slurm_term PIDS...: TERM, wait for them, KILL those left.
slurm_term() {
	[ $# -gt 0 ] || return 0
	kill "$@" 2> /dev/null
	slurm_wait_gone "$@" && return 0
	kill -9 "$@" 2> /dev/null
	slurm_wait_gone "$@"
}

slurm_stop() {
	[ -n "$slurm_started" ] || return 0
	if slurm_pid_alive "${slurm_ctld_pid:-}"; then
		# Every job cancelled; wait (at most 10 s × $slow) for squeue to be empty.
		scancel --full --user=root 2> /dev/null
		slurm_i=0
		while [ -n "$(slurm_jobs)" ] && [ $slurm_i -lt $((100 * slow)) ]; do
			sleep 0.1; slurm_i=$((slurm_i + 1))
		done
	fi
	slurm_term ${slurm_d_pid:-}
	slurm_term ${slurm_ctld_pid:-}
	wait ${slurm_d_pid:-} ${slurm_ctld_pid:-} 2> /dev/null
	slurm_term $(slurm_strays)
	slurm_term ${slurm_munged_pid:-}
	slurm_started=""
	slurm_left=$(slurm_procs)
	if [ -n "$slurm_left" ]; then
		echo "# slurm_stop: processes left: $(echo $slurm_left)"
		return 1
	fi
	return 0
}
