#!/bin/sh
# limits.sh: resource limits per trial. tuna-worker applies a trial's "limits" itself, trial
# after trial in one process (seen in /proc/PID/limits: the CPU limit re-armed from the CPU time
# used so far, the address-space limit raised again by a later trial, both back when a trial
# has none; a limit too low for OpenBLAS's buffer fails the trial before training instead of
# letting OpenBLAS retry forever); then a private tunad: a submit refused because the model
# cannot fit its address_space_mb; trials killed at their cpu_seconds (SIGXCPU) and failed with
# that cause while the search goes on; trials failed at their address_space_mb with the
# allocation's message; and the default limits, seen in /proc while a trial runs, under which a
# normal search completes. Under AddressSanitizer the address-space limit is not applied (the worker
# says so in its start event), and those checks are skipped, saying so.
set -u
tunad=${1:?usage: limits.sh TUNAD TUNA TUNA-WORKER}
tuna=$2
worker=$3
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
slow=${slow:-1}
export OPENBLAS_NUM_THREADS=1	# as tunad runs its workers

make_csv "$tmp/small.csv" 600 1
make_csv "$tmp/big.csv" 60000 3 8
small="{\"format\":\"csv\",\"train\":\"$tmp/small.csv\"}"
big="{\"format\":\"csv\",\"train\":\"$tmp/big.csv\"}"

# soft PID NAME / hard PID NAME: a limit of a process from /proc/PID/limits ("cpu time",
# "address space"), as written there: a number or "unlimited".
soft() { sed -n "s/^Max $2  *\([^ ]*\)  *\([^ ]*\).*/\1/p" "/proc/$1/limits"; }
hard() { sed -n "s/^Max $2  *\([^ ]*\)  *\([^ ]*\).*/\2/p" "/proc/$1/limits"; }
# cpu_used PID: the CPU seconds a process has used (all its threads), rounded down.
cpu_used() { awk -v t="$(getconf CLK_TCK)" '{ print int(($14 + $15) / t) }' "/proc/$1/stat"; }
# within N LO HI: LO <= N <= HI.
within() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
# wait_lines FILE TEXT N: until FILE has N lines containing TEXT (at most 60 s × $slow).
wait_lines() {
	i=0
	while [ "$(grep -cF -- "$2" "$1")" -lt "$3" ] && [ $i -lt $((600 * slow)) ]; do
		sleep 0.1; i=$((i + 1))
	done
}

# Bad limits in a trial: refused with the JSON path.
echo "{\"dataset\":$small,\"epochs\":1,\"limits\":{\"cpu_seconds\":0}}" > "$tmp/t.json"
"$worker" "$tmp/t.json" > "$tmp/out" 2>&1
check "worker: bad cpu_seconds: exit status" "$?" 2
check_contains "worker: bad cpu_seconds: message" "$tmp/out" "limits.cpu_seconds: must be an integer in [1, 31536000]"
echo "{\"dataset\":$small,\"epochs\":1,\"limits\":{\"address_space_mb\":10}}" > "$tmp/t.json"
"$worker" "$tmp/t.json" > "$tmp/out" 2>&1
check_contains "worker: bad address_space_mb: message" "$tmp/out" "limits.address_space_mb: must be an integer in [64, 16777216]"
echo "{\"dataset\":$small,\"epochs\":1,\"limits\":{\"rss_mb\":10}}" > "$tmp/t.json"
"$worker" "$tmp/t.json" > "$tmp/out" 2>&1
check_contains "worker: unknown limit: message" "$tmp/out" "limits.rss_mb: unknown key"

# Is the address-space limit applied? Not under AddressSanitizer: the start event says so.
echo "{\"dataset\":$small,\"epochs\":1,\"limits\":{\"address_space_mb\":8192,\"cpu_seconds\":60}}" > "$tmp/t.json"
"$worker" "$tmp/t.json" > "$tmp/out" 2>&1
check "worker: a trial with limits runs" "$?" 0
if grep -q '"limits":{"address_space_mb":null,"cpu_seconds":60,"note":"address_space_mb not applied: AddressSanitizer' "$tmp/out"; then
	asan=1
	echo "# AddressSanitizer build: the address-space limit is not applied (its shadow memory reserves terabytes of address space); those checks are skipped"
else
	asan=0
	check_contains "worker: the start event reports the limits" "$tmp/out" '"limits":{"address_space_mb":8192,"cpu_seconds":60}'
fi

# A limit too low for OpenBLAS's buffer (which it would retry forever): refused before training.
if [ $asan = 0 ]; then
	echo "{\"dataset\":$small,\"epochs\":1,\"limits\":{\"address_space_mb\":150}}" > "$tmp/t.json"
	"$worker" "$tmp/t.json" > "$tmp/out" 2>&1
	check "worker: no room for OpenBLAS: exit status" "$?" 2
	check_contains "worker: no room for OpenBLAS: message" "$tmp/out" '"error":"address-space limit reached (limits.address_space_mb = 150): '
	check_contains "worker: no room for OpenBLAS: why" "$tmp/out" 'OpenBLAS maps 130 MiB per trainer thread'
fi

# One process, trial after trial: each trial's limits in /proc/PID/limits while it runs
# (step control: each waits at epoch 0 until told to go on).
mkfifo "$tmp/in"
"$worker" - < "$tmp/in" > "$tmp/stream" 2> "$tmp/stream.err" &
wpid=$!
pids="$pids $wpid"
exec 3> "$tmp/in"
as0=$(soft $wpid "address space"); ash=$(hard $wpid "address space")
cpu0=$(soft $wpid "cpu time"); cpuh=$(hard $wpid "cpu time")
echo "{\"id\":1,\"dataset\":$big,\"epochs\":3,\"control\":\"step\",\"params\":{\"hidden_units\":256,\"batch_size\":32},\"limits\":{\"address_space_mb\":2048,\"cpu_seconds\":30}}" >&3
wait_lines "$tmp/stream" '"event":"start"' 1
s=$(soft $wpid "cpu time")
check_true "stream: trial 1: CPU soft limit $s is 30 s after the CPU used so far ($(cpu_used $wpid) s)" \
    within "$s" 30 $(($(cpu_used $wpid) + 31))
check "stream: trial 1: CPU hard limit untouched" "$(hard $wpid "cpu time")" "$cpuh"
if [ $asan = 0 ]; then
	check "stream: trial 1: address-space soft limit" "$(soft $wpid "address space")" $((2048 * 1048576))
	check "stream: trial 1: address-space hard limit untouched" "$(hard $wpid "address space")" "$ash"
fi
printf '{"cmd":"continue"}\n%.0s' 1 2 3 4 >&3	# at epoch 0 and after each of the 3 epochs
wait_lines "$tmp/stream" '"event":"done"' 1
used=$(cpu_used $wpid)
echo "# trial 1 used $used s of CPU"
echo "{\"id\":2,\"dataset\":$small,\"epochs\":1,\"control\":\"step\",\"limits\":{\"address_space_mb\":4096,\"cpu_seconds\":7}}" >&3
wait_lines "$tmp/stream" '"event":"start"' 2
s=$(soft $wpid "cpu time")
# (the worker rounds the CPU time it has used up, from getrusage, which can run a second ahead
# of /proc's whole seconds at a boundary: hence + 9)
check_true "stream: trial 2: CPU soft limit $s re-armed: 7 s after the $used s trial 1 used" \
    within "$s" $((used + 7)) $(($(cpu_used $wpid) + 9))
if [ $asan = 0 ]; then
	check "stream: trial 2: a larger address-space limit again" "$(soft $wpid "address space")" $((4096 * 1048576))
fi
printf '{"cmd":"continue"}\n%.0s' 1 2 >&3
wait_lines "$tmp/stream" '"event":"done"' 2
echo "{\"id\":3,\"dataset\":$small,\"epochs\":1,\"control\":\"step\"}" >&3
wait_lines "$tmp/stream" '"event":"start"' 3
check "stream: trial 3 without limits: CPU soft limit as the process started" "$(soft $wpid "cpu time")" "$cpu0"
check "stream: trial 3 without limits: address space as the process started" "$(soft $wpid "address space")" "$as0"
check_contains "stream: trial 3 reports no limits" "$tmp/stream" '"limits":{"address_space_mb":null,"cpu_seconds":null}'
printf '{"cmd":"continue"}\n%.0s' 1 2 >&3
exec 3>&-
wait $wpid
check "stream: three trials done, exit status" "$?/$(grep -c '"event":"done"' "$tmp/stream")" "0/3"

# The daemon.
start_daemon

# A model that cannot fit its address_space_mb is refused at submit, with both numbers.
cat > "$tmp/huge.json" <<JSON
{"dataset": $small, "trials": 1, "limits": {"address_space_mb": 64},
 "params": {"hidden_units": 4096, "layers": 2}}
JSON
"$tuna" submit "$tmp/huge.json" > "$tmp/out" 2>&1
check "submit over address_space_mb: exit status" "$?" 1
check_contains "submit over address_space_mb: message" "$tmp/out" "limits.address_space_mb: a worker needs about "
check_contains "submit over address_space_mb: the limit" "$tmp/out" "more than the limit of 64 MiB"
check "submit over address_space_mb: no search recorded" "$(q "select count(*) from searches")" 0

# Trials that need more CPU than cpu_seconds: killed by SIGXCPU, failed with that cause; the
# search goes on to its next trial, and ends.
cat > "$tmp/cpu.json" <<JSON
{"name": "cpu", "dataset": $big, "trials": 2, "parallel": 1, "epochs": 1000,
 "limits": {"cpu_seconds": 1}, "params": {"hidden_units": 1024, "layers": 3, "batch_size": 16}}
JSON
id=$(submit_id "$tmp/cpu.json")
check_true "cpu: submitted ($id)" [ -n "$id" ]
wait_search "$id"
check "cpu: the search ended" "$(q "select status from searches where id=$id")" done
check "cpu: both trials ran and failed" "$(q "select count(*) from trials where search_id=$id and status='failed'")" 2
check "cpu: the cause" "$(q "select distinct error from trials where search_id=$id")" \
    "CPU time limit reached (limits.cpu_seconds = 1): the worker was killed by SIGXCPU"
check "cpu: the signal recorded" "$(q "select distinct signal from trials where search_id=$id")" 24

# A model past address_space_mb (the estimate fits, the process with OpenBLAS does not): the
# allocation that fails aborts the worker, and its message is the trial's error.
if [ $asan = 0 ]; then
	cat > "$tmp/as.json" <<JSON
{"name": "as", "dataset": $big, "trials": 2, "parallel": 1, "epochs": 2,
 "limits": {"address_space_mb": 200}, "params": {"hidden_units": 2048, "layers": 3, "batch_size": 16}}
JSON
	id=$(submit_id "$tmp/as.json")
	check_true "address space: submitted ($id)" [ -n "$id" ]
	wait_search "$id"
	check "address space: the search ended" "$(q "select status from searches where id=$id")" done
	check "address space: both trials failed" "$(q "select count(*) from trials where search_id=$id and status='failed'")" 2
	q "select error from trials where search_id=$id" > "$tmp/err"
	check "address space: the cause names the limit (2 trials)" "$(grep -c '^address-space limit reached (limits.address_space_mb = 200): ' "$tmp/err")" 2
	check_contains "address space: the allocation that failed" "$tmp/err" "bytes failed"
else
	echo "# skipped: a trial past address_space_mb (AddressSanitizer: the limit is not applied)"
fi

# Default limits: seen in /proc while a trial runs (the address space from the estimate, a day
# of CPU per thread); then cancelled.
cat > "$tmp/long.json" <<JSON
{"name": "long", "dataset": $big, "trials": 1, "parallel": 1, "epochs": 1000,
 "params": {"hidden_units": 64, "batch_size": 64}}
JSON
id=$(submit_id "$tmp/long.json")
check_true "defaults: submitted ($id)" [ -n "$id" ]
check "defaults: address_space_mb in the stored spec: max(4 GiB, 4 x estimate) + 256 MiB" \
    "$(q "select json_extract(spec, '\$.limits.address_space_mb') from searches where id=$id")" 4352
check "defaults: cpu_seconds in the stored spec: a day per thread" \
    "$(q "select json_extract(spec, '\$.limits.cpu_seconds') from searches where id=$id")" 86400
i=0; w=""
while [ $i -lt $((300 * slow)) ]; do
	w=$(pgrep -P "$daemon_pid" -f tuna-worker | head -n 1)
	[ -n "$w" ] && [ "$(soft "$w" "cpu time" 2>/dev/null)" != unlimited ] && break
	sleep 0.1; i=$((i + 1))
done
check_true "defaults: a worker runs the trial ($w)" [ -n "$w" ]
s=$(soft "$w" "cpu time")
check_true "defaults: /proc/$w/limits: CPU soft limit $s is 86400 s after the CPU used so far" \
    within "$s" 86400 $(($(cpu_used "$w") + 86401))
if [ $asan = 0 ]; then
	check "defaults: /proc/$w/limits: address-space soft limit" "$(soft "$w" "address space")" $((4352 * 1048576))
fi
"$tuna" cancel "$id" > /dev/null 2>&1
wait_search "$id"

# A normal search under the default limits completes.
cat > "$tmp/normal.json" <<JSON
{"name": "normal", "dataset": $small, "trials": 3, "parallel": 2, "epochs": 3,
 "params": {"alpha": {"scale": "log", "min": 1e-3, "max": 3e-2}, "hidden_units": 16}}
JSON
id=$(submit_id "$tmp/normal.json")
wait_search "$id"
check "defaults: a normal search completes" "$(q "select status || ' ' || (select count(*) from trials where search_id=$id and status='done') from searches where id=$id")" "done 3"

kill -TERM "$daemon_pid"
i=0; while kill -0 "$daemon_pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check_true "daemon stopped" [ $i -lt 100 ]
finish
