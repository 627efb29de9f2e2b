#!/bin/sh
# daemon.sh: a private tunad on a temporary socket and database — the protocol and its errors,
# bad specs, vanishing clients, a caviar search end to end with the CLI and the sqlite3 shell,
# reproducible sampling, cancel, failing workers, shutdown, restart and a second daemon.
set -u
tunad=${1:?usage: daemon.sh TUNAD TUNA TUNA-WORKER SOCKCAT}
tuna=$2
worker=$3
sockcat=$4
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/daemon-lib.sh"

# req LINE: one request line, its reply line.
req() { printf '%s\n' "$1" | "$sockcat" -n 1 -t $((10 * slow)) "$sock"; }

make_csv "$tmp/train.csv" 600 1
make_csv "$tmp/test.csv" 150 2
ds="{\"format\":\"csv\",\"train\":\"$tmp/train.csv\",\"test\":\"$tmp/test.csv\"}"

# The first daemon's workers pass through a gate: while $tmp/hold exists, a new worker waits
# before it starts its trial (the cancel test holds its trials there). Data-set checks
# (--check, at submit) pass straight through; so they do in every fake worker below.
checks="[ \"\$1\" = --check ] && exec \"$worker\" \"\$@\""
printf '#!/bin/sh\n%s\nwhile [ -e "%s/hold" ]; do sleep 0.05; done\nexec "%s" "$@"\n' "$checks" "$tmp" "$worker" > "$tmp/gated"
chmod +x "$tmp/gated"
launch_daemon --worker "$tmp/gated" --workers 2
check_true "daemon listening" [ -S "$sock" ]
check "socket mode 0600" "$(stat -c %a "$sock")" 600
check "database mode 0600" "$(stat -c %a "$db")" 600
check_contains "hello" "$(req '{"type":"hello","id":7}' > "$tmp/r"; echo "$tmp/r")" '"version":1'
check_contains "hello echoes the id" "$tmp/r" '"id":7'

# Another user is refused (SO_PEERCRED), even when the file modes would let it in.
if [ "$(id -u)" -eq 0 ] && command -v setpriv > /dev/null; then
	chmod 755 "$tmp"; chmod 666 "$sock"
	cp "$sockcat" "$tmp/sockcat-other"; chmod 755 "$tmp/sockcat-other"	# reachable by uid 65534
	echo '{"type":"hello"}' | setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$tmp/sockcat-other" -n 1 -t 5 "$sock" > "$tmp/r" 2>&1
	check_contains "another uid is refused" "$tmp/r" "connections from uid 65534 are refused"
	chmod 700 "$tmp"; chmod 600 "$sock"
	check_contains "root and our own uid are served" "$(req '{"type":"hello"}' > "$tmp/r"; echo "$tmp/r")" '"ok":true'
fi

# The protocol: every bad line gets an error reply naming what is wrong.
bad_req() {
	req "$2" > "$tmp/r"
	check_contains "protocol: $1" "$tmp/r" "$3"
}
bad_req "broken JSON" '{"type":' 'invalid JSON'
bad_req "not an object" '[1,2]' 'must be a JSON object'
bad_req "no type" '{"id":1}' 'type: must be a string'
bad_req "unknown type" '{"type":"dance"}' 'unknown request'
bad_req "type not a string" '{"type":5}' 'type: must be a string'
bad_req "search not an integer" '{"type":"status","search":"x"}' 'search: must be an integer'
bad_req "negative n" '{"type":"best","n":-3}' 'n: must be an integer'
bad_req "unknown member" '{"type":"status","colour":1}' 'colour: unknown member'
bad_req "cancel without search" '{"type":"cancel"}' 'search: missing'
bad_req "cancel unknown search" '{"type":"cancel","search":99}' 'search 99: not running'
bad_req "status unknown search" '{"type":"status","search":99}' 'no such search'
bad_req "watch follow not bool" '{"type":"watch","follow":1}' 'follow: must be true or false'
awk 'BEGIN { printf "{\"type\":\"hello\",\"pad\":\""; for (i = 0; i < 10485760 / 64; i++) printf "0123456789012345678901234567890123456789012345678901234567890123"; print "\"}" }' > "$tmp/big"
"$sockcat" -n 1 -t $((20 * slow)) "$sock" < "$tmp/big" > "$tmp/r"
check_contains "protocol: a 10 MB line is refused" "$tmp/r" 'longer than'
printf '{"type":"sta' | "$sockcat" -q "$sock"
printf '{"type":"submit","spec":{"name":"vanished","dataset":%s,"trials":1,"epochs":1}}\n' "$ds" | "$sockcat" -q "$sock"
check_contains "daemon serves the next client after all that" "$(req '{"type":"hello"}' > "$tmp/r"; echo "$tmp/r")" '"ok":true'
i=0; while [ -z "$(q "select id from searches where name='vanished'")" ] && [ $i -lt $((100 * slow)) ]; do sleep 0.1; i=$((i + 1)); done
wait_search "$(q "select id from searches where name='vanished'")"
check "a vanished client's submit is carried out" "$(q "select status from searches where name='vanished'")" done

# Bad specs: refused at submit with the JSON path of the field.
bad_spec() {
	printf '%s\n' "$2" > "$tmp/spec.json"
	"$tuna" submit "$tmp/spec.json" > "$tmp/out" 2>&1
	st=$?
	check "spec: $1: exit status" "$st" 1
	check_contains "spec: $1: message" "$tmp/out" "$3"
}
bad_spec "unknown key" "{\"dataset\":$ds,\"colour\":1}" "colour: unknown key"
bad_spec "negative log min" "{\"dataset\":$ds,\"params\":{\"alpha\":{\"scale\":\"log\",\"min\":-1,\"max\":1}}}" "params.alpha"
bad_spec "min not below max" "{\"dataset\":$ds,\"params\":{\"alpha\":{\"scale\":\"log\",\"min\":0.1,\"max\":0.01}}}" "params.alpha"
bad_spec "beta out of (0,1)" "{\"dataset\":$ds,\"params\":{\"beta1\":{\"scale\":\"one_minus_log\",\"min\":0.9,\"max\":1.5}}}" "params.beta1"
bad_spec "wrong type" "{\"dataset\":$ds,\"trials\":\"many\"}" "trials"
bad_spec "unreadable dataset" "{\"dataset\":\"$tmp/nope.csv\"}" "nope.csv"
bad_spec "model too large" "{\"dataset\":$ds,\"params\":{\"hidden_units\":65536,\"layers\":16}}" "params.hidden_units"
printf '{"dataset": ' > "$tmp/broken.json"
"$tuna_vg" submit "$tmp/broken.json" > "$tmp/out" 2>&1
check "spec: broken JSON file: exit status" "$?" 2
check_contains "spec: broken JSON file: message" "$tmp/out" "broken.json"

# A caviar search end to end.
cat > "$tmp/search.json" <<JSON
{"name": "smoke", "dataset": $ds, "trials": 6, "parallel": 2, "epochs": 3, "seed": 5,
 "params": {"alpha": {"scale": "log", "min": 1e-3, "max": 3e-2},
            "beta1": {"scale": "one_minus_log", "min": 0.8, "max": 0.99},
            "hidden_units": {"scale": "pow2", "min": 8, "max": 32},
            "optimizer": {"values": ["adam", "rmsprop"]}}}
JSON
id=$(submit_id "$tmp/search.json" "$tuna_vg")
check_true "submit prints the search id ($id)" [ -n "$id" ]
"$tuna_vg" tail -f "$id" > "$tmp/tail" 2>&1 &
tail_pid=$!
pids="$pids $tail_pid"
sqlite3 "$db" "select * from best_trials limit 5" > /dev/null 2> "$tmp/sqlerr"
check "sqlite3 reads while the search runs" "$(cat "$tmp/sqlerr")" ""
wait_search "$id"
check "search done" "$(sqlite3 "$db" "select status from searches where id=$id")" done
i=0; while kill -0 $tail_pid 2>/dev/null && [ $i -lt $((100 * slow)) ]; do sleep 0.1; i=$((i + 1)); done
check_true "tail -f ends with the search" [ $i -lt $((100 * slow)) ]
check "six trials done" "$(sqlite3 "$db" "select count(*) from trials where search_id=$id and status='done'")" 6
check "every epoch recorded" "$(sqlite3 "$db" "select count(*) from epochs join trials on trials.id=trial_id where search_id=$id")" 18
check "trial_params rows" "$(sqlite3 "$db" "select count(*) from trial_params join trials on trials.id=trial_id where search_id=$id")" 24
check "categorical values as text" "$(sqlite3 "$db" "select count(*) from trial_params where name='optimizer' and typeof(value)='text'")" 6
check "best_trials ranks by val_acc" "$(sqlite3 "$db" "select count(*) from best_trials a join best_trials b on a.search_id=b.search_id and a.rank<b.rank and a.val_acc<b.val_acc")" 0
check "search_progress" "$(sqlite3 "$db" "select done||'/'||trials from search_progress where search_id=$id")" "6/6"
check "tail shows every trial end" "$(grep -c 'trial_end\|done' "$tmp/tail" | head -1 | awk '{print ($1 >= 6)}')" 1
"$tuna_vg" status "$id" > "$tmp/status" 2>&1
check_contains "status shows the search" "$tmp/status" "smoke"
# the real worker's kernel (the machine's OPENBLAS_CORETYPE, if set, passes through tunad)
"$worker" --blas > "$tmp/blas-choice"
core=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["core"])' < "$tmp/blas-choice")
check "each trial's kernel is the worker's choice" "$(sqlite3 "$db" "select count(*) from trial_kernels where search_id=$id and core='$core'")" 6
check_contains "status shows the kernel" "$tmp/status" "kernel:    $core — "
"$tuna_vg" best "$id" -n 3 > "$tmp/best" 2>&1
check "best -n 3 lists 3 trials" "$(grep -c 'adam\|rmsprop' "$tmp/best")" 3
"$tuna_vg" --json best "$id" -n 1 > "$tmp/bestj" 2>&1
check_contains "best --json" "$tmp/bestj" '"ok":true'
"$tuna_vg" tail "$id" > "$tmp/tail2" 2>&1
check "tail without -f prints the history and exits" "$?" 0
alpha=$(sqlite3 "$db" "select json_extract(params,'\$.alpha') from trials where search_id=$id and number=0")

# Text class labels (an iris-style CSV, the label column named): the names, in class order,
# are kept with the search and announced with it.
awk 'BEGIN { srand(4); print "sepal,petal,width,species";
	split("virginica setosa versicolor", name, " ");
	for (i = 0; i < 150; i++) { c = i % 3; printf "%.3f,%.3f,%.3f,%s\n", c + rand(), 2 * c + rand(), rand(), name[c + 1] } }' > "$tmp/iris.csv"
cat > "$tmp/iris.json" <<JSON
{"name": "iris", "dataset": {"format": "csv", "train": "$tmp/iris.csv", "label_column": "species"},
 "trials": 2, "parallel": 2, "epochs": 2, "params": {"hidden_units": 8}}
JSON
idi=$(submit_id "$tmp/iris.json")
wait_search "$idi"
check "text labels: the search is done" "$(q "select status || ' ' || (select count(*) from trials where search_id=$idi and status='done') from searches where id=$idi")" "done 2"
check "text labels: class names kept with the search, sorted" "$(q "select class_names from searches where id=$idi")" '["setosa","versicolor","virginica"]'
check "text labels: search_start names them" "$(q "select json_extract(data, '\$.class_names[2]') from events where search_id=$idi and kind='search_start'")" virginica
"$tuna_vg" status "$idi" > "$tmp/status" 2>&1
check_contains "text labels: tuna status shows them" "$tmp/status" "classes:   0 setosa · 1 versicolor · 2 virginica"
check "integer labels: no class names" "$(q "select ifnull(class_names, 'null') from searches where id=$id")" null

# Reproducible: the same spec and seed give the same hyperparameters.
id2=$(submit_id "$tmp/search.json")
wait_search "$id2"
check "same seed, same params" "$(sqlite3 "$db" "select group_concat(params, '|') from (select params from trials where search_id=$id2 order by number)")" \
    "$(sqlite3 "$db" "select group_concat(params, '|') from (select params from trials where search_id=$id order by number)")"
check_true "alpha in its range ($alpha)" awk -v a="$alpha" 'BEGIN { exit !(a >= 1e-3 && a <= 3e-2) }'

# Cancel a search while it runs: its first two trials are held at the gate, so both are
# running when the cancel arrives, however slow the machine.
sed 's/"trials": 6/"trials": 50/' "$tmp/search.json" > "$tmp/long.json"
touch "$tmp/hold"
id3=$(submit_id "$tmp/long.json")
i=0; while [ "$(q "select count(*) from trials where search_id=$id3 and status='running'")" -lt 2 ] && [ $i -lt $((100 * slow)) ]; do sleep 0.1; i=$((i + 1)); done
# A follower that reads the reply and a few events, and vanishes while the stream goes on.
printf '{"type":"watch","search":%s}\n' "$id3" | "$sockcat" -n 4 -t $((10 * slow)) "$sock" > "$tmp/w"
n=$(grep -c '"event"' "$tmp/w")
check_true "watch: a follower gets the events ($n)" [ "$n" -ge 3 ]
"$tuna_vg" cancel "$id3" > "$tmp/cancel" 2>&1
check "cancel: exit status" "$?" 0
wait_search "$id3"
check "cancel: search cancelled" "$(sqlite3 "$db" "select status from searches where id=$id3")" cancelled
check "cancel: no trial left running" "$(sqlite3 "$db" "select count(*) from trials where search_id=$id3 and status='running'")" 0
check "cancel: the two running trials marked cancelled" "$(q "select count(*) from trials where search_id=$id3 and status='cancelled'")" 2
check "cancel: no trial after them" "$(q "select count(*) from trials where search_id=$id3")" 2
rm "$tmp/hold"

# A second daemon on the same socket refuses to start.
"$tunad" --foreground --socket "$sock" --db "$tmp/other.db" > "$tmp/second" 2>&1
check "second daemon: exit status" "$?" 1
check_contains "second daemon: message" "$tmp/second" "already listening"

# A second daemon on the same database (another socket) refuses too.
"$tunad" --foreground --socket "$tmp/other.sock" --db "$db" > "$tmp/second" 2>&1
check "second daemon on the database: exit status" "$?" 1
check_contains "second daemon on the database: message" "$tmp/second" "another tunad (pid $daemon_pid) is using this database"

# Shutdown: the daemon exits, removes its socket, lets a follower go; a restart sees the old
# searches.
"$tuna_vg" tail -f > "$tmp/follow" 2>&1 &
follow_pid=$!
pids="$pids $follow_pid"
i=0; while [ ! -s "$tmp/follow" ] && [ $i -lt $((100 * slow)) ]; do sleep 0.1; i=$((i + 1)); done
"$tuna_vg" shutdown > /dev/null 2>&1
stopped "shutdown"
i=0; while kill -0 $follow_pid 2>/dev/null && [ $i -lt $((100 * slow)) ]; do sleep 0.1; i=$((i + 1)); done
check_true "shutdown: a follower is let go" [ $i -lt $((100 * slow)) ]
check_true "shutdown: socket removed" [ ! -e "$sock" ]
check "shutdown: no worker left" "$(pgrep -f "$worker" -P $daemon_pid | wc -l)" 0

# Workers that fail: the trials end failed with the cause, and the search still finishes.
printf '#!/bin/sh\n%s\necho "something broke" >&2\nexit 3\n' "$checks" > "$tmp/badworker"
chmod +x "$tmp/badworker"
launch_daemon --worker "$tmp/badworker"
"$tuna_vg" status > "$tmp/status" 2>&1
check_contains "restart: old searches listed" "$tmp/status" "smoke"
"$tuna_vg" tail "$id" > "$tmp/tail3" 2>&1
check "restart: tail shows the same history" "$(cmp "$tmp/tail2" "$tmp/tail3" 2>&1 && wc -l < "$tmp/tail3")" "$(wc -l < "$tmp/tail2")"
sed 's/"trials": 6/"trials": 3/' "$tmp/search.json" > "$tmp/three.json"
id4=$(submit_id "$tmp/three.json")
wait_search "$id4"
check "failing worker: trials failed" "$(sqlite3 "$db" "select count(*) from trials where search_id=$id4 and status='failed'")" 3
check_contains "failing worker: cause recorded" "$(sqlite3 "$db" "select error from trials where search_id=$id4 limit 1" > "$tmp/err"; echo "$tmp/err")" "exit status 3: something broke"
kill -TERM $daemon_pid
stopped "SIGTERM"

# A worker program that cannot be run: tunad refuses to start, saying which and why.
timeout $((10 * slow)) "$tunad" --foreground --socket "$tmp/nw.sock" --db "$tmp/nw.db" --worker /nonexistent/tuna-worker > "$tmp/out" 2>&1
check "missing worker: exit status" "$?" 1
check_contains "missing worker: message" "$tmp/out" "worker /nonexistent/tuna-worker (--worker): cannot be run: No such file or directory"
check_true "missing worker: no socket left" [ ! -e "$tmp/nw.sock" ]
TUNA_WORKER=$tmp timeout $((10 * slow)) "$tunad" --foreground --socket "$tmp/nw.sock" --db "$tmp/nw.db" > "$tmp/out" 2>&1
check "worker is a directory: exit status" "$?" 1
check_contains "worker is a directory: message" "$tmp/out" "(\$TUNA_WORKER): cannot be run: Is a directory"

# A worker program that disappears while tunad runs: every trial fails with the cause (each
# retry too), and the search still ends. (It disappears once it has checked the data set.)
printf '#!/bin/sh\nif [ "$1" = --check ]; then rm -f "$0"; exec "%s" "$@"; fi\nexit 3\n' "$worker" > "$tmp/vanishing"
chmod +x "$tmp/vanishing"
launch_daemon --worker "$tmp/vanishing"
sed 's/"trials": 6/"trials": 4, "max_retries": 1/' "$tmp/search.json" > "$tmp/four.json"
id7=$(submit_id "$tmp/four.json")
wait_search "$id7"
check "vanished worker: search ended" "$(q "select status from searches where id=$id7")" done
check "vanished worker: every trial failed with the cause" "$(q "select count(*) from trials where search_id=$id7 and status='failed' and error like 'cannot start $tmp/vanishing: no such file%'")" 4
check "vanished worker: each retried once" "$(q "select count(*) from events where search_id=$id7 and kind='retry'")" 4
check "vanished worker: no trial left running" "$(q "select count(*) from trials where search_id=$id7 and status='running'")" 0
kill -TERM $daemon_pid
stopped "vanished worker: SIGTERM"

# max_retries: a trial whose worker crashed runs again (fresh process, same hyperparameters).
# The worker that crashes keeps the trial line it was given (the trial's id and hyperparameters).
printf '#!/bin/sh\n%s\nif mkdir "%s/crashed" 2>/dev/null; then IFS= read -r line; printf "%%s\\n" "$line" > "%s/given"; echo "crash on purpose" >&2; kill -SEGV $$; fi\nexec "%s" "$@"\n' "$checks" "$tmp" "$tmp" "$worker" > "$tmp/flaky"
chmod +x "$tmp/flaky"
launch_daemon --worker "$tmp/flaky" --workers 1
sed 's/"trials": 6/"trials": 2, "max_retries": 1/' "$tmp/search.json" > "$tmp/retry.json"
id6=$(submit_id "$tmp/retry.json")
wait_search "$id6"
check "retry: both trials done in the end" "$(q "select count(*) from trials where search_id=$id6 and status='done'")" 2
check "retry: the crash is recorded as a retry" "$(q "select count(*) from events where search_id=$id6 and kind='retry' and json_extract(data,'\$.error') like '%signal 11%crash on purpose%'")" 1
# the run again trained with the α and β1 the crashed one was given (its epoch 1 says them)
retried=$(q "select trial_id from events where search_id=$id6 and kind='retry'")
check "retry: the same hyperparameters" "$(python3 -c '
import json, sys
given = json.loads(open(sys.argv[1]).read())
ran = dict(zip(("alpha", "beta1"), map(float, sys.argv[3].split("|"))))
print(given["id"] == int(sys.argv[2]) and all(abs(ran[k] - given["params"][k]) <= 1e-12 * given["params"][k] for k in ran))
' "$tmp/given" "$retried" "$(q "select group_concat(value, '|') from (select value from report_values where trial_id=$retried and epoch=1 and undone is null and name in ('alpha', 'beta1') order by name)")")" True
kill -TERM $daemon_pid
stopped "retry: SIGTERM"

# A worker that stops reporting is killed after the trial timeout; its trial fails, saying so.
printf '#!/bin/sh\n%s\nread line\nexec sleep 1000\n' "$checks" > "$tmp/hangworker"
chmod +x "$tmp/hangworker"
launch_daemon --worker "$tmp/hangworker"
sed 's/"trials": 6/"trials": 1, "trial_timeout": 1/' "$tmp/search.json" > "$tmp/hang.json"
id5=$(submit_id "$tmp/hang.json")
wait_search "$id5"
check "silent worker: trial failed" "$(q "select status from trials where search_id=$id5")" failed
check_contains "silent worker: cause recorded" "$(q "select error from trials where search_id=$id5" > "$tmp/err"; echo "$tmp/err")" "no report for 1 s"
kill -TERM $daemon_pid
stopped "silent worker: SIGTERM"

# The BLAS kernel each trial ran on, as its worker's start event names it (blas_core,
# blas_why): a worker of our own, which takes those members from $tmp/blas (none when it is
# missing), or from $tmp/blas-once for one trial only, then reports one epoch and its end.
cat > "$tmp/blasworker" <<SH
#!/bin/sh
$checks
while IFS= read -r line; do
	id=\$(printf '%s\n' "\$line" | sed -n 's/^{"id":\([0-9]*\),.*/\1/p')
	if mv "$tmp/blas-once" "$tmp/blas-once.\$\$" 2>/dev/null; then
		blas="\$(cat "$tmp/blas-once.\$\$"),"; rm -f "$tmp/blas-once.\$\$"
	elif [ -e "$tmp/blas" ]; then blas="\$(cat "$tmp/blas"),"; else blas=; fi
	printf '{"event":"start","id":%s,%s"version":1,"threads":1}\n' "\$id" "\$blas"
	printf '{"event":"epoch","id":%s,"epoch":1,"train_loss":0.9,"val_loss":0.8,"val_acc":0.6}\n' "\$id"
	printf '{"event":"done","id":%s,"reason":"completed","epochs":1,"val_loss":0.8,"val_acc":0.6,"best_val_acc":0.6,"test_loss":0.8,"test_acc":0.6,"seconds":0.01}\n' "\$id"
done
SH
chmod +x "$tmp/blasworker"
log_from=$(($(wc -l < "$tmp/tunad.log") + 1))
launch_daemon --worker "$tmp/blasworker" --workers 2
# blas_search NAME TRIALS: run a search of our worker's trials to its end; print its id.
blas_search() {
	sed "s/\"trials\": 6/\"trials\": $2/; s/\"smoke\"/\"$1\"/" "$tmp/search.json" > "$tmp/blas.json"
	bid=$(submit_id "$tmp/blas.json")
	wait_search "$bid"
	echo "$bid"
}
chose="OpenBLAS chose Prescott; SkylakeX verified, 4.9× faster at the trainer's shapes: using it"
printf '"blas_core":"SkylakeX","blas_why":"%s"' "$chose" > "$tmp/blas"
idk=$(blas_search kernel 5)
check "kernel: the search is done" "$(q "select count(*) from trials where search_id=$idk and status='done'")" 5
check "kernel: one row for the kernel of 5 trials" "$(q "select count(distinct t.kernel_id) || ' ' || k.core || ' | ' || k.why from trials t join kernels k on k.id = t.kernel_id where t.search_id=$idk")" "1 SkylakeX | $chose"
check "kernel: every trial points at it" "$(q "select count(*) from trials t join kernels k on k.id = t.kernel_id where t.search_id=$idk and k.core='SkylakeX'")" 5
check "kernel: trial_kernels" "$(q "select count(*) from trial_kernels where search_id=$idk and core='SkylakeX'")" 5
"$tuna_vg" status "$idk" > "$tmp/status" 2>&1
check_contains "kernel: status shows why, once" "$tmp/status" "kernel:    SkylakeX — $chose"
check "kernel: status shows each trial's kernel" "$(grep -c '^ *[0-9][0-9]* .* SkylakeX  ' "$tmp/status")" 5
check_contains "kernel: status has a KERNEL column" "$tmp/status" " KERNEL "
check "kernel: logged once for 5 trials" "$(tail -n +$log_from "$tmp/tunad.log" | grep -c "search $idk: trial [0-9]*: BLAS kernel SkylakeX: $chose")" 1

# A worker that does not say: nothing recorded, no column.
rm -f "$tmp/blas"
nkernels=$(q "select count(*) from kernels")
idn=$(blas_search nokernel 2)
check "no kernel: the search is done" "$(q "select count(*) from trials where search_id=$idn and status='done'")" 2
check "no kernel: kernel_id NULL" "$(q "select count(*) from trials where search_id=$idn and kernel_id is null")" 2
check "no kernel: no new row" "$(q "select count(*) from kernels")" "$nkernels"
"$tuna_vg" status "$idn" > "$tmp/status" 2>&1
check "no kernel: status has neither a column nor a kernel line" "$(grep -c 'KERNEL\|kernel:' "$tmp/status")" 0
check_contains "no kernel: status shows the trials" "$tmp/status" "VAL_ACC"

# Some trials say, some not: a "-" for those that do not.
printf '"blas_core":"Haswell","blas_why":"set by the user (OPENBLAS_CORETYPE=Haswell)"' > "$tmp/blas-once"
idm=$(blas_search somekernel 3)
check "some kernel: one trial on Haswell, two not said" "$(q "select count(kernel_id) || ' ' || count(*) from trials where search_id=$idm")" "1 3"
"$tuna" status "$idm" > "$tmp/status" 2>&1
check_contains "some kernel: status shows why" "$tmp/status" "kernel:    Haswell — set by the user (OPENBLAS_CORETYPE=Haswell)"
check "some kernel: status shows the trial's kernel" "$(grep -c '^ *[0-9][0-9]* .* Haswell  ' "$tmp/status")" 1
check "some kernel: status shows - for the others" "$(grep -c '^ *[0-9][0-9]* .* -  ' "$tmp/status")" 2
check "some kernel: a line logged for each kernel" "$(tail -n +$log_from "$tmp/tunad.log" | grep -c 'BLAS kernel')" 2
"$tuna" --json status "$idm" > "$tmp/status" 2>&1
check_contains "some kernel: the reply's kernels" "$tmp/status" '"kernels":[{"core":"Haswell","why":"set by the user (OPENBLAS_CORETYPE=Haswell)","trials":1}]'

# Bounds: a why of 2,000 bytes is cut to at most 1,023 ending in "…"; a core name of 64 bytes
# is refused (the worker's line is not an event: its trial fails).
printf '"blas_core":"Haswell","blas_why":"%s"' "$(awk 'BEGIN { for (i = 0; i < 1000; i++) printf "é" }')" > "$tmp/blas-once"
idw=$(blas_search longwhy 1)
check "long why: cut, at a character" "$(q "select length(k.why) || ' ' || (length(cast(k.why as blob)) <= 1023) || ' ' || substr(k.why, -2) from trials t join kernels k on k.id = t.kernel_id where t.search_id=$idw")" "511 1 é…"
printf '"blas_core":"Haswell","blas_why":"two\\nlines\\tand a tab"' > "$tmp/blas-once"
idl=$(blas_search newline 1)
check "why with control characters: made spaces" "$(q "select k.why from trials t join kernels k on k.id = t.kernel_id where t.search_id=$idl")" "two lines and a tab"
printf '"blas_core":"%s","blas_why":"x"' "$(printf '%064d' 0)" > "$tmp/blas-once"
idc=$(blas_search longcore 1)
check "long core: the trial failed" "$(q "select status || ' ' || error from trials where search_id=$idc")" "failed wrote a line that is not a worker event"
kill -TERM $daemon_pid
stopped "kernel: SIGTERM"

# SIGKILL of the daemon: its workers die with it (PR_SET_PDEATHSIG), none is left behind.
# (Long epochs, so that a worker is not merely killed by SIGPIPE at its next report.)
start_daemon
make_csv "$tmp/long.csv" 60000 3 8
cat > "$tmp/forever.json" <<JSON
{"dataset": {"format": "csv", "train": "$tmp/long.csv"}, "trials": 2, "parallel": 2,
 "epochs": 1000, "params": {"hidden_units": 1024, "layers": 3, "batch_size": 16}}
JSON
"$tuna" submit "$tmp/forever.json" > /dev/null 2>&1
i=0; while [ "$(pgrep -P $daemon_pid -f tuna-worker | wc -l)" -lt 2 ] && [ $i -lt $((100 * slow)) ]; do sleep 0.1; i=$((i + 1)); done
kids=$(pgrep -P $daemon_pid -f tuna-worker | tr '\n' ' ')
check_true "SIGKILL: workers were running ($kids)" [ -n "$kids" ]
# cpu_ticks PID: the CPU time a process has used, in clock ticks (0 once it is gone).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# Each is training (a second of CPU: its data loaded, its start event written), so that only
# PR_SET_PDEATHSIG can stop it: its next write is an epoch away.
for k in $kids; do
	i=0; while [ "$(cpu_ticks "$k")" -lt 100 ] && kill -0 "$k" 2>/dev/null && [ $i -lt $((300 * slow)) ]; do sleep 0.1; i=$((i + 1)); done
done
kill_daemon
# alive: a worker still running (not a zombie waiting for init to reap it)
alive() {
	n=0
	for k in $kids; do
		st=$(ps -o stat= -p "$k" 2>/dev/null | cut -c1)
		[ -n "$st" ] && [ "$st" != Z ] && n=$((n + 1))
	done
	echo $n
}
i=0; while [ "$(alive)" -gt 0 ] && [ $i -lt $((100 * slow)) ]; do sleep 0.1; i=$((i + 1)); done
check "SIGKILL: no worker outlives the daemon" "$(alive)" 0
rm -f "$sock"

# Not running: the CLI says so.
"$tuna_vg" status > "$tmp/out" 2>&1
check "CLI without daemon: exit status" "$?" 3
check_contains "CLI without daemon: message" "$tmp/out" "cannot connect"
check "integrity" "$(sqlite3 "$db" "pragma integrity_check")" ok
check_valgrind
finish
