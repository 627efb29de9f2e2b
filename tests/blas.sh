#!/bin/sh
# blas.sh: tuna-worker's BLAS kernel (worker/blas.c) — chosen among verified candidates, cached
# per machine (re-measured when the entry is corrupt, measured once by workers starting at
# once), a wrong or crashing kernel rejected through the test hook TUNA_BLAS_TEST, the user's
# OPENBLAS_CORETYPE kept, the worker re-executed with its choice and its start event saying so.
set -u
worker=${1:?usage: blas.sh PATH-TO-tuna-worker}
. "$(dirname "$0")/lib.sh"
unset OPENBLAS_CORETYPE TUNA_BLAS_TEST TUNA_PARENT	# the machine's own setting would skip it

# get FILE EXPR: a Python expression over the event e read from the JSON line in FILE.
get() {
	python3 -c 'import json, sys
e = json.loads(open(sys.argv[1]).readline())
c = {k["core"]: k for k in e.get("candidates", [])}
print(eval("(" + sys.argv[2] + ")"))' "$1" "$2" 2>&1
}

# blas OUT [VAR=VALUE...]: tuna-worker --blas in that environment; its status.
blas() {
	out=$1; shift
	env "$@" "$worker" --blas > "$out" 2> "$out.err"
}

# A first start measures: every candidate of OpenBLAS's tier or better, verified, the fastest
# chosen; the choice is cached.
blas "$tmp/b1"
check "first start: exit status" "$?" 0
check "first start: measured and cached" "$(get "$tmp/b1" 'e["cache"]')" new
check "first start: OpenBLAS's own choice is a candidate" \
    "$(get "$tmp/b1" 'e["candidates"][0]["core"] in e["why"]')" True
check "first start: the chosen kernel passed and is the fastest, or OpenBLAS's within 5 %" \
    "$(get "$tmp/b1" 'c[e["core"]]["ok"] and (c[e["core"]]["gflops"] ==
    max(k.get("gflops", 0) for k in c.values()) or e["core"] == e["candidates"][0]["core"] and
    1.05 * c[e["core"]]["gflops"] > max(k.get("gflops", 0) for k in c.values()))')" True
check "first start: each candidate's error within the float32 bound" \
    "$(get "$tmp/b1" 'all(0 <= k["error"] <= 1 for k in c.values())')" True
check_true "first start: the cache file" test -s "$(get "$tmp/b1" 'e["cache_path"]')"
loaded=$(get "$tmp/b1" 'e["candidates"][0]["core"]')

# A second start reads the cache: the same choice, no probe.
blas "$tmp/b2"
check "second start: from the cache" "$(get "$tmp/b2" 'e["cache"]')" hit
check "second start: the same kernel and reason" "$(get "$tmp/b2" '(e["core"], e["why"])')" \
    "$(get "$tmp/b1" '(e["core"], e["why"])')"

# A corrupt entry is re-measured, never trusted, and written again whole.
cache=$(get "$tmp/b1" 'e["cache_path"]')
head -c 40 "$tmp/b1" > "$cache"
blas "$tmp/b3"
check "corrupt cache: re-measured" "$(get "$tmp/b3" 'e["cache"]')" stale
blas "$tmp/b4"
check "corrupt cache: then whole again" "$(get "$tmp/b4" 'e["cache"]')" hit
# an entry naming a kernel that did not pass is stale too
python3 -c 'import json, sys
e = json.load(open(sys.argv[1]))
for k in e["candidates"]:
    if k["core"] == e["core"]:
        k["ok"] = False
json.dump(e, open(sys.argv[1], "w"))' "$cache"
blas "$tmp/b5"
check "cache naming a failed kernel: re-measured" "$(get "$tmp/b5" 'e["cache"]')" stale

# Workers starting at once measure once: the second waits for the first's entry.
rm -rf "$TUNA_CACHE_DIR"
blas "$tmp/c1" & p1=$!
blas "$tmp/c2" & p2=$!
wait $p1; s1=$?
wait $p2; s2=$?
check "two at once: both chose" "$s1/$s2" 0/0
check "two at once: one measured, the other read its entry" \
    "$(printf '%s\n' "$(get "$tmp/c1" 'e["cache"]')" "$(get "$tmp/c2" 'e["cache"]')" | sort |
    tr '\n' ' ')" "hit new "
check "two at once: the same kernel" "$(get "$tmp/c1" 'e["core"]')" "$(get "$tmp/c2" 'e["core"]')"

# The user's OPENBLAS_CORETYPE wins: no probe, no cache, the reason says so.
rm -rf "$TUNA_CACHE_DIR"
blas "$tmp/u1" OPENBLAS_CORETYPE=Prescott
check "user's kernel: kept" "$(get "$tmp/u1" '(e["core"], e["why"], e["cache"])')" \
    "('Prescott', 'set by the user (OPENBLAS_CORETYPE=Prescott)', 'off')"
check "user's kernel: nothing probed or cached" \
    "$(get "$tmp/u1" '"candidates" in e')/$(ls "$TUNA_CACHE_DIR" 2>/dev/null | wc -l)" False/0

# A wrong kernel and a crashing one are rejected. TUNA_BLAS_TEST=default=Prescott makes the
# probe take Prescott for OpenBLAS's choice, as on a CPU OpenBLAS does not know: every kernel
# this CPU supports is then a candidate.
blas "$tmp/w1" TUNA_BLAS_TEST=default=Prescott,wrong=Prescott
n=$(get "$tmp/w1" 'len(e.get("candidates", []))')
check "wrong kernel: rejected with its error" "$(get "$tmp/w1" 'c["Prescott"]["ok"],
    c["Prescott"]["why"].startswith("wrong result at ")')" "(False, True)"
if [ "$n" -gt 1 ]; then
	check "wrong kernel: another chosen, the reason names the failure" \
	    "$(get "$tmp/w1" 'e["core"] != "Prescott" and "Prescott, which failed the self-test (wrong result" in e["why"]')" True
else
	echo "# this CPU supports no other kernel: nothing else to choose"
fi
blas "$tmp/x1" TUNA_BLAS_TEST=default=Prescott,crash=Prescott
check "crashing kernel: rejected as killed by SIGILL" "$(get "$tmp/x1" 'c["Prescott"]["why"]')" \
    "killed by signal 4 (Illegal instruction)"
[ "$n" -le 1 ] || check "crashing kernel: another chosen" "$(get "$tmp/x1" 'e["core"] != "Prescott"')" \
    True
blas "$tmp/s1" TUNA_BLAS_TEST=default=Prescott
check "Prescott beside the CPU's kernels: a faster one chosen and said" \
    "$(get "$tmp/s1" 'e["core"] != "Prescott" and e["why"].startswith("OpenBLAS chose Prescott; " + e["core"] + " verified, ")')" \
    "$([ "$n" -gt 1 ] && echo True || echo False)"

# No kernel passes: the worker refuses to train, naming each candidate's failure.
hook="wrong=$(get "$tmp/b1" '",wrong=".join(c)')"
blas "$tmp/n1" TUNA_BLAS_TEST="$hook"
check "no kernel passes: exit status 2" "$?" 2
check_contains "no kernel passes: the error" "$tmp/n1" \
    "no BLAS kernel passed tuna-worker's self-test: $loaded: wrong result at "

# A trial: the worker re-executes itself with the chosen kernel when OpenBLAS loaded another
# (made wrong here), and its start event names the kernel and why; TUNA_PARENT is not passed
# to the probes (they would die at once: their parent is the worker, not that pid).
make_csv "$tmp/train.csv" 300 1
echo "{\"dataset\":{\"format\":\"csv\",\"train\":\"$tmp/train.csv\"},\"epochs\":1,\"params\":{\"hidden_units\":8}}" > "$tmp/t.json"
rm -rf "$TUNA_CACHE_DIR"
TUNA_BLAS_TEST="wrong=$loaded" TUNA_PARENT=$$ "$worker" "$tmp/t.json" > "$tmp/t1" 2> "$tmp/t1.err"
check "trial: exit status" "$?" 0
TUNA_BLAS_TEST="wrong=$loaded" "$worker" --blas > "$tmp/t1.blas"
if [ "$(get "$tmp/t1.blas" 'len(e["candidates"])')" -gt 1 ]; then
	check "trial: re-executed with the kernel chosen over the wrong one" \
	    "$(get "$tmp/t1" '(e["blas_core"], e["blas_why"])')" \
	    "$(get "$tmp/t1.blas" '(e["core"], e["why"])')"
	check "trial: not the one OpenBLAS loaded" "$(get "$tmp/t1" 'e["blas_core"] != "'"$loaded"'"')" True
else
	echo "# this CPU has one candidate kernel: no re-execution to check"
fi
check "trial: the run completed" "$(grep -c '"event":"done"' "$tmp/t1")" 1
OPENBLAS_CORETYPE=Haswell "$worker" "$tmp/t.json" > "$tmp/t2" 2>&1
check "trial, the user's kernel: start event" "$(get "$tmp/t2" 'e["blas_why"]')" \
    "set by the user (OPENBLAS_CORETYPE=Haswell)"
"$worker" "$tmp/t.json" > "$tmp/t3" 2>&1
"$worker" --blas > "$tmp/t3.blas"
check "trial, the machine's choice: start event" "$(get "$tmp/t3" '(e["blas_core"], e["blas_why"])')" \
    "$(get "$tmp/t3.blas" '(e["core"], e["why"])')"

finish
