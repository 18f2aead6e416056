# The run result: --result FILE and --json (fd 3) write one JSON object that
# says what was enforced; --json without fd 3 fails before running anything.
# shellcheck shell=bash disable=SC2016,SC2088,SC2119
. "${BASH_SOURCE[0]%/*}/_common.bash"

# _jq FILE EXPR: evaluate a Python expression on the single JSON object in FILE
# (bound to r); prints the value; fails if FILE is not exactly one object.
_jq() {
	"$HOST_PY" - "$1" "$2" <<-'EOF'
		import json, sys
		text = open(sys.argv[1]).read()
		r = json.loads(text)  # raises on trailing data: exactly one document
		assert isinstance(r, dict), "not an object"
		v = eval(sys.argv[2], {}, {"r": r})
		print(json.dumps(v) if not isinstance(v, str) else v)
	EOF
}
_json_is() { # FILE EXPR EXPECTED
	local v; v=$(_jq "$1" "$2" 2>&1)
	[ "$v" = "$3" ] || _fail "$2: expected $3, got [$v] in $(cat "$1" 2>/dev/null)"
}

t_result_file_one_object() {
	local f="$RF_TEST_TMP/result.${WS##*.}.json"
	sbp --result "$f" -- sh -c 'echo hi; exit 7'
	expect_rc 7 "exit code"
	expect_out "hi" "command output"
	_json_is "$f" 'r["exit_status"]' 7
	_json_is "$f" 'r.get("exit_code")' 7
	_json_is "$f" 'r["sandbox_enforced"]' true
	_json_is "$f" 'r["effective_backend"]' namespaces
	_json_is "$f" 'r["configured_backend"]' native
	_json_is "$f" 'r["landlock_abi"] >= 1' true
	_json_is "$f" 'r["sandbox_mode"]' workspace-write
	_json_is "$f" 'r["network"]' offline
	expect_true test "$(grep -c . "$f")" -le 1
}

t_result_file_signal() {
	local f="$RF_TEST_TMP/result.${WS##*.}.json"
	sbp --result "$f" -- sh -c 'kill -9 $$'
	expect_rc 137 "killed"
	_json_is "$f" 'r["exit_status"]' 137
	_json_is "$f" 'r.get("signal")' SIGKILL
}

t_result_reports_modes() {
	local f="$RF_TEST_TMP/result.${WS##*.}.json"
	sbp --result "$f" --sandbox-mode read-only --network online -- true
	_json_is "$f" 'r["sandbox_mode"]' read-only
	_json_is "$f" 'r["network"]' online
}

t_json_fd3_works() {
	local f="$RF_TEST_TMP/fd3.${WS##*.}.json"
	sbp --json -- sh -c 'echo on-stdout' 3>"$f"
	expect_rc 0 "--json with fd 3 open"
	expect_out "on-stdout" "stdout is the command's, not the JSON"
	expect_not_out "sandbox_enforced" "the JSON is not on stdout"
	_json_is "$f" 'r["exit_status"]' 0
	_json_is "$f" 'r["sandbox_enforced"]' true
	_json_is "$f" 'r["effective_backend"]' namespaces
	_json_is "$f" 'r["landlock_abi"] >= 1' true
}

t_json_without_fd3_fails_before_running() {
	local marker="$WS/ran-marker"
	exec 3>&- # make sure fd 3 is closed
	sbp --json -- sh -c "echo RAN; touch '$marker'"
	expect_rc 125 "--json with fd 3 closed"
	expect_err "ringfence: " "message"
	expect_not_out "RAN" "the command must not run"
	expect_true test ! -e "$marker"
}

t_result_unwritable_path_fails_before_running() {
	local marker="$WS/ran-marker"
	sbp --result "$RF_TEST_TMP/no/such/dir/r.json" -- sh -c "echo RAN; touch '$marker'"
	expect_rc 125 "--result into a missing directory"
	expect_not_out "RAN" "the command must not run"
	expect_true test ! -e "$marker"
}

t_result_setup_failure_not_enforced_lie() {
	# a failed setup must not produce a result claiming an enforced run
	local f="$RF_TEST_TMP/result.${WS##*.}.json"
	sb_raw run --workspace "$RF_TEST_TMP/missing-ws" --result "$f" -- true
	expect_rc 125 "bad workspace"
	if [ -s "$f" ]; then
		local v; v=$(_jq "$f" 'r.get("exit_status")' 2>&1)
		[ "$v" = 0 ] && _fail "a result with exit_status 0 for a run that never started: $(cat "$f")"
	fi
	return 0
}
