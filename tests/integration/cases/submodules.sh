# Submodules and other repositories inside the workspace. `git status` in the
# superproject runs git in every checked-out submodule, which reads that
# submodule's config (core.fsmonitor) and runs its hooks on commit. By
# default their git dirs stay writable, because `git submodule update`
# rewrites every submodule's config; --protect-submodules (or
# [filesystem] protect_submodules = true) keeps their hooks, config and info
# read-only, and the links to them pinned.
# shellcheck shell=bash disable=SC2016
. "${BASH_SOURCE[0]%/*}/_config.bash"

# $WS: a superproject with an absorbed submodule `lib`, one with a slashed
# name `deep/name/lib2` that has a submodule of its own (`inner`), and one
# checked out the old way with its git dir in the checkout (`old`).
_sub_setup() {
	local src="$RF_TEST_TMP/src.${WS##*.}"
	git_repo "$src/lib" && git_repo "$src/inner"
	git_repo "$src/lib2" &&
		git -C "$src/lib2" -c protocol.file.allow=always submodule -q add "$src/inner" inner &&
		git -C "$src/lib2" commit -qm inner
	git_repo "$WS"
	git -C "$WS" -c protocol.file.allow=always submodule -q add "$src/lib" lib
	git -C "$WS" -c protocol.file.allow=always submodule -q add "$src/lib2" deep/name/lib2
	git -C "$WS" -c protocol.file.allow=always submodule -q update --init --recursive
	git clone -q "$src/lib" "$WS/old" && git -C "$WS" -c protocol.file.allow=always submodule -q add ./old old >/dev/null 2>&1
	git -C "$WS" add -A && git -C "$WS" commit -qm subs
	MARKER="$RF_TEST_TMP/pwned.${WS##*.}"
	M="$WS/.git/modules"
}

# The host's git afterwards, where a user would run it.
_host_git_runs_nothing() {
	(cd "$WS" && git status >/dev/null 2>&1)
	(cd "$WS/lib" && git status >/dev/null 2>&1 && git commit -q --allow-empty -m x >/dev/null 2>&1)
	(cd "$WS/deep/name/lib2/inner" && git status >/dev/null 2>&1)
	(cd "$WS/old" && git status >/dev/null 2>&1)
	expect_true test ! -e "$MARKER"
}

_fsm="[core]\n\tfsmonitor = \"touch %s; false\"\n"

t_submodules_protected_with_flag() {
	_sub_setup
	local evil="$WS/evil.git" attempt
	git init -q --bare "$evil"
	printf "$_fsm" "$MARKER" >>"$evil/config"
	for attempt in \
		"printf '$_fsm' '$MARKER' >> '$M/lib/config'" \
		"printf '#!/bin/sh\ntouch $MARKER\n' > '$M/lib/hooks/pre-commit'" \
		"git -C lib config core.hooksPath '$WS/hooks'" \
		"printf '$_fsm' '$MARKER' >> '$M/deep/name/lib2/config'" \
		"printf '$_fsm' '$MARKER' >> '$M/deep/name/lib2/modules/inner/config'" \
		"echo 'gitdir: $evil' > lib/.git" \
		"mv '$M/lib' '$M/lib.old'" \
		"mv '$M' '$WS/.git/m.old'" \
		"printf '$_fsm' '$MARKER' >> old/.git/config" \
		"printf '#!/bin/sh\ntouch $MARKER\n' > old/.git/hooks/post-checkout"; do
		sbp --protect-submodules -- sh -c "$attempt"
		expect_denied "$attempt"
	done
	_host_git_runs_nothing
}

t_submodules_flag_honest_work() { # neighbour: work in the submodules goes on
	_sub_setup
	sbp --protect-submodules -- sh -c 'set -e
		git submodule status --recursive
		cd lib && echo n >> README && git commit -qam n && git log --oneline -1 && cd ..
		git add lib && git commit -qm bump && git status --short
		cd deep/name/lib2/inner && git checkout -q -b topic && cd - >/dev/null
		cd old && echo o >> README && git commit -qam o && cd ..
		echo SUB-OK'
	expect_rc 0 "commit in submodules, bump the superproject"
	expect_out "SUB-OK" "all steps"
	expect_true test "$(git -C "$WS/lib" log --oneline -1 --format=%s)" = n
}

t_submodules_by_default_update_works() { # neighbour: without the flag, git submodule update works
	_sub_setup
	git -C "$WS/lib" commit -q --allow-empty -m ahead
	sbp -- sh -c 'git -c protocol.file.allow=always submodule -q update --init --recursive && echo UPDATE-OK'
	expect_rc 0 "git submodule update (it rewrites every submodule config)"
	expect_out "UPDATE-OK" "update"
}

t_submodules_config_key_narrows_only() {
	_sub_setup
	global_config <<-'EOF'
		[filesystem]
		protect_submodules = true
	EOF
	sbp -- sh -c "printf '$_fsm' '$MARKER' >> '$M/lib/config'"
	expect_denied "the global file turns it on"
	ws_config <<-'EOF'
		[filesystem]
		protect_submodules = false
	EOF
	sbp -- true
	expect_rc 125 "a workspace file cannot turn it off"
	expect_err "protect_submodules" "names the key"
	rm -f "$GLOBAL_CONFIG" "$WS_CONFIG"
	ws_config <<-'EOF'
		[filesystem]
		protect_submodules = true
	EOF
	sbp -- sh -c "printf '$_fsm' '$MARKER' >> '$M/lib/config'"
	expect_denied "a workspace file may turn it on"
	rf status
	expect_out "protect_submodules" "status shows it"
	_host_git_runs_nothing
}

t_submodules_protect_git_stays_read_only() {
	# --protect .git with submodules protected: the mount points made for
	# the submodules' protected files must not make .git writable again
	_sub_setup
	sbp --protect .git --protect-submodules -- sh -c "touch '$M/lib/objects/x'"
	expect_denied "write into a submodule's objects under a protected .git"
	expect_true test ! -e "$M/lib/objects/x"
}

t_nested_git_init_works() { # neighbour: new repositories in the workspace (git clone, cargo new)
	# are the command's own, not prevented (docs/threat-model.md "Nested
	# repositories" says what that leaves open)
	_sub_setup
	sbp -- sh -c "git init -q fresh && git clone -q '$WS/lib' cloned && echo NESTED-OK"
	expect_out "NESTED-OK" "git init and git clone inside the workspace"
}
