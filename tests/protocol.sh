#!/bin/sh
# protocol.sh: the socket protocol as real clients use it. A client that half-closes its
# socket after its requests (shutdown(SHUT_WR): `socat -t N`, `nc -N -U`, sockcat -h) still
# gets every reply and a followed stream to its end; and an event that ends something
# (trial_end, search_end) is sent only once the store has committed it, so that
# `tuna tail -f ID && sqlite3 …` always reads the final state.
set -u
tunad=${1:?usage: protocol.sh TUNAD TUNA TUNA-WORKER SOCKCAT}
tuna=$2
worker=$3
sockcat=$4
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/daemon-lib.sh"

make_csv "$tmp/train.csv" 300 1
start_daemon

# half REQUEST-LINES...: send the lines, half-close, print every reply line until the daemon
# closes the connection (sockcat -h; at most 60 s × $slow).
half() { printf '%s\n' "$@" | "$sockcat" -h -t $((60 * slow)) "$sock"; }

# Two requests and the end of the input in one write: two replies, then the daemon closes.
half '{"type":"hello","id":1}' '{"type":"hello","id":2}' > "$tmp/r"
check "half-closed: both replies" "$(grep -c '"ok":true' "$tmp/r")" 2
check "half-closed: in order" "$(sed -n 's/.*"id":\([0-9]*\).*/\1/p' "$tmp/r" | tr '\n' ' ')" "1 2 "

# A submit's reply comes after its data set is checked off the loop: still sent.
short_spec "$tmp/spec.json" half 3 7
half "{\"type\":\"submit\",\"id\":\"s\",\"spec\":$(tr -d '\n' < "$tmp/spec.json")}" > "$tmp/r"
id=$(sed -n 's/.*"search":\([0-9]*\).*/\1/p' "$tmp/r")
check_true "half-closed: submit replies with the search id ($id)" [ -n "$id" ]

# A followed watch runs to the search's end and {"event":"eof"}, then the daemon closes.
half "{\"type\":\"watch\",\"search\":${id:-0}}" > "$tmp/w"
check "half-closed watch: trial ends" "$(grep -c '"event":"trial_end"' "$tmp/w")" 3
check "half-closed watch: search_end" "$(grep -c '"event":"search_end"' "$tmp/w")" 1
check "half-closed watch: ends with eof" "$(tail -n 1 "$tmp/w")" '{"event":"eof"}'

# A line without its newline at the end of the input is a request too.
printf '{"type":"hello","id":3}' | "$sockcat" -h -t $((10 * slow)) "$sock" > "$tmp/r"
check_contains "half-closed: a last line without newline is answered" "$tmp/r" '"id":3'

# The invocations README gives: socat -t N and nc -N -U wait for the reply, and return as
# soon as the daemon has said everything.
if command -v socat > /dev/null; then
	short_spec "$tmp/spec2.json" socat 2 8
	printf '%s\n' "{\"type\":\"submit\",\"spec\":$(tr -d '\n' < "$tmp/spec2.json")}" |
	    socat -t $((60 * slow)) - UNIX-CONNECT:"$sock" > "$tmp/r"
	id2=$(sed -n 's/.*"search":\([0-9]*\).*/\1/p' "$tmp/r")
	check_true "socat -t: submit's reply ($id2)" [ -n "$id2" ]
	printf '{"type":"watch","search":%s}\n' "${id2:-0}" |
	    socat -t $((60 * slow)) - UNIX-CONNECT:"$sock" > "$tmp/w"
	check "socat -t: watch to the end" "$(tail -n 1 "$tmp/w")" '{"event":"eof"}'
	check "socat -t: search_end seen" "$(grep -c '"event":"search_end"' "$tmp/w")" 1
else
	not_ok "socat is not installed (scripts/setup installs it)"
fi
if command -v nc > /dev/null; then
	printf '{"type":"status","search":%s}\n' "$id" | nc -N -U "$sock" > "$tmp/r"
	check_contains "nc -N -U: status reply" "$tmp/r" '"ok":true'
	printf '{"type":"watch","search":%s}\n' "$id" | nc -N -U "$sock" > "$tmp/w"
	check "nc -N -U: watch of an ended search: history to eof" "$(tail -n 1 "$tmp/w")" '{"event":"eof"}'
	check "nc -N -U: the history has search_end" "$(grep -c '"event":"search_end"' "$tmp/w")" 1
else
	not_ok "nc is not installed (scripts/setup installs netcat-openbsd)"
fi

# Events do not run ahead of the store: the moment tail -f returns, sqlite3 sees every trial
# of the search ended and the search itself ended. Five searches, each read at once.
stale=0
for k in 1 2 3 4 5; do
	short_spec "$tmp/c$k.json" "commit$k" 4 $((20 + k))
	cid=$(submit_id "$tmp/c$k.json")
	"$tuna" tail -f "$cid" > /dev/null 2>&1
	got=$(q "select s.status || ' ' || count(t.id) filter (where t.status = 'running') || ' ' ||
	    count(t.id) filter (where t.status = 'done') from searches s join trials t on
	    t.search_id = s.id where s.id = $cid")
	[ "$got" = "done 0 4" ] || { stale=$((stale + 1)); echo "# search $cid read '$got' after tail -f"; }
done
check "tail -f && sqlite3: the store is final (stale reads of 5)" "$stale" 0

# tail -f of a search with the store mid-commit: trial_end lines only for trials the store
# shows ended. (Every trial_end a watcher received is in the store with its final status.)
short_spec "$tmp/e.json" ends 6 31
eid=$(submit_id "$tmp/e.json")
printf '{"type":"watch","search":%s}\n' "$eid" | "$sockcat" -h -t $((60 * slow)) "$sock" |
while IFS= read -r line; do
	case $line in *'"event":"trial_end"'*)
		tid=$(field trial "$line")
		st=$(q "select status from trials where id = $tid")
		[ "$st" = running ] && echo "trial $tid running after its trial_end" ;;
	*'"event":"eof"'*) break ;;
	esac
done > "$tmp/ahead"
check "every trial_end is committed before it is sent" "$(cat "$tmp/ahead")" ""

"$tuna" shutdown > /dev/null 2>&1
stopped "shutdown"
check_valgrind
finish
