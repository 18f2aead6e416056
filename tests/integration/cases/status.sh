# ringfence status and doctor: what is configured, what is in force and why,
# with the source of every setting; doctor's verdict on this machine.
# shellcheck shell=bash disable=SC2016
. "${BASH_SOURCE[0]%/*}/_config.bash"

t_status_defaults() {
	rf status --json
	expect_rc 0 "status"
	expect_true test "$(json_get 'j["policy"]["sandbox_mode"]["value"]')" = workspace-write
	expect_true test "$(json_get 'j["policy"]["sandbox_mode"]["source"]')" = default
	expect_true test "$(json_get 'j["config_files"]["global"]["path"]')" = "$GLOBAL_CONFIG"
	expect_true test "$(json_get 'j["config_files"]["global"]["state"]')" = absent
	expect_true test "$(json_get 'j["config_files"]["workspace"]["state"]')" = absent
	expect_true test "$(json_get 'j["backend"]["configured"]["value"]')" = native
	expect_true test "$(json_get 'j["kernel"]["landlock_abi"] > 0')" = True
	# the kernel as run sees it: the same rung run takes
	local eff; eff=$(json_get 'j["backend"]["effective"]')
	sbp --result "$RF_TEST_TMP/r-$$.json" -- true
	expect_true test "$("$HOST_PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["effective_backend"])' "$RF_TEST_TMP/r-$$.json")" = "$eff"
}

t_status_names_every_source() {
	mkdir -p "$RF_TEST_TMP/wr-$$"
	global_config <<EOF
sandbox_mode = "read-only"
[network]
mode = "online"
[sandbox_workspace_write]
writable_roots = ["$RF_TEST_TMP/wr-$$"]
[limits]
timeout = "2m"
[agents.bot]
capabilities = ["github_api"]
EOF
	ws_config <<<$'[filesystem]\nhidden = ["secrets"]'
	rf status --json --hide "$WS/other" --agent bot
	expect_rc 0 "status"
	expect_true test "$(json_get 'j["policy"]["sandbox_mode"]["source"]')" = "$GLOBAL_CONFIG:1"
	expect_true test "$(json_get 'j["policy"]["writable_roots"][0]["source"]')" = "$GLOBAL_CONFIG:5"
	expect_true test "$(json_get 'j["policy"]["limits"]["timeout"]["source"]')" = "$GLOBAL_CONFIG:7"
	expect_true test "$(json_get '[h["source"] for h in j["policy"]["hidden"] if h["spec"] == "secrets"][0]')" = "$WS_CONFIG:2"
	expect_true test "$(json_get '[h["source"] for h in j["policy"]["hidden"] if h["path"] == "'"$WS"'/other"][0]')" = "--hide"
	expect_true test "$(json_get 'j["config_files"]["workspace"]["trusted"]')" = False
	# the agent withholds network_egress: offline, and says why
	expect_true test "$(json_get 'j["policy"]["network"]["value"]')" = offline
	expect_true test "$(json_get '"without network_egress" in j["policy"]["network"]["source"]')" = True
	expect_true test "$(json_get '[c["granted"] for c in j["policy"]["agent"]["capabilities"] if c["name"] == "push_to_repo"][0]')" = False
	expect_true test "$(json_get '[c["enforced"] for c in j["policy"]["agent"]["capabilities"] if c["name"] == "push_to_repo"][0]')" = False
	expect_true test "$(json_get 'len(j["warnings"]) >= 2')" = True
	rf status --network allowlist
	expect_out "--network" "a flag as the source (text)"
	expect_out "$GLOBAL_CONFIG:1" "a file line as the source (text)"
	expect_out "narrow-only: may only narrow the global policy" "the workspace file's rule"
}

t_status_modes() {
	rf status --json --mode plan
	expect_true test "$(json_get 'j["policy"]["sandbox_mode"]["value"]')" = read-only
	expect_true test "$(json_get 'j["policy"]["sandbox_mode"]["source"]')" = "mode:plan (--mode)"
	expect_true test "$(json_get 'j["policy"]["sandbox_mode"]["configured"]["value"]')" = workspace-write
	expect_true test "$(json_get '"git log" in [t["tool"] for t in j["policy"]["modes"]["plan"]["tools"]]')" = True
	expect_true test "$(json_get 'any("execute right only for the tool list" in f for f in j["features_in_use"])')" = True
}

t_status_refuses_bad_config() {
	global_config <<<'sandbox_mode = "sandboxed"'
	rf status
	expect_rc 125 "status of an invalid config"
	expect_err "$GLOBAL_CONFIG:1:16: sandbox_mode = \"sandboxed\"" "the reason"
}

t_status_backend_none() {
	rf status --json --backend none
	expect_true test "$(json_get 'j["backend"]["effective"]')" = none
	expect_true test "$(json_get '"backend = none (--backend)" in j["backend"]["reason"]')" = True
	rf status --json --backend none --mode plan
	expect_true test "$(json_get 'j["backend"]["effective"]')" = refused
}

t_doctor_full_sandbox() {
	rf doctor --json
	local full; full=$(json_get 'j["full_sandbox"]')
	if [ "$full" = True ]; then expect_rc 0 "doctor: full sandbox"; else expect_rc 1 "doctor: not full"; fi
	for c in "user namespaces" landlock seccomp "cgroup v2 delegation" "config files"; do
		expect_true test "$(json_get '"'"$c"'" in [c["check"] for c in j["checks"]]')" = True
	done
	# on this suite's machines the sandbox is whole (user namespaces, Landlock, seccomp notify)
	expect_true test "$(json_get '[c["level"] for c in j["checks"] if c["check"] == "landlock"][0]')" != FAIL
	rf doctor
	expect_out "user namespaces:" "text output"
}

t_doctor_reports_bad_config() {
	mkdir -p "$WS/.ringfence"
	echo 'mode = 1' >"$WS/.ringfence/config.toml"
	out=$(cd "$WS" && HOME="$FAKE_HOME" "$RINGFENCE" doctor 2>&1)
	RC=$? OUT=$out
	expect_rc 1 "doctor with an invalid workspace config"
	expect_out "[FAIL] config files: $WS_CONFIG:1:1: unknown key 'mode'" "names the file and position"
	expect_out "fix:" "says what to do"
}

t_doctor_without_user_namespaces() {
	if ! unshare -Ur sh -c 'echo 0 > /proc/sys/user/max_user_namespaces' 2>/dev/null; then
		echo "    # (cannot take user namespaces away here; not exercised)" >&2
		return 0
	fi
	local out
	out=$(cd "$WS" && HOME="$FAKE_HOME" unshare -Ur sh -c 'echo 0 > /proc/sys/user/max_user_namespaces &&
		exec setpriv --bounding-set=-all --inh-caps=-all "$@"' sh "$RINGFENCE" doctor 2>&1)
	RC=$? OUT=$out
	expect_rc 1 "doctor without user namespaces"
	expect_out "[FAIL] user namespaces" "the failing check"
	expect_out "user.max_user_namespaces=0" "the knob"
	expect_out "sysctl -w user.max_user_namespaces=15000" "the fix"
	out=$(cd "$WS" && HOME="$FAKE_HOME" unshare -Ur sh -c 'echo 0 > /proc/sys/user/max_user_namespaces &&
		exec setpriv --bounding-set=-all --inh-caps=-all "$@"' sh "$RINGFENCE" status --workspace "$WS" --json 2>&1)
	OUT=$out
	expect_true test "$(json_get 'j["backend"]["effective"]')" = landlock-only
	expect_true test "$(json_get '"max_user_namespaces=0" in j["backend"]["reason"]')" = True
}
