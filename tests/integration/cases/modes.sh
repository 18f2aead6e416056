# Conversation modes: plan and review make the workspace read-only and let
# only the mode's tools run, enforced by the kernel (Landlock's execute right,
# noexec mounts) and checked with arguments by the supervisor (execve through
# seccomp user notification), every refusal reported.
# shellcheck shell=bash disable=SC2016
. "${BASH_SOURCE[0]%/*}/_config.bash"

# A shared object whose constructor prints EVIL: to show that code planted in
# a writable place cannot be loaded into an allowed tool (LD_PRELOAD).
_evil_so() {
	rf_setup_bin
	[ -f "$RF_BIN/evil.so" ] && return 0
	printf '#include <stdio.h>\n__attribute__((constructor)) static void evil(void) { puts("EVIL-CODE-RAN"); }\n' \
		>"$RF_TEST_TMP/evil.c"
	cc -shared -fPIC -o "$RF_BIN/evil.so" "$RF_TEST_TMP/evil.c" && chmod 755 "$RF_BIN/evil.so"
}

t_plan_read_tools_work() {
	git_repo
	sbp --mode plan -- cat README
	expect_rc 0 "cat"
	expect_out "base" "cat's output"
	sbp --mode plan -- git log --oneline
	expect_rc 0 "git log"
	expect_out "base" "the commit"
	sbp --mode plan -- git status --short
	expect_rc 0 "git status"
	sbp --mode plan -- git --no-pager -C "$WS" diff
	expect_rc 0 "git with global options before the subcommand"
	sbp --mode plan -- bash -lc 'ls | grep -c README && head -1 README | wc -l'
	expect_rc 0 "a shell running tools, as harnesses do"
	sbp --mode plan -- sh -c 'grep -r base . >/tmp/hits; cat /tmp/hits'
	expect_rc 0 "writing the private /tmp"
	expect_out "README:base" "the tools' output"
}

t_plan_git_commit_refused() {
	git_repo
	local before; before=$(git -C "$WS" rev-list --count HEAD)
	sbp --mode plan --verbose -- git commit --allow-empty -qm pwned
	expect_denied "git commit"
	expect_err "denied exec /usr/bin/git (rule mode:plan (git commit is not in the plan mode tool list), default)" "reported with the rule"
	expect_true test "$(git -C "$WS" rev-list --count HEAD)" = "$before"
	sbp --mode plan -- git -c alias.x='!touch /tmp/y' x
	expect_denied "git with an alias"
	sbp --mode plan -- sh -c 'git checkout -b other'
	expect_denied "git checkout through a shell"
}

t_plan_workspace_read_only() {
	git_repo
	global_config <<<'sandbox_mode = "workspace-write"'
	sbp --mode plan -- sh -c 'echo x > new-file'
	expect_denied "a shell redirection into the workspace"
	expect_true test ! -e "$WS/new-file"
	sbp --mode plan --sandbox-mode danger-full-access -- sh -c 'echo x > new-file'
	expect_denied "plan stays read-only whatever --sandbox-mode says"
	sbp --mode plan --verbose -- touch README
	expect_denied "touch (not a tool)"
	expect_rc 126 "exec refused"
	expect_err "denied exec /usr/bin/touch (rule mode:plan (not in the plan mode tool list), default)" "reported"
	sbp -- touch README
	expect_rc 0 "chat mode: touch works"
}

t_plan_interpreters_refused() {
	sbp --mode plan --verbose -- python3 -c 'print("PY-RAN")'
	expect_denied "python3"
	expect_not_out "PY-RAN" "python did not run"
	expect_err "denied exec" "reported"
	expect_err "mode:plan (not in the plan mode tool list)" "the rule"
	sbp --mode plan -- env python3 -c 'print("PY-RAN")'
	expect_denied "python3 through env"
	expect_not_out "PY-RAN" "python did not run"
	sbp --mode plan -- sh -c 'perl -e "print 1" || exit 3'
	expect_rc 3 "perl through a shell"
	sbp -- python3 -c 'print("PY-RAN")'
	expect_out "PY-RAN" "chat mode: python runs"
}

t_plan_planted_binary_refused() {
	cp /usr/bin/true "$WS/a.out"
	chmod 755 "$WS/a.out"
	sbp --mode plan --verbose -- sh -c 'exec ./a.out'
	expect_denied "sh -c 'exec ./a.out'"
	expect_err "denied exec $WS/a.out" "reported"
	sbp --mode plan -- ./a.out
	expect_rc 126 "./a.out directly"
	sbp --mode plan -- "$PROBE" getuid
	expect_rc 126 "a visible binary that is not a tool"
	sbp --mode plan --verbose -- sh -c "cat $PROBE_STATIC > /tmp/p; exec /tmp/p getuid"
	expect_denied "a binary copied to /tmp"
	expect_not_out "ALLOWED" "it did not run"
	expect_err "denied exec /tmp/p (rule mode:plan (not in the plan mode tool list)" "reported"
	# with a configured cp and chmod it is executable by its mode bits, and still refused
	global_config <<<$'[modes.plan]\ntools = ["@default", "cp", "chmod"]'
	sbp --mode plan --verbose -- sh -c "cp $PROBE_STATIC /tmp/p && chmod 755 /tmp/p && exec /tmp/p getuid"
	expect_denied "an executable copied to /tmp"
	expect_not_out "ALLOWED" "it did not run"
	expect_err "denied exec /tmp/p" "reported"
	rm -f "$GLOBAL_CONFIG"
	sbp -- ./a.out
	expect_rc 0 "chat mode: the same binary runs"
}

t_plan_loader_tricks_refused() {
	_evil_so || { _fail "cannot build the test library"; return; }
	git_repo
	cp "$RF_BIN/evil.so" "$WS/evil.so"
	sbp -- sh -c "LD_PRELOAD=$WS/evil.so cat README"
	expect_out "EVIL-CODE-RAN" "chat mode: LD_PRELOAD does load code (the attack is real)"
	sbp --mode plan -- sh -c "LD_PRELOAD=$WS/evil.so cat README"
	expect_not_out "EVIL-CODE-RAN" "plan: a library planted in the workspace is not loaded (noexec)"
	expect_out "base" "cat itself still runs"
	sbp --mode plan -- sh -c "cat $RF_BIN/evil.so > /tmp/e.so; LD_PRELOAD=/tmp/e.so cat README"
	expect_not_out "EVIL-CODE-RAN" "plan: a library written to /tmp is not loaded (noexec)"
	sbp --mode plan -- sh -c "cat $RF_BIN/evil.so > /dev/shm/e.so; LD_PRELOAD=/dev/shm/e.so cat README"
	expect_not_out "EVIL-CODE-RAN" "plan: nor from /dev/shm"
	local ld; ld=$(readlink -f /lib64/ld-linux-x86-64.so.2)
	sbp --mode plan -- sh -c "exec $ld /usr/bin/python3 -c 'print(\"PY-RAN\")'"
	expect_denied "the dynamic loader as a program"
	expect_not_out "PY-RAN" "python did not run"
}

t_review_runs_the_test_command() {
	git_repo
	printf 'test:\n\t@echo TESTS-RAN\nbuild:\n\t@echo BUILD-RAN\n' >"$WS/Makefile"
	global_config <<'EOF'
[agents.ci]
test_command = "make test"
EOF
	sbp --agent ci --mode review -- make test
	expect_rc 0 "review: the agent's test command"
	expect_out "TESTS-RAN" "it ran"
	sbp --agent ci --mode review -- make build
	expect_denied "review: other make targets"
	expect_not_out "BUILD-RAN" "it did not run"
	sbp --agent ci --mode plan -- make test
	expect_denied "plan: no test runner"
	sbp --agent ci --mode review -- git log --oneline
	expect_rc 0 "review keeps the plan tools"
	sbp --agent ci --mode review -- sh -c 'echo x > f'
	expect_denied "review: the workspace is read-only"
}

t_configured_tool_lists() {
	global_config <<'EOF'
[modes.plan]
tools = ["sh", "cat"]
EOF
	echo hello >"$WS/f"
	sbp --mode plan -- cat f
	expect_rc 0 "a configured tool"
	sbp --mode plan -- ls
	expect_rc 126 "not in the configured list"
	ws_config <<'EOF'
[modes.plan]
tools = ["cat", "ls"]
EOF
	sbp --mode plan -- cat f
	expect_rc 125 "a workspace file may not add tools"
	expect_err "modes.plan.tools: adding \"ls\" would widen the policy" "names the tool"
}

t_plan_refused_without_namespaces() {
	if ! unshare -Ur sh -c 'echo 0 > /proc/sys/user/max_user_namespaces' 2>/dev/null; then
		echo "    # (cannot take user namespaces away here; not exercised)" >&2
		return 0
	fi
	rf_setup_bin
	local out
	out=$(HOME="$FAKE_HOME" unshare -Ur sh -c 'echo 0 > /proc/sys/user/max_user_namespaces &&
		exec setpriv --bounding-set=-all --inh-caps=-all "$@"' sh \
		"$RINGFENCE" run --workspace "$WS" --mode plan -- true 2>&1 </dev/null)
	RC=$? ERR=$out OUT=""
	expect_rc 125 "plan mode on the Landlock-only rung"
	expect_err "cannot enforce plan mode" "says why"
	expect_err "noexec" "the reason"
}
