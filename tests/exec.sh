#!/bin/sh
# exec.sh: tuna-exec end to end, with small fake trainers (sh scripts) — metric reports in each
# form, placeholders, the environment, failures and their messages, stop and the grace period,
# control "step", limits, --check, and the trainer dying with tuna-exec.
set -u
exec_bin=${1:?usage: exec.sh PATH-TO-tuna-exec}
. "$(dirname "$0")/lib.sh"

# vals FILE EXPR...: Python expressions over the events in FILE (evs: the list; end: the last
# one), their values one per line in $tmp/vals, read back with val N (python3 starts slowly:
# one run per file).
vals() {
	python3 -c 'import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
end = evs[-1] if evs else {}
for x in sys.argv[2:]:
    r = eval(x)
    print(r if isinstance(r, str) else json.dumps(r))' "$@" > "$tmp/vals"
}
val() { sed -n "$1p" "$tmp/vals"; }

# last_field FILE NAME: a member of the last event in FILE (lib.sh's field: simple values).
last_field() { field "$2" "$(tail -n 1 "$1")"; }

# wait_for FILE TEXT: until the file holds the text (30 s at most: a safety net).
wait_for() {
	i=0
	while ! grep -qF -- "$2" "$1" 2>/dev/null && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
	grep -qF -- "$2" "$1" 2>/dev/null
}

# alive PID: the process exists and is not a zombie.
alive() {
	st=$(ps -o stat= -p "$1" 2>/dev/null | cut -c1)
	[ -n "$st" ] && [ "$st" != Z ]
}

# wait_gone PID: until the process is gone (30 s at most).
wait_gone() {
	i=0
	while alive "$1" && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
	! alive "$1"
}

# trainer NAME: a script from stdin, executable, in $tmp; prints its path.
trainer() {
	{ echo '#!/bin/sh'; cat; } > "$tmp/$1"
	chmod +x "$tmp/$1"
	echo "$tmp/$1"
}

# run NAME: tuna-exec on the trial lines in $tmp/NAME.in (stdin at EOF at once: each trial goes
# on to its end); events in $tmp/NAME.out, stderr in NAME.err, exit status in NAME.rc.
run() {
	"$exec_bin" - < "$tmp/$1.in" > "$tmp/$1.out" 2> "$tmp/$1.err"
	echo $? > "$tmp/$1.rc"
}

# --- the three forms of a report; epochs; merging; the log ---
t=$(trainer forms.sh <<'EOF'
echo "lr=0.01 batch=64"
echo "Epoch 1/10"
echo '{"epoch": 3, "val_loss": 0.5, "val_acc": 0.8, "note": "x"}'
echo "val_loss=0.45 val_acc=0.82"
echo "469/469 [====] - 3s 5ms/step - loss: 0.41 - val_loss: 0.4"
echo "Using device: cuda:0"
echo "epoch: 9, train_loss: 0.3"
echo "epoch=9 val_loss=0.35"
echo "{'val_loss': nan, 'epoch': 10.0}"
awk 'BEGIN { for (i = 1; i <= 4000; i++) printf "%d/4000 [==] - loss: 9.9\r", i
	print "4000/4000 [==] - loss: 0.25 - val_loss: 0.3" }'
awk 'BEGIN { for (i = 0; i < 20000; i++) printf "xxxxx"; print " - val_loss: 7" }'
printf 'val_loss=0.2\n'
printf 'partial'
EOF
)
cat > "$tmp/forms.in" <<EOF
{"id": 1, "params": {"lr": 0.01, "batch": 64}, "trainer": {"command": ["$t"]}, "dir": "$tmp/forms", "objective": "val_loss"}
EOF
run forms
check "forms: exit status" "$(cat "$tmp/forms.rc")" 0
vals "$tmp/forms.out" '" ".join(e["event"] for e in evs)' \
    '" ".join("%d:%s" % (e["epoch"], ",".join("%s=%s" % (k, e[k]) for k in e if k not in ("event", "id", "epoch"))) for e in evs if e["event"] == "epoch")' \
    '"%s %s %s %s %s %s" % (end["id"], end["reason"], end["epochs"], end["val_loss"], end["val_acc"], end["loss"])'
check "forms: events" "$(val 1)" "start epoch epoch epoch epoch epoch epoch epoch epoch done"
# not the settings line, nor the line cut (longer than LINEBUF_MAX); the long progress bar's
# last state
check "forms: JSON, pairs without an epoch, Keras, merged, Python dict, the next step" "$(val 2)" \
    "3:val_loss=0.5,val_acc=0.8 4:val_loss=0.45,val_acc=0.82 5:loss=0.41,val_loss=0.4 9:train_loss=0.3 9:train_loss=0.3,val_loss=0.35 10:val_loss=None 11:loss=0.25,val_loss=0.3 12:val_loss=0.2"
check "forms: done" "$(val 3)" "1 completed 12 0.2 0.82 0.25"
check "forms: the whole stdout in stdout.log" "$(wc -lc < "$tmp/forms/stdout.log" | awk '{ print $1, ($2 > 200000) }') $(tail -c 7 "$tmp/forms/stdout.log")" "12 1 partial"

# --- placeholders and {args} in argv; params.json; the environment; two trials in a row ---
t=$(trainer args.sh <<EOF
printf '%s\n' "\$@" > "$tmp/argv.\$TUNA_TRIAL"
env | grep -E '^(TUNA_(PARAMS|PARAMS_FILE|SEARCH|TRIAL|SEED|CHECKPOINT_DIR|THREADS|OBJECTIVE|CONTROL|PARENT)|OMP_NUM_THREADS|OPENBLAS_NUM_THREADS|MY_VAR)=' |
    sort > "$tmp/env.\$TUNA_TRIAL"
pwd > "$tmp/pwd.\$TUNA_TRIAL"
echo "val_loss=1"
EOF
)
cat > "$tmp/args.in" <<EOF
{"id": 7, "search": 3, "seed": 1234567, "threads": 3, "params": {"lr": 0.001, "units": 64, "bn": true, "opt": "adam", "wd": 0.30000000000000004, "tiny": 1e-05}, "trainer": {"command": ["$t", "--lr", "{lr}", "-u{units}", "{{x}}", "{args}", "end"], "cwd": "$tmp"}, "dir": "$tmp/s3/t7", "objective": "val_loss"}
{"id": 8, "params": {"lr": 0.5}, "trainer": {"command": ["$t", "{lr}"], "env": {"OMP_NUM_THREADS": "7", "OPENBLAS_NUM_THREADS": "4", "MY_VAR": "a b", "TUNA_OBJECTIVE": "mine"}}, "dir": "$tmp/s3/t8", "objective": "val_loss"}
EOF
OPENBLAS_NUM_THREADS=1 TUNA_PARENT=$$ TUNA_CONTROL=leftover "$exec_bin" - < "$tmp/args.in" > "$tmp/args.out" 2> "$tmp/args.err"
check "args: exit status" "$?" 0
vals "$tmp/args.out" '" ".join("%s:%s" % (e["id"], e["reason"]) for e in evs if e["event"] == "done")' \
    '" ".join(evs[0]["command"][1:])' 'type(evs[0]["pid"]).__name__'
check "args: both trials done" "$(val 1)" "7:completed 8:completed"
check "args: argv" "$(tr '\n' ' ' < "$tmp/argv.7")" \
    "--lr 0.001 -u64 {x} --lr=0.001 --units=64 --bn=true --opt=adam --wd=0.30000000000000004 --tiny=1e-05 end "
check "args: the start event's command" "$(val 2)" \
    "--lr 0.001 -u64 {x} --lr=0.001 --units=64 --bn=true --opt=adam --wd=0.30000000000000004 --tiny=1e-05 end"
check "args: the start event's pid is a number" "$(val 3)" int
check "args: cwd" "$(cat "$tmp/pwd.7")" "$tmp"
check "args: environment" "$(tr '\n' ' ' < "$tmp/env.7")" \
    "OMP_NUM_THREADS=3 TUNA_CHECKPOINT_DIR=$tmp/s3/t7 TUNA_OBJECTIVE=val_loss TUNA_PARAMS={\"lr\":0.001,\"units\":64,\"bn\":true,\"opt\":\"adam\",\"wd\":0.30000000000000004,\"tiny\":1e-05} TUNA_PARAMS_FILE=$tmp/s3/t7/params.json TUNA_SEARCH=3 TUNA_SEED=1234567 TUNA_THREADS=3 TUNA_TRIAL=7 "
check "args: params.json" "$(tr -d ' \t\n' < "$tmp/s3/t7/params.json")" \
    '{"lr":0.001,"units":64,"bn":true,"opt":"adam","wd":0.30000000000000004,"tiny":1e-05}'
check "args: no temporary file left" "$(ls "$tmp/s3/t7" | tr '\n' ' ')" "params.json stderr.log stdout.log "
check "args: trainer.env last, overriding" "$(tr '\n' ' ' < "$tmp/env.8")" \
    "MY_VAR=a b OMP_NUM_THREADS=7 OPENBLAS_NUM_THREADS=4 TUNA_CHECKPOINT_DIR=$tmp/s3/t8 TUNA_OBJECTIVE=mine TUNA_PARAMS={\"lr\":0.5} TUNA_PARAMS_FILE=$tmp/s3/t8/params.json TUNA_SEED=0 TUNA_THREADS=1 TUNA_TRIAL=8 "

# --- failures: an exit status with stderr's tail, a signal, no objective, no program ---
t=$(trainer crash.sh <<'EOF'
echo "val_loss=0.9"
for i in 1 2 3 4 5 6; do echo "noise $i" >&2; done
echo "Traceback (most recent call last):" >&2
printf 'progress 10%%\rprogress 100%%\n' >&2
echo "ValueError: the learning rate is too high" >&2
exit 3
EOF
)
s=$(trainer segv.sh <<'EOF'
ulimit -c 0
echo "val_loss=0.9"
echo "about to crash" >&2
kill -SEGV $$
EOF
)
n=$(trainer noobj.sh <<'EOF'
echo "train_loss=0.5"
echo "epoch=1 val_acc=0.9 train_loss=0.4"
EOF
)
q=$(trainer quiet.sh <<'EOF'
echo "nothing to see"
EOF
)
printf 'echo hello\n' > "$tmp/noshebang.sh"
chmod +x "$tmp/noshebang.sh"
printf '#!/bin/sh\n' > "$tmp/noexec.sh"
chmod 0644 "$tmp/noexec.sh"
cat > "$tmp/fail.in" <<EOF
{"id": 11, "trainer": {"command": ["$t"]}, "dir": "$tmp/f/11", "objective": "val_loss"}
{"id": 12, "trainer": {"command": ["$s"]}, "dir": "$tmp/f/12", "objective": "val_loss"}
{"id": 13, "trainer": {"command": ["$n"]}, "dir": "$tmp/f/13", "objective": "val_loss"}
{"id": 14, "trainer": {"command": ["$q"]}, "dir": "$tmp/f/14", "objective": "val_loss"}
{"id": 15, "trainer": {"command": ["python4-tuna-test", "train.py"], "env": {"PATH": "/usr/bin:/bin"}}, "dir": "$tmp/f/15", "objective": "val_loss"}
{"id": 16, "trainer": {"command": ["./noexec.sh"], "cwd": "$tmp"}, "dir": "$tmp/f/16", "objective": "val_loss"}
{"id": 17, "trainer": {"command": ["$tmp/noshebang.sh"]}, "dir": "$tmp/f/17", "objective": "val_loss"}
{"id": 18, "trainer": {"command": ["$t"], "cwd": "$tmp/nowhere"}, "dir": "$tmp/f/18", "objective": "val_loss"}
{"id": 19, "trainer": {"command": ["$t", "{lrr}"]}, "params": {"lr": 1}, "dir": "$tmp/f/19", "objective": "val_loss"}
{"id": 20, "trainer": {"command": ["$t"]}, "dir": "f/20", "objective": "val_loss"}
{"id": 21, "trainer": {"command": ["$t"], "control": false}, "control": "step", "dir": "$tmp/f/21", "objective": "val_loss"}
{"id": 22, "trainer": {"command": ["$t"], "grace": 1}, "dir": "$tmp/f/22", "objective": "val_loss"}
{"id": 23, "trainer": {"command": ["$t"]}, "dir": "$tmp/f/23"}
{"id": 24, "trainer": {"command": ["$t"]}, "dir": "$tmp/f/24", "objective": "val_loss", "limits": {"cpu_seconds": 0}}
{"id": 25, "trainer": {"command": ["$t"]}, "dir": "$tmp/f/25", "objective": "val_loss", "params": {"x": [1]}}
not json
EOF
run fail
check "fail: exit status" "$(cat "$tmp/fail.rc")" 2
vals "$tmp/fail.out" '"\n".join("%s %s" % (e.get("id"), e["error"]) for e in evs if e["event"] == "error")'
errs=$(cat "$tmp/vals")
# errmsg ID: the error of the trial with that id
errmsg() { printf '%s\n' "$errs" | sed -n "s/^$1 //p"; }
check "fail: exit status and stderr's last lines" "$(errmsg 11)" \
    "crash.sh exited with status 3: noise 5; noise 6; Traceback (most recent call last):; progress 100%; ValueError: the learning rate is too high"
check "fail: a signal" "$(errmsg 12)" "segv.sh was killed by signal 11 (Segmentation fault): about to crash"
check "fail: no objective" "$(errmsg 13)" "the trainer never reported val_loss (2 reports: train_loss, val_acc)"
check "fail: no report at all" "$(errmsg 14)" "the trainer never reported val_loss (no report on its standard output: see $tmp/f/14/stdout.log)"
check "fail: no such program" "$(errmsg 15)" "trainer.command[0]: python4-tuna-test: No such file or directory on PATH=/usr/bin:/bin"
check "fail: not executable" "$(errmsg 16)" "trainer.command[0]: ./noexec.sh: not executable (mode 0644) ($tmp/./noexec.sh)"
check "fail: no #! line" "$(errmsg 17)" "trainer.command[0]: $tmp/noshebang.sh: Exec format error (a script needs a #! line)"
check "fail: no cwd" "$(errmsg 18)" "trainer.cwd: $tmp/nowhere: No such file or directory"
check "fail: unknown placeholder" "$(errmsg 19)" "stdin: trainer.command[1]: {lrr}: no such parameter (parameters: lr)"
check "fail: relative dir" "$(errmsg 20)" "stdin: dir: must be an absolute path"
check "fail: step without control" "$(errmsg 21)" "stdin: control: \"step\" needs a trainer that reads commands (trainer.control true)"
check "fail: unknown key" "$(errmsg 22)" "stdin: trainer.grace: unknown key"
check "fail: no objective given" "$(errmsg 23)" "stdin: objective: missing (the metric the trainer reports)"
check "fail: limits" "$(errmsg 24)" "stdin: limits.cpu_seconds: must be an integer in [1, 31536000]"
check "fail: a param's type" "$(errmsg 25)" "stdin: params.x: must be a number, true, false or a string"
check "fail: bad JSON" "$(errmsg None)" "stdin: invalid JSON at offset 0"
check "fail: the trainer's stderr in stderr.log" "$(grep -c noise "$tmp/f/11/stderr.log")" 6

# --- stop: SIGTERM to the group, done/stopped with what it reported ---
# drive NAME: tuna-exec reading a fifo (fd 3 writes to it), events in $tmp/NAME.out.
drive() {
	rm -f "$tmp/$1.fifo"
	mkfifo "$tmp/$1.fifo"
	"$exec_bin" - < "$tmp/$1.fifo" > "$tmp/$1.out" 2> "$tmp/$1.err" &
	pid=$!
	exec 3> "$tmp/$1.fifo"
}
t=$(trainer term.sh <<'EOF'
trap 'echo "got TERM" >&2; exit 0' TERM
echo "epoch=1 val_loss=0.5 val_acc=0.7"
while :; do sleep 0.05; done
EOF
)
drive stop
echo "{\"id\": 31, \"trainer\": {\"command\": [\"$t\"]}, \"dir\": \"$tmp/stop\", \"objective\": \"val_loss\"}" >&3
check_true "stop: the trainer reported" wait_for "$tmp/stop.out" '"epoch":1'
echo '{"cmd":"set","alpha":0.1}' >&3	# without control: ignored
echo '{"cmd":"stop"}' >&3
exec 3>&-
wait $pid
check "stop: exit status" "$?" 0
vals "$tmp/stop.out" '"%s %s %s %s" % (end["event"], end["reason"], end["epochs"], end["val_acc"])'
check "stop: done, stopped, with its report" "$(val 1)" "done stopped 1 0.7"
check_contains "stop: SIGTERM reached it" "$tmp/stop/stderr.log" "got TERM"

# --- a trainer that ignores SIGTERM: SIGKILL after grace_seconds ---
t=$(trainer stubborn.sh <<'EOF'
trap '' TERM
echo "epoch=1 val_loss=0.5"
while :; do sleep 0.05; done
EOF
)
drive grace
echo "{\"id\": 32, \"trainer\": {\"command\": [\"$t\"], \"grace_seconds\": 1}, \"dir\": \"$tmp/grace\", \"objective\": \"val_loss\"}" >&3
check_true "grace: the trainer reported" wait_for "$tmp/grace.out" '"epoch":1'
kid=$(field pid "$(head -n 1 "$tmp/grace.out")")
before=$(date +%s.%N)
echo '{"cmd":"stop"}' >&3
check_true "grace: done" wait_for "$tmp/grace.out" '"event":"done"'
after=$(date +%s.%N)
exec 3>&-
wait $pid
check "grace: done, stopped" "$(last_field "$tmp/grace.out" reason) $(last_field "$tmp/grace.out" epochs)" '"stopped" 1'
check_true "grace: killed after the grace period, not before ($before → $after)" \
    awk -v a="$before" -v b="$after" 'BEGIN { exit !(b - a >= 0.95) }'
check_true "grace: the trainer is gone" wait_gone "$kid"
kill -KILL "$kid" 2> /dev/null

# --- control "step": commands forwarded to the program's stdin, in order ---
t=$(trainer step.sh <<EOF
n=0
echo "control=\${TUNA_CONTROL-unset}" >&2
while read -r line; do
	n=\$((n + 1))
	printf '%s\n' "\$line" >> "$tmp/step.got"
	echo "epoch=\$n val_loss=0.\$n"
done
echo "stdin closed" >&2
EOF
)
drive step
echo "{\"id\": 33, \"trainer\": {\"command\": [\"$t\"], \"control\": true}, \"control\": \"step\", \"dir\": \"$tmp/step\", \"objective\": \"val_loss\"}" >&3
echo '{"cmd":"continue"}' >&3
echo '{"cmd":"set","alpha":0.25,"epochs":3}' >&3
echo '{"cmd":"save","path":"/ckpt/a b"}' >&3
check_true "step: three commands answered" wait_for "$tmp/step.out" '"epoch":3'
exec 3>&-
wait $pid
check "step: exit status" "$?" 0
check "step: forwarded verbatim, in order" "$(cat "$tmp/step.got")" \
    '{"cmd":"continue"}
{"cmd":"set","alpha":0.25,"epochs":3}
{"cmd":"save","path":"/ckpt/a b"}'
vals "$tmp/step.out" '"%s %s %s" % (end["reason"], end["epochs"], end["val_loss"])'
check "step: EOF passed on; done" "$(val 1)" "completed 3 0.3"
check_contains "step: TUNA_CONTROL" "$tmp/step/stderr.log" "control=step"
check_contains "step: the program saw its stdin close" "$tmp/step/stderr.log" "stdin closed"

# control "step" and stop: the stop line is forwarded first, then SIGTERM
t=$(trainer stepstop.sh <<EOF
trap 'exit 0' TERM
echo "epoch=1 val_loss=1"
while read -r line; do printf '%s\n' "\$line" >> "$tmp/stepstop.got"; done
EOF
)
drive stepstop
echo "{\"id\": 34, \"trainer\": {\"command\": [\"$t\"], \"control\": true}, \"control\": \"step\", \"dir\": \"$tmp/stepstop\", \"objective\": \"val_loss\"}" >&3
check_true "step stop: the trainer reported" wait_for "$tmp/stepstop.out" '"epoch":1'
echo '{"cmd":"stop"}' >&3
check_true "step stop: done" wait_for "$tmp/stepstop.out" '"event":"done"'
exec 3>&-
wait $pid
check "step stop: stopped" "$(last_field "$tmp/stepstop.out" reason)" '"stopped"'

# --- limits: applied in the child; the CPU limit's message ---
t=$(trainer cpu.sh <<'EOF'
echo "val_loss=1 as_kib=$(ulimit -v) cpu_s=$(ulimit -t)"
while :; do :; done
EOF
)
cat > "$tmp/cpu.in" <<EOF
{"id": 41, "trainer": {"command": ["$t"]}, "dir": "$tmp/cpu", "objective": "val_loss", "limits": {"cpu_seconds": 1, "address_space_mb": 300}}
EOF
run cpu
vals "$tmp/cpu.out" 'evs[0]["limits"]' '"%s %s" % (evs[1]["as_kib"], evs[1]["cpu_s"])' 'end["error"]'
check "cpu: the limits in the start event" "$(val 1)" '{"address_space_mb": 300, "cpu_seconds": 1}'
check "cpu: the limits in the trainer" "$(val 2)" "307200 1"
check "cpu: CPU time limit" "$(val 3)" "CPU time limit reached (limits.cpu_seconds = 1): cpu.sh was killed by SIGXCPU"

# --- the trainer dies with tuna-exec (PR_SET_PDEATHSIG) ---
t=$(trainer orphan.sh <<'EOF'
echo "epoch=1 val_loss=1"
while :; do sleep 0.05; done
EOF
)
drive orphan
echo "{\"id\": 51, \"trainer\": {\"command\": [\"$t\"]}, \"dir\": \"$tmp/orphan\", \"objective\": \"val_loss\"}" >&3
check_true "orphan: the trainer reported" wait_for "$tmp/orphan.out" '"epoch":1'
kid=$(field pid "$(head -n 1 "$tmp/orphan.out")")
check_true "orphan: the trainer runs ($kid)" alive "$kid"
kill -KILL $pid
wait $pid 2>/dev/null
exec 3>&-
check_true "orphan: the trainer died with tuna-exec" wait_gone "$kid"
kill -KILL "$kid" 2> /dev/null	# if it did not: not left running

# --- --check ---
# checkline LINE: tuna-exec --check's answer (and its exit status after a space)
checkline() {
	printf '%s\n' "$1" > "$tmp/check.in"
	out=$("$exec_bin" --check - < "$tmp/check.in" 2> /dev/null)
	echo "$out $?"
}
printf 'x' > "$tmp/afile"
check "check: ok" "$(checkline "{\"command\": [\"sh\", \"{lr}\"], \"cwd\": \"$tmp\", \"writable\": {\"a\": \"$tmp/w/a/b\", \"b\": \"$tmp\"}}")" '{"event":"checked"} 0'
check "check: the writable directory made, nothing left in it" "$(ls -A "$tmp/w/a/b" | wc -l)" 0
check "check: nothing at all" "$(checkline '{}')" '{"event":"checked"} 0'
check "check: relative to cwd" "$(checkline "{\"command\": [\"./forms.sh\"], \"cwd\": \"$tmp\"}")" '{"event":"checked"} 0'
check "check: on env's PATH" "$(checkline "{\"command\": [\"forms.sh\"], \"env\": {\"PATH\": \"/nonexistent:$tmp\"}}")" '{"event":"checked"} 0'
check "check: missing" "$(checkline '{"command": ["python4-tuna-test"], "env": {"PATH": "/usr/bin:/bin"}}')" \
    '{"event":"error","error":"trainer.command[0]: python4-tuna-test: No such file or directory on PATH=/usr/bin:/bin"} 1'
check "check: not executable" "$(checkline "{\"command\": [\"noexec.sh\"], \"env\": {\"PATH\": \"$tmp\"}}")" \
    "{\"event\":\"error\",\"error\":\"trainer.command[0]: noexec.sh: not executable (mode 0644) ($tmp/noexec.sh)\"} 1"
check "check: a directory" "$(checkline "{\"command\": [\"$tmp\"]}")" \
    "{\"event\":\"error\",\"error\":\"trainer.command[0]: $tmp: a directory, not a program\"} 1"
check "check: cwd not a directory" "$(checkline "{\"cwd\": \"$tmp/afile\"}")" \
    "{\"event\":\"error\",\"error\":\"trainer.cwd: $tmp/afile: not a directory\"} 1"
check "check: unwritable" "$(checkline "{\"writable\": {\"checkpoints\": \"$tmp/afile/sub\"}}")" \
    "{\"event\":\"error\",\"error\":\"checkpoints: $tmp/afile/sub: Not a directory\"} 1"
check "check: a placeholder in the program" "$(checkline '{"command": ["{py}"]}')" \
    '{"event":"error","error":"trainer.command[0]: \"{py}\": the program must be named as it is, without placeholders or braces"} 1'
check "check: unknown key" "$(checkline '{"comand": []}')" '{"event":"error","error":"comand: unknown key"} 1'
check "check: not JSON" "$(checkline 'nope')" '{"event":"error","error":"stdin: not a JSON object"} 1'
out=$("$exec_bin" --check - < /dev/null 2> /dev/null)
check "check: no line" "$out $?" \
    '{"event":"error","error":"stdin: no check line (end of input)"} 1'
if [ "$(id -u)" -ne 0 ]; then	# root writes anywhere
	mkdir -p "$tmp/ro"
	chmod 0500 "$tmp/ro"
	check "check: read-only directory" "$(checkline "{\"writable\": {\"checkpoints\": \"$tmp/ro\"}}")" \
	    "{\"event\":\"error\",\"error\":\"checkpoints: $tmp/ro: Permission denied\"} 1"
	chmod 0700 "$tmp/ro"
fi

# --- usage ---
check "version" "$("$exec_bin" --version)" "tuna-exec protocol 1"
"$exec_bin" --help > "$tmp/help" 2>&1
check "help: exit status" "$?" 0
check_contains "help" "$tmp/help" "--check"
"$exec_bin" > /dev/null 2>&1
check "no argument: usage" "$?" 1

finish
