# Shared helpers for integration test cases (sourced by tests/integration/run).
#
# A case file defines test functions named t_*; `run` calls each one in a
# fresh workspace ($WS, a git-free empty directory owned by the current user,
# cwd set to it) with a fresh fake $HOME ($FAKE_HOME) holding decoy secrets.
#
# Inside a test, call:
#   sb [ringfence run options] -- CMD...   run CMD in a sandbox (workspace $WS,
#                                          HOME=$FAKE_HOME); sets RC, OUT, ERR
#   run_captured CMD...                    any command, the same RC, OUT, ERR
#   expect_rc N "what"                     RC must be N
#   expect_denied "what"                   RC must be non-zero and not 125
#   expect_out "text" "what"               OUT must contain text
#   expect_err "text" "what"               ERR must contain text
#   expect_not_out "text" "what"
#   skip_kernel "reason"                   the kernel lacks the feature (only then)
#   skip_unavailable "reason"              a service the test needs is out of reach
# A test fails at its first failed expectation; a test with no failure passes.

RINGFENCE=${RINGFENCE:?RINGFENCE must point to the ringfence binary}
RF_PROBE=${RF_PROBE:?RF_PROBE must point to the rf-probe binary}

_t_failed=0
_t_skipped=""

# run_captured CMD...: run CMD with stdin from /dev/null; sets RC, OUT, ERR.
run_captured() {
	local out err
	out=$(mktemp "$RF_TEST_TMP/out.XXXXXX") err=$(mktemp "$RF_TEST_TMP/err.XXXXXX")
	"$@" >"$out" 2>"$err" </dev/null
	RC=$?
	OUT=$(cat "$out") ERR=$(cat "$err")
	rm -f "$out" "$err"
	return 0
}

sb() {
	HOME="$FAKE_HOME" run_captured "$RINGFENCE" run --workspace "$WS" "$@"
}

# Same, but the caller controls HOME and the workspace (no --workspace added).
sb_raw() {
	run_captured "$RINGFENCE" "$@"
}

_fail() {
	[ "$_t_failed" = 0 ] && echo "    # $*" >&2
	_t_failed=1
}

_ctx() { printf 'rc=%s out=[%.300s] err=[%.300s]' "$RC" "$OUT" "$ERR"; }

expect_rc() { [ "$RC" = "$1" ] || _fail "$2: expected rc $1, $(_ctx)"; }
expect_denied() {
	if [ "$RC" = 0 ] || [ "$RC" = 125 ]; then _fail "$1: expected a denial, $(_ctx)"; fi
}
expect_out() { case "$OUT" in *"$1"*) ;; *) _fail "$2: stdout lacks '$1', $(_ctx)" ;; esac; }
expect_not_out() { case "$OUT" in *"$1"*) _fail "$2: stdout has '$1', $(_ctx)" ;; esac; }
expect_err() { case "$ERR" in *"$1"*) ;; *) _fail "$2: stderr lacks '$1', $(_ctx)" ;; esac; }
expect_true() { "$@" || _fail "condition failed: $*"; }
skip_kernel() { _t_skipped="kernel lacks it: $1"; }
# Only for what the test cannot have on this host, said in the output (a
# network service the test needs and the host cannot reach).
skip_unavailable() { _t_skipped="$1"; }
