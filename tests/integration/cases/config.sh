# Configuration files: the global file and the workspace file take effect in
# run; flags win over both; a workspace file that tries to widen the policy
# is refused (exit 125, FILE:LINE:COL and the key named) unless the global
# file trusts the workspace; unknown keys and wrong types are refused.
# shellcheck shell=bash disable=SC2016
. "${BASH_SOURCE[0]%/*}/_config.bash"

t_global_sandbox_mode_takes_effect() {
	sbp -- "$PROBE" write f1
	expect_rc 0 "no config: the workspace is writable"
	global_config <<<'sandbox_mode = "read-only"'
	sbp -- "$PROBE" write f2
	expect_denied "global sandbox_mode = read-only"
	expect_out "EROFS" "read-only file system"
	expect_true test ! -e "$WS/f2"
	sbp -- "$PROBE" read "$WS/f1"
	expect_rc 0 "reading still works"
}

t_global_network_takes_effect() {
	sbp -- sh -c "$NET_IFACES"
	expect_out "lo" "offline: own loopback"
	local offline=$OUT
	global_config <<<$'[network]\nmode = "online"'
	sbp -- sh -c "$NET_IFACES"
	expect_rc 0 "online run"
	[ "$OUT" != "$offline" ] || [ "$(ls /sys/class/net | wc -l)" = 1 ] ||
		_fail "network.mode = online did not give the host's interfaces: $OUT"
}

t_global_hidden_and_read_only_take_effect() {
	mkdir -p "$FAKE_HOME/notes" "$RF_TEST_TMP/data-$$"
	echo PRIVATE >"$FAKE_HOME/notes/n.txt"
	echo DATA >"$RF_TEST_TMP/data-$$/d.txt"
	global_config <<EOF
[filesystem]
hidden = ["~/notes"]
read_only = ["$RF_TEST_TMP/data-$$"]
EOF
	sbp -- "$PROBE" read "$FAKE_HOME/notes/n.txt"
	expect_denied "a hidden path from the global file"
	expect_not_out "PRIVATE" "hidden content"
	sbp -- "$PROBE" read "$RF_TEST_TMP/data-$$/d.txt"
	expect_rc 0 "a read-only grant from the global file"
	expect_out "DATA" "granted content"
	sbp -- "$PROBE" write "$RF_TEST_TMP/data-$$/new"
	expect_denied "the grant is read-only"
}

t_global_writable_root_and_protected() {
	mkdir -p "$RF_TEST_TMP/wr-$$"
	chmod 777 "$RF_TEST_TMP/wr-$$"
	global_config <<EOF
[sandbox_workspace_write]
writable_roots = ["$RF_TEST_TMP/wr-$$"]
[filesystem]
protected = ["Makefile"]
EOF
	echo 'all:' >"$WS/Makefile"
	sbp -- "$PROBE" write "$RF_TEST_TMP/wr-$$/out"
	expect_rc 0 "a writable root from the global file"
	sbp -- "$PROBE" append "$WS/Makefile"
	expect_denied "a protected path from the global file"
	sbp -- "$PROBE" write "$RF_TEST_TMP/wr-$$/Makefile"
	expect_denied "protected inside every writable root, also when missing"
}

t_workspace_file_narrows() {
	ws_config <<<'sandbox_mode = "read-only"'
	sbp -- "$PROBE" write f
	expect_denied "the workspace file narrowed to read-only"
	expect_true test ! -e "$WS/f"
	ws_config <<<$'[filesystem]\nhidden = ["secret.env"]'
	echo TOKEN=1 >"$WS/secret.env"
	sbp -- "$PROBE" read "$WS/secret.env"
	expect_denied "the workspace file hides its own secret"
	expect_not_out "TOKEN" "hidden content"
}

t_workspace_widening_refused() {
	global_config <<<'sandbox_mode = "read-only"'
	ws_config <<<$'# from a cloned repository\nsandbox_mode = "danger-full-access"'
	sbp -- sh -c 'echo RAN; touch pwned'
	expect_rc 125 "a widening workspace file"
	expect_not_out "RAN" "the command did not run"
	expect_true test ! -e "$WS/pwned"
	expect_err "ringfence: $WS_CONFIG:2:16: sandbox_mode = \"danger-full-access\" would widen the policy" "names file:line:col and the key"
	expect_err "$GLOBAL_CONFIG:1" "names the global setting it would widen"
	expect_err "trusted_workspaces" "says how to allow it"
}

t_workspace_widening_without_global_refused() {
	# no global file: the built-in defaults are what it may not widen
	ws_config <<<$'[network]\nmode = "online"'
	sbp -- true
	expect_rc 125 "network online from a workspace file"
	expect_err "network.mode = \"online\" would widen the policy" "names the key"
	ws_config <<EOF
[sandbox_workspace_write]
writable_roots = ["$FAKE_HOME"]
EOF
	sbp -- "$PROBE" write "$FAKE_HOME/.bashrc"
	expect_rc 125 "a writable root outside the workspace"
	expect_err "$WS_CONFIG:2:19: sandbox_workspace_write.writable_roots" "names the element"
	ws_config <<<$'[backend]\ntype = "none"'
	sbp -- true
	expect_rc 125 "backend none from a workspace file"
	expect_err "backend.type" "names the key"
	ws_config <<<$'[filesystem]\nread_only = ["~/.ssh/id_rsa"]'
	sbp -- "$PROBE" read "$FAKE_HOME/.ssh/id_rsa"
	expect_rc 125 "unhiding a secret by a read-only grant"
	expect_not_out "SECRET" "no secret"
}

t_workspace_worktree_writable_root_refused() {
	# lexically inside the workspace, but a linked worktree whose git dir is
	# elsewhere: the plan check sees that git dir would become writable
	git_repo "$RF_TEST_TMP/other-$$"
	git -C "$RF_TEST_TMP/other-$$" worktree add -q "$WS/wt" 2>/dev/null
	ws_config <<<$'[sandbox_workspace_write]\nwritable_roots = ["wt"]'
	sbp -- "$PROBE" write "$RF_TEST_TMP/other-$$/.git/objects/planted"
	expect_rc 125 "a writable root that drags another repository's git dir in"
	expect_err "would widen the policy: it makes $RF_TEST_TMP/other-$$/.git writable" "names the path"
	expect_true test ! -e "$RF_TEST_TMP/other-$$/.git/objects/planted"
}

t_trusted_workspace_may_widen() {
	global_config <<EOF
sandbox_mode = "read-only"
trusted_workspaces = ["$WS"]
EOF
	ws_config <<<'sandbox_mode = "workspace-write"'
	sbp -- "$PROBE" write f
	expect_rc 0 "a trusted workspace file widens"
	expect_true test -f "$WS/f"
	rf status
	expect_out "trusted: may widen the global policy (trusted_workspaces, $GLOBAL_CONFIG:2)" "status says why"
}

t_trusted_workspaces_only_from_global() {
	ws_config <<EOF
trusted_workspaces = ["$WS"]
sandbox_mode = "danger-full-access"
EOF
	sbp -- true
	expect_rc 125 "a workspace cannot trust itself"
	expect_err "$WS_CONFIG:1:1: trusted_workspaces is read only from the global file" "says so"
}

t_unknown_key_refused() {
	global_config <<<$'[network]\nmode = "offline"\nallow_domains = ["x.com"]'
	sbp -- sh -c 'echo RAN'
	expect_rc 125 "an unknown key"
	expect_not_out "RAN" "the command did not run"
	expect_err "ringfence: $GLOBAL_CONFIG:3:1: unknown key 'allow_domains' in [network]" "file:line:col"
	ws_config <<<'sandbox-mode = "read-only"'
	rm -f "$GLOBAL_CONFIG"
	sbp -- true
	expect_rc 125 "an unknown key in the workspace file"
	expect_err "$WS_CONFIG:1:1: unknown key 'sandbox-mode'" "file:line:col"
}

t_wrong_type_refused() {
	global_config <<<$'\n[limits]\ntimeout = true'
	sbp -- true
	expect_rc 125 "a wrong type"
	expect_err "$GLOBAL_CONFIG:3:11: limits.timeout must be a number of seconds" "position of the value"
	global_config <<<'sandbox_mode = "readonly"'
	sbp -- true
	expect_rc 125 "a wrong value"
	expect_err "expected one of read-only, workspace-write, danger-full-access" "lists the values"
	global_config <<<'[network'
	sbp -- true
	expect_rc 125 "not TOML"
	expect_err "$GLOBAL_CONFIG:1:" "the TOML reader's position"
}

t_flags_win_over_config() {
	global_config <<<'sandbox_mode = "read-only"'
	sbp --sandbox-mode workspace-write -- "$PROBE" write f
	expect_rc 0 "--sandbox-mode wins over the global file"
	rf status --sandbox-mode workspace-write
	expect_out "workspace-write" "status shows the flag's value"
	expect_out "--sandbox-mode" "status names the flag as the source"
}

t_config_symlink_refused() {
	mkdir -p "$RF_TEST_TMP/elsewhere-$$"
	echo 'sandbox_mode = "read-only"' >"$RF_TEST_TMP/elsewhere-$$/config.toml"
	mkdir -p "$WS/.ringfence"
	ln -s "$RF_TEST_TMP/elsewhere-$$/config.toml" "$WS/.ringfence/config.toml"
	sbp -- true
	expect_rc 125 "a symlinked workspace config"
	expect_err "a symlink is in the way" "says why"
}

t_confirmations_warn_not_implemented() {
	global_config <<<$'[confirmations]\nforce_push = true'
	sbp --result "$RF_TEST_TMP/r-$$.json" -- true
	expect_rc 0 "the command runs"
	expect_err "warning: confirmations.force_push is enabled ($GLOBAL_CONFIG:2) but confirmations are not implemented yet" "stderr warns"
	expect_true grep -q 'confirmations are not implemented yet' "$RF_TEST_TMP/r-$$.json"
}

t_agent_without_network_egress_is_offline() {
	global_config <<'EOF'
[network]
mode = "online"
[agents.bot]
capabilities = ["github_api"]
EOF
	sbp --agent bot -- sh -c "$NET_IFACES"
	expect_rc 0 "the agent's run"
	expect_out "lo" "own loopback"
	[ "$(echo "$OUT" | wc -w)" = 1 ] || _fail "agent without network_egress saw interfaces: $OUT"
	expect_err "agent bot lacks the network_egress capability, so the sandbox is offline" "warned"
	expect_err "withholding push_to_repo, ticketing is NOT enforced yet" "says what is not enforced"
	sbp --agent nobody -- true
	expect_rc 125 "an undefined agent"
	expect_err "no agent 'nobody' in the config files (defined: bot)" "names the agents"
}

t_agent_sandbox_mode_and_mode() {
	git_repo
	global_config <<'EOF'
[agents.reader]
sandbox_mode = "read-only"
[agents.planner]
mode = "plan"
EOF
	sbp --agent reader -- "$PROBE" write f
	expect_denied "the agent's sandbox_mode"
	sbp --agent planner -- git log --oneline
	expect_rc 0 "the agent's plan mode allows git log"
	sbp --agent planner -- git commit --allow-empty -qm x
	expect_denied "the agent's plan mode refuses git commit"
	sbp --agent planner --mode chat -- git commit --allow-empty -qm x
	expect_rc 0 "--mode chat wins over the agent's mode"
}

t_limits_parsed_into_policy() {
	global_config <<<$'[limits]\ntimeout = "90s"\nmemory = "512M"\npids = 64\ncpu = 1.5'
	rf status --json
	expect_rc 0 "status"
	expect_true test "$(json_get 'j["policy"]["limits"]["timeout"]["value"]')" = 90.0
	expect_true test "$(json_get 'j["policy"]["limits"]["memory"]["value"]')" = 536870912.0
	expect_true test "$(json_get 'j["policy"]["limits"]["pids"]["value"]')" = 64.0
	expect_true test "$(json_get 'j["policy"]["limits"]["cpu"]["source"]')" = "$GLOBAL_CONFIG:5"
}

t_config_flag_replaces_global_file() {
	global_config <<<'sandbox_mode = "read-only"'
	echo 'sandbox_mode = "workspace-write"' >"$RF_TEST_TMP/other-$$.toml"
	sbp --config "$RF_TEST_TMP/other-$$.toml" -- "$PROBE" write f
	expect_rc 0 "--config FILE is read instead of the global file"
	rf status --config "$RF_TEST_TMP/other-$$.toml"
	expect_out "$RF_TEST_TMP/other-$$.toml:1" "status names it"
	sbp --config "$RF_TEST_TMP/missing-$$.toml" -- true
	expect_rc 125 "a named config file that does not exist"
	expect_err "cannot read config file $RF_TEST_TMP/missing-$$.toml" "says so"
}
