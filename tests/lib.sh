# lib.sh: helpers for the shell integration tests (sourced). Each test prints "ok - …" or
# "not ok - …" with both values, and the script exits non-zero if any check failed.

tests_failed=0
tests_passed=0

# A private temporary directory, removed on exit.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tuna-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export TUNA_CACHE_DIR="$tmp/cache"

ok() { tests_passed=$((tests_passed + 1)); echo "ok - $1"; }
not_ok() { tests_failed=$((tests_failed + 1)); echo "not ok - $1"; }

# check NAME GOT WANT: equal strings.
check() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1: got '$2', want '$3'"; fi
}

# check_true NAME CONDITION-COMMAND...: the command succeeds.
check_true() {
	name=$1; shift
	if "$@"; then ok "$name"; else not_ok "$name: '$*' is false"; fi
}

# check_contains NAME FILE TEXT: the file contains the text.
check_contains() {
	if grep -qF -- "$3" "$2"; then ok "$1"; else
		not_ok "$1: '$3' not in $2:"; sed 's/^/    /' "$2" | head -20
	fi
}

# field NAME LINE: a JSON member's raw value from a one-line object.
field() {
	printf '%s\n' "$2" | sed -n "s/.*\"$1\":\\([^,}]*\\).*/\\1/p" | head -n 1
}

# gt A B: A > B as numbers.
gt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 > b + 0) }'; }

# make_csv FILE ROWS SEED [NOISE]: a learnable 3-class data set of 8 features, a header row.
make_csv() {
	awk -v n="$2" -v seed="$3" -v noise="${4:-1.5}" 'BEGIN {
		srand(seed);
		print "label,f0,f1,f2,f3,f4,f5,f6,f7";
		for (i = 0; i < n; i++) {
			c = i % 3; line = c;
			for (j = 0; j < 8; j++) {
				v = (j % 3 == c ? 2.0 : 0.0) + (rand() - 0.5) * noise;
				line = line "," v;
			}
			print line;
		}
	}' > "$1"
}

# finish: print the tally and exit with the right status.
finish() {
	echo "# $tests_passed passed, $tests_failed failed"
	[ "$tests_failed" -eq 0 ]
}
