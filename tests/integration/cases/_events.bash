# Helpers for the events case files (events*.sh). Not a case file itself.
# shellcheck shell=bash
. "${BASH_SOURCE[0]%/*}/_common.bash"

EVQ="${BASH_SOURCE[0]%/*}/../helpers/evq.py"

# evsb [ringfence run options] -- CMD...: sbp with a fresh event file $EV
# outside the sandbox's reach.
evsb() {
	EV=$(mktemp "$RF_TEST_TMP/events.XXXXXX")
	sbp --events "$EV" "$@"
}

evq() { "$HOST_PY" "$EVQ" "$EV" "$@"; }

# expect_stream: RunStarted first, RunFinished last, one run id, all JSON.
expect_stream() {
	local c
	c=$(evq check 2>&1)
	[ "$c" = ok ] || _fail "${1:-event stream}: $c ($(head -c 600 "$EV"))"
}

# expect_violation N "what" KEY=PAT...: exactly N first reports match.
expect_violation() {
	local want=$1 what=$2 got
	shift 2
	got=$(evq count "$@")
	[ "$got" = "$want" ] || _fail "$what: $want violation(s) $* expected, got $got: $(evq list | head -20 | tr '\n' ';') $(_ctx)"
}

# expect_no_violation "what": the stream has no SandboxViolation at all.
expect_no_violation() {
	local got
	got=$(evq count)
	[ "$got" = 0 ] || _fail "$1: no violation expected, got $got: $(evq list | head -10 | tr '\n' ';') $(_ctx)"
}

# expect_table "what" < TABLE (see evq.py expect); then every violation in
# the stream must be one the table names (nothing unexpected).
expect_table() {
	local table r n_table n_all
	table=$(cat)
	r=$(printf '%s\n' "$table" | evq expect 2>&1)
	[ "$r" = ok ] || _fail "$1: $(printf '%s' "$r" | head -12 | tr '\n' ';') -- all: $(evq list | head -60 | tr '\n' ';')"
	n_table=$(printf '%s\n' "$table" | awk -F'\t' 'NF {s += $1} END {print s + 0}')
	n_all=$(evq count)
	[ "$n_all" = "$n_table" ] || _fail "$1: $n_all violations in all, the table names $n_table: $(evq list | tr '\n' ';')"
}

# row N OP TARGET RULE ERRNO [KEY=PAT...]: one table line
row() {
	local n=$1 op=$2 target=$3 rule=$4 err=$5
	shift 5
	printf '%s\toperation=%s\ttarget=%s\trule=%s\terrno=%s' "$n" "$op" "$target" "$rule" "$err"
	[ $# -gt 0 ] && printf '\t%s' "$@"
	printf '\n'
}
