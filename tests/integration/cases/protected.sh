# Protected paths inside the workspace: .git/hooks, .git/config, .git/info and
# .ringfence stay read-only (also when missing), cannot be renamed or removed
# away, and leave no placeholders behind; honest git work keeps working, in a
# plain repository and in a linked worktree.
# shellcheck shell=bash disable=SC2016,SC2088,SC2119
. "${BASH_SOURCE[0]%/*}/_common.bash"

_hook='#!/bin/sh
echo PWNED'

t_git_hook_write_denied() {
	git_repo
	sbp -- sh -c "printf '%s\n' '$_hook' > .git/hooks/pre-commit"
	expect_denied "write .git/hooks/pre-commit"
	sbp -- "$PROBE" write .git/hooks/post-checkout
	expect_denied "create .git/hooks/post-checkout"
	sbp -- "$PROBE" chmod .git/hooks/pre-commit.sample 755
	expect_denied "chmod a sample hook"
	sbp -- "$PROBE" rename .git/hooks/pre-commit.sample .git/hooks/pre-commit
	expect_denied "rename a sample hook into place"
	expect_true test ! -e "$WS/.git/hooks/pre-commit" -a ! -e "$WS/.git/hooks/post-checkout"
}

t_git_config_edit_denied() {
	git_repo
	local before; before=$(cat "$WS/.git/config")
	sbp -- "$PROBE" append .git/config
	expect_denied "append to .git/config"
	sbp -- "$PROBE" truncate .git/config
	expect_denied "truncate .git/config"
	sbp -- git config core.hooksPath /tmp/evil
	expect_denied "git config core.hooksPath"
	sbp -- git config core.fsmonitor "touch /tmp/pwned"
	expect_denied "git config core.fsmonitor"
	expect_true test "$(cat "$WS/.git/config")" = "$before"
}

t_git_config_replace_by_rename_denied() {
	git_repo
	sbp -- sh -c "printf '[core]\n\tfsmonitor = evil\n' > newcfg && mv -f newcfg .git/config"
	expect_denied "mv newcfg .git/config"
	sbp -- sh -c "printf '[core]\n\tfsmonitor = evil\n' > .git/newcfg && $PROBE rename .git/newcfg .git/config"
	expect_denied "rename .git/newcfg over .git/config"
	sbp -- "$PROBE" unlink .git/config
	expect_denied "unlink .git/config"
	expect_true test -z "$(grep fsmonitor "$WS/.git/config")"
}

t_git_info_exclude_denied() {
	git_repo
	sbp -- sh -c "echo '*' >> .git/info/exclude"
	expect_denied "append .git/info/exclude"
	sbp -- "$PROBE" write .git/info/attributes
	expect_denied "create .git/info/attributes"
	expect_true test ! -e "$WS/.git/info/attributes"
}

t_git_info_missing_create_denied() {
	git_repo
	rm -rf "$WS/.git/info"
	sbp -- sh -c "mkdir -p .git/info && echo x > .git/info/attributes"
	expect_denied "create a missing .git/info"
	expect_true test ! -e "$WS/.git/info"
}

t_ringfence_config_create_denied() {
	git_repo
	sbp -- sh -c "mkdir -p .ringfence && printf '[sandbox]\nsandbox_mode = \"danger-full-access\"\n' > .ringfence/config.toml"
	expect_denied "create .ringfence/config.toml (missing .ringfence)"
	expect_true test ! -e "$WS/.ringfence"
}

t_ringfence_config_edit_denied() {
	mkdir "$WS/.ringfence" && echo '# narrow' >"$WS/.ringfence/config.toml"
	sbp -- "$PROBE" append .ringfence/config.toml
	expect_denied "append to an existing .ringfence/config.toml"
	sbp -- "$PROBE" rename .ringfence .ringfence.old
	expect_denied "rename .ringfence away"
	expect_true test "$(cat "$WS/.ringfence/config.toml")" = "# narrow"
}

t_hooks_missing_create_denied() {
	git_repo
	rm -rf "$WS/.git/hooks"
	sbp -- sh -c "mkdir -p .git/hooks && printf '%s\n' '$_hook' > .git/hooks/pre-commit"
	expect_denied "create a missing .git/hooks"
	sbp -- "$PROBE" write .git/hooks/pre-commit
	expect_denied "create .git/hooks/pre-commit when hooks is missing"
	expect_true test ! -e "$WS/.git/hooks"
}

t_nonrepo_mkdir_git_hooks_denied() {
	sbp -- mkdir -p .git/hooks
	expect_denied "mkdir -p .git/hooks in a non-repo workspace"
	sbp -- sh -c "mkdir -p .git/hooks; printf '%s\n' '$_hook' > .git/hooks/pre-commit"
	expect_denied "plant .git/hooks/pre-commit in a non-repo workspace"
	expect_true test ! -e "$WS/.git"
}

t_rename_hooks_away_denied() {
	git_repo
	sbp -- mv .git/hooks .git/hooks.old
	expect_denied "mv .git/hooks .git/hooks.old"
	sbp -- sh -c "mkdir evil && mv .git/hooks evil/"
	expect_denied "mv .git/hooks into another dir"
	expect_true test -d "$WS/.git/hooks" -a ! -e "$WS/.git/hooks.old"
}

t_rename_git_away_denied() {
	git_repo
	sbp -- mv .git .git2
	expect_denied "mv .git .git2"
	sbp -- "$PROBE" rename .git .git2
	expect_denied "rename(.git, .git2)"
	expect_true test -d "$WS/.git" -a ! -e "$WS/.git2"
	# and the replacement scenario: move .git away, put a crafted one in place
	sbp -- sh -c "mv .git .git2 && mkdir -p .git/hooks && printf '%s\n' '$_hook' > .git/hooks/pre-commit"
	expect_denied "swap .git for a crafted one"
	expect_true test ! -e "$WS/.git/hooks/pre-commit"
}

t_rm_rf_hooks_denied() {
	git_repo
	local n; n=$(find "$WS/.git/hooks" | wc -l)
	sbp -- rm -rf .git/hooks
	expect_denied "rm -rf .git/hooks"
	expect_true test -d "$WS/.git/hooks"
	expect_true test "$(find "$WS/.git/hooks" | wc -l)" = "$n"
}

t_rm_rf_git_denied() {
	git_repo
	sbp -- rm -rf .git
	expect_denied "rm -rf .git"
	expect_true test -f "$WS/.git/config" -a -d "$WS/.git/hooks"
}

t_git_commondir_plant_denied() {
	# git reads $GIT_DIR/commondir and then takes config (core.fsmonitor,
	# core.hooksPath...) from the directory it names. A sandboxed command that
	# can create .git/commondir gets code run by the host's next `git status`.
	git_repo
	local marker="$RF_TEST_TMP/pwned.${WS##*.}"
	sbp -- sh -c "mkdir -p evil && cp -r .git/objects .git/refs .git/HEAD evil/ &&
		printf '[core]\n\trepositoryformatversion = 0\n\tfsmonitor = \"touch $marker; false\"\n' > evil/config &&
		echo ../evil > .git/commondir"
	expect_denied "create .git/commondir"
	expect_true test ! -e "$WS/.git/commondir"
	git -C "$WS" status >/dev/null 2>&1
	expect_true test ! -e "$marker"
}

t_git_workflow_works() { # neighbour of all the above
	git_repo
	sbp -- sh -c 'echo change >> README && echo new > new.txt && git add -A && git commit -qm work &&
		git branch feature && git checkout -q feature && echo f > f && git add f && git commit -qm feat &&
		git checkout -q master 2>/dev/null || git checkout -q main; git merge -q --no-edit feature &&
		git tag v1 && git status --short && git log --oneline | wc -l && git stash list && git rev-parse HEAD'
	expect_rc 0 "add/commit/branch/checkout/merge/tag/status/log"
	expect_true test "$(git -C "$WS" log --oneline | wc -l)" = 3
	expect_true git -C "$WS" show-ref -q --verify refs/tags/v1
	expect_true git -C "$WS" show-ref -q --verify refs/heads/feature
	expect_true test -z "$(git -C "$WS" status --porcelain)"
}

t_git_objects_refs_index_writable() { # neighbour: what must stay writable
	git_repo
	sbp -- sh -c "$PROBE write .git/objects/rf-test && $PROBE write .git/refs/heads/rf-test-tmp && $PROBE unlink .git/refs/heads/rf-test-tmp && touch .git/index && mkdir -p .git/logs/x"
	expect_rc 0 "objects, refs, index and logs writable"
	rm -f "$WS/.git/objects/rf-test"
}

t_protected_paths_readable() { # neighbour: protected is read-only, not hidden
	git_repo
	sbp -- sh -c "cat .git/config && ls .git/hooks && cat .git/info/exclude && git config --get core.bare"
	expect_rc 0 "read .git/config, hooks, info"
	expect_out "[core]" ".git/config content"
	expect_out "pre-commit.sample" "hooks listing"
}

t_no_leftover_placeholders_nonrepo() {
	sbp -- sh -c "echo hi > file"
	expect_rc 0 "a run in a non-repo workspace"
	expect_true test ! -e "$WS/.git"
	expect_true test ! -e "$WS/.ringfence"
	expect_true test "$(ls -A "$WS")" = file
}

t_no_leftover_placeholders_repo() {
	git_repo
	rm -rf "$WS/.git/hooks" "$WS/.git/info"
	sbp -- sh -c "echo hi > file && git add file && git commit -qm c"
	expect_rc 0 "a commit in a repo without hooks/info"
	expect_true test ! -e "$WS/.ringfence"
	expect_true test ! -e "$WS/.git/hooks"
	expect_true test ! -e "$WS/.git/info"
}

t_custom_protect_option() {
	mkdir "$WS/.vscode" && echo '{}' >"$WS/.vscode/settings.json"
	sbp --protect .vscode -- sh -c "echo '{\"evil\":1}' > .vscode/settings.json"
	expect_denied "write a --protect'ed path"
	expect_true test "$(cat "$WS/.vscode/settings.json")" = '{}'
	sbp --protect .vscode -- sh -c "echo ok > other.json && cat .vscode/settings.json"
	expect_rc 0 "neighbour: the rest of the workspace with --protect"
}

t_protected_in_writable_root() {
	local d; d=$(mktemp -d "$RF_TEST_TMP/wroot.XXXXXX")
	git_repo "$d"
	sbp --writable-root "$d" -- sh -c "printf '%s\n' '$_hook' > '$d/.git/hooks/pre-commit'"
	expect_denied "write hooks of a repo in a --writable-root"
	sbp --writable-root "$d" -- sh -c "cd '$d' && echo x > x && git add x && git commit -qm x"
	expect_rc 0 "commit in a repo in a --writable-root"
	expect_true test ! -e "$d/.git/hooks/pre-commit"
}

t_separate_gitdir_in_writable_root_protected() {
	# A workspace whose .git is a gitfile ("gitdir: ...", git init
	# --separate-git-dir) naming a git dir inside a --writable-root: the
	# git dir's hooks/config are trusted by the host exactly like .git's.
	local d; d=$(mktemp -d "$RF_TEST_TMP/sepgit.XXXXXX")
	git init -q --separate-git-dir "$d/repo.git" "$WS"
	sbp --writable-root "$d" -- sh -c "printf '%s\n' '$_hook' > '$d/repo.git/hooks/pre-commit'"
	expect_denied "write the hooks of a separate git dir"
	sbp --writable-root "$d" -- sh -c "printf '[core]\n\tfsmonitor = evil\n' >> '$d/repo.git/config'"
	expect_denied "append to the config of a separate git dir"
	expect_true test ! -e "$d/repo.git/hooks/pre-commit"
	expect_true test -z "$(grep fsmonitor "$d/repo.git/config")"
}

# --- linked worktree -------------------------------------------------------------
# source repo (outside $WS) with worktrees $WS/wt (the workspace) and $OTHER.

_worktree() {
	SRC=$(mktemp -d "$RF_TEST_TMP/src.XXXXXX")
	OTHER="$RF_TEST_TMP/other.${SRC##*.}"
	git_repo "$SRC"
	echo SOURCE-ONLY >"$SRC/source-secret.txt"
	git -C "$SRC" worktree add -q "$WS/wt" -b wt
	git -C "$SRC" worktree add -q "$OTHER" -b other
	echo OTHER-WT-DATA >"$OTHER/other.txt"
	COMMON="$SRC/.git"
}

sbwt() {
	rf_setup_bin
	cd "$WS/wt" || return 1
	HOME="$FAKE_HOME" sb_raw run --workspace "$WS/wt" --read-only "$RF_BIN" "$@"
	cd "$WS" || return 1
}

t_worktree_commit_works() {
	_worktree
	sbwt -- sh -c "echo c > c.txt && git add c.txt && git commit -qm in-wt && git log --oneline -1 && git status --short"
	expect_rc 0 "commit in a linked worktree"
	expect_out "in-wt" "log"
	expect_true test "$(git -C "$SRC" log --oneline wt | head -1 | cut -d' ' -f2)" = in-wt
}

t_worktree_source_checkout_hidden() {
	_worktree
	sbwt -- sh -c "cat '$SRC/source-secret.txt' || cat '$SRC/README'"
	expect_denied "read the source checkout behind the worktree"
	expect_not_out "SOURCE-ONLY" "source file content"
	sbwt -- ls -A "$SRC"
	expect_not_out "source-secret" "source listing"
	expect_not_out "README" "source listing"
}

t_worktree_other_worktrees_hidden() {
	_worktree
	sbwt -- sh -c "cat '$OTHER/other.txt'; ls '$OTHER'"
	expect_denied "read another worktree"
	expect_not_out "OTHER-WT-DATA" "other worktree content"
	sbwt -- sh -c "echo x > '$COMMON/worktrees/$(basename "$OTHER")/HEAD'"
	expect_denied "write the admin dir of another worktree"
}

t_worktree_common_hooks_not_writable() {
	_worktree
	sbwt -- sh -c "printf '%s\n' '$_hook' > '$COMMON/hooks/pre-commit'"
	expect_denied "write the common dir's hooks"
	sbwt -- sh -c "echo '[core] hooksPath = /tmp' >> '$COMMON/config'"
	expect_denied "append to the common dir's config"
	sbwt -- sh -c "echo x >> '$COMMON/info/exclude'"
	expect_denied "append to the common dir's info/exclude"
	expect_true test ! -e "$COMMON/hooks/pre-commit"
	expect_true test -z "$(grep hooksPath "$COMMON/config")"
}

t_worktree_gitfile_not_writable() {
	_worktree
	local before; before=$(cat "$WS/wt/.git")
	sbwt -- sh -c "echo 'gitdir: /tmp/evil' > .git"
	expect_denied "rewrite the worktree's .git file"
	sbwt -- sh -c "rm -f .git; mkdir -p .git/hooks"
	expect_denied "replace the worktree's .git file by a directory"
	expect_true test "$(cat "$WS/wt/.git")" = "$before"
}

t_worktree_admin_commondir_not_writable() {
	# <common>/worktrees/<name>/commondir (and gitdir, config.worktree) decide
	# which config the host's git reads for this worktree: writing them is the
	# same as writing .git/config.
	_worktree
	local admin="$COMMON/worktrees/wt" marker="$RF_TEST_TMP/pwned-wt.${SRC##*.}"
	sbwt -- sh -c "mkdir -p evil && cp -r '$COMMON/objects' '$COMMON/refs' '$COMMON/HEAD' evil/ &&
		printf '[core]\n\trepositoryformatversion = 0\n\tfsmonitor = \"touch $marker; false\"\n' > evil/config &&
		echo '$WS/wt/evil' > '$admin/commondir'"
	expect_denied "rewrite <common>/worktrees/wt/commondir"
	sbwt -- sh -c "printf '[core]\n\tfsmonitor = evil\n' > '$admin/config.worktree'"
	expect_denied "create <common>/worktrees/wt/config.worktree"
	(cd "$WS/wt" && git status >/dev/null 2>&1)
	expect_true test ! -e "$marker"
	expect_true test "$(cat "$admin/commondir")" = ../..
}

t_concurrent_runs_leave_no_placeholders() {
	# placeholders for missing protected paths (.git, .ringfence) exist only
	# while runs use them; concurrent runs on one workspace must neither
	# unprotect each other nor leave them behind
	local i pids=""
	for i in $(seq 12); do
		HOME="$FAKE_HOME" "$RINGFENCE" run --workspace "$WS" -- sh -c 'mkdir .git/x 2>/dev/null && echo ESCAPED' \
			>"$RF_TEST_TMP/conc.$i" 2>&1 </dev/null &
		pids="$pids $!"
	done
	# shellcheck disable=SC2086
	wait $pids
	expect_true test -z "$(cat "$RF_TEST_TMP"/conc.* | grep ESCAPED)"
	expect_true test ! -e "$WS/.git" -a ! -e "$WS/.ringfence"
	rm -f "$RF_TEST_TMP"/conc.*
}

t_protected_dir_replaced_by_rename_over_denied() {
	# a prepared directory renamed over a protected one (existing and missing)
	git_repo
	sbp -- sh -c 'mkdir -p .git/newhooks && printf "#!/bin/sh\necho pwned\n" > .git/newhooks/pre-commit && mv -T .git/newhooks .git/hooks; mkdir -p evil && echo "[sandbox]" > evil/config.toml && mv -T evil .ringfence; python3 -c "import os; os.rename(\".git/newhooks\", \".git/hooks\")"'
	expect_denied "rename a directory over .git/hooks / .ringfence"
	expect_true test ! -e "$WS/.git/hooks/pre-commit"
	expect_true test ! -e "$WS/.ringfence"
	sbp -- sh -c 'mkdir -p a && mv -T a b && test -d b' # neighbour
	expect_rc 0 "rename a directory elsewhere in the workspace"
}
