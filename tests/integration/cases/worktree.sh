# Linked worktrees where they usually live: the source checkout and the
# other worktrees under a *visible* tree ($HOME, read-only), not under the
# host's /tmp (which is not in the sandbox anyway, so hiding there proves
# nothing). And the git dir's admin files, which decide what config the
# host's git reads next: they must not be rewritten, renamed away and
# replaced, or unprotected by a concurrent run.
# shellcheck shell=bash disable=SC2016
. "${BASH_SOURCE[0]%/*}/_common.bash"

# $FAKE_HOME/src (main checkout) with worktrees $WS/wt (the workspace) and
# $FAKE_HOME/other.
_wt_setup() {
	SRC="$FAKE_HOME/src"
	OTHER="$FAKE_HOME/other"
	git_repo "$SRC"
	echo SOURCE-ONLY >"$SRC/source-secret.txt"
	git -C "$SRC" worktree add -q "$WS/wt" -b wt
	git -C "$SRC" worktree add -q "$OTHER" -b other
	echo OTHER-WT-DATA >"$OTHER/other.txt"
	COMMON="$SRC/.git"
	MARKER="$RF_TEST_TMP/pwned.${WS##*.}"
}

# run in the linked worktree $WS/wt
sbwt() {
	rf_setup_bin
	cd "$WS/wt" || return 1
	HOME="$FAKE_HOME" sb_raw run --workspace "$WS/wt" --read-only "$RF_BIN" "$@"
	cd "$WS" || return 1
}

# run in the main checkout $SRC
sbsrc() {
	rf_setup_bin
	cd "$SRC" || return 1
	HOME="$FAKE_HOME" sb_raw run --workspace "$SRC" --read-only "$RF_BIN" "$@"
	cd "$WS" || return 1
}

# A git dir of the agent's making whose config runs a command (core.fsmonitor)
# when the host's git uses it: $1 = where.
_evil_common() {
	git init -q --bare "$1"
	printf '[core]\n\trepositoryformatversion = 0\n\tfsmonitor = "touch %s; false"\n' "$MARKER" >"$1/config"
}

# The host's git in each worktree afterwards: must not run anything planted.
_host_git_everywhere() {
	(cd "$WS/wt" && git status >/dev/null 2>&1)
	(cd "$OTHER" && git status >/dev/null 2>&1)
	(cd "$SRC" && git status >/dev/null 2>&1)
	expect_true test ! -e "$MARKER"
}

t_wt_source_and_other_hidden_under_home() {
	_wt_setup
	sbwt -- sh -c "cat '$SRC/source-secret.txt'; cat '$OTHER/other.txt'; ls -A '$SRC' '$OTHER'"
	expect_not_out "SOURCE-ONLY" "the source checkout's files"
	expect_not_out "OTHER-WT-DATA" "the other worktree's files"
	expect_not_out "source-secret" "the source checkout's listing"
	expect_not_out "README" "the source checkout's listing"
}

t_wt_commit_with_source_under_home_works() { # neighbour: the common dir inside the hidden checkout is reachable
	_wt_setup
	sbwt -- sh -c 'echo c > c.txt && git add c.txt && git commit -qm in-wt && git log --oneline -1 && git status --short'
	expect_rc 0 "commit in a linked worktree whose source checkout is hidden"
	expect_out "in-wt" "log"
	expect_true test "$(git -C "$SRC" log --oneline -1 wt | cut -d' ' -f2)" = in-wt
}

t_wt_git_workflow_in_worktree_works() { # neighbour: what an agent does all day
	_wt_setup
	sbwt -- sh -c 'set -e
		git branch topic && git checkout -q topic
		echo a > a.txt && git add a.txt && git commit -qm a
		echo b >> a.txt && git stash -q && git stash pop -q && git commit -qam b
		git checkout -q wt && echo w > w.txt && git add w.txt && git commit -qm w
		git checkout -q topic && git rebase -q wt
		git log --oneline | head -5 && git status --short && echo WORKFLOW-OK'
	expect_rc 0 "branch, stash, rebase in a linked worktree"
	expect_out "WORKFLOW-OK" "all steps"
}

t_wt_gc_in_worktree_works() { # git gc expires every worktree's reflog
	_wt_setup
	sbwt -- sh -c 'git gc -q && git worktree list && echo GC-OK'
	expect_rc 0 "git gc in a linked worktree"
	expect_out "GC-OK" "gc"
	expect_out "locked" "the hidden worktrees show as locked, not prunable"
	git -C "$SRC" worktree list >"$RF_TEST_TMP/wtlist" 2>&1
	expect_true test "$(grep -c -e prunable -e locked "$RF_TEST_TMP/wtlist")" = 0
	expect_true test -d "$COMMON/worktrees/other" -a ! -e "$COMMON/worktrees/other/locked"
}

t_wt_gc_in_main_checkout_works() {
	_wt_setup
	sbsrc -- sh -c 'git gc -q && echo GC-OK'
	expect_rc 0 "git gc in a main checkout that has linked worktrees"
	expect_out "GC-OK" "gc"
	expect_true test -f "$COMMON/worktrees/wt/HEAD" -a -f "$COMMON/worktrees/other/HEAD"
	expect_true test ! -e "$COMMON/worktrees/wt/locked" -a ! -e "$COMMON/worktrees/other/locked"
	(cd "$OTHER" && git status >/dev/null 2>&1)
	expect_true test $? = 0
}

t_wt_prune_keeps_hidden_worktrees() {
	# inside, the other worktrees' trees are hidden, so git takes them for
	# deleted: an honest `git worktree prune` must not delete them outside
	_wt_setup
	sbsrc -- sh -c 'git worktree prune -v --expire now; git gc -q --prune=now; echo DONE'
	expect_out "DONE" "prune ran"
	expect_true test -f "$COMMON/worktrees/other/HEAD" -a -f "$COMMON/worktrees/other/gitdir"
	expect_true test -f "$COMMON/worktrees/wt/HEAD"
	(cd "$OTHER" && git status >/dev/null 2>&1)
	expect_true test $? = 0
}

t_wt_other_admin_files_not_writable() {
	_wt_setup
	_evil_common "$SRC/evil"
	local a="$COMMON/worktrees/other" f
	for f in commondir gitdir HEAD index; do
		sbsrc -- sh -c "echo '$SRC/evil' > '$a/$f'"
		expect_denied "rewrite the other worktree's $f"
	done
	sbsrc -- sh -c "printf '[core]\n\tfsmonitor = evil\n' > '$a/config.worktree'"
	expect_denied "create the other worktree's config.worktree"
	sbsrc -- sh -c "rm -f '$a/locked'; mv '$a/commondir' '$a/c2'"
	expect_denied "move the other worktree's commondir away"
	_host_git_everywhere
}

t_wt_rename_worktrees_dir_denied() {
	# main checkout: .git/worktrees renamed away (the protected files inside
	# moving along) and a fresh admin dir planted with a commondir naming a
	# git dir whose config runs a command
	_wt_setup
	_evil_common "$SRC/evil"
	sbsrc -- sh -c "mv .git/worktrees .git/worktrees.old"
	expect_denied "rename .git/worktrees"
	sbsrc -- sh -c "mv .git/worktrees/other .git/worktrees/other.old"
	expect_denied "rename another worktree's admin dir"
	sbsrc -- sh -c "mv .git/worktrees .git/w.old; mv .git/worktrees/other .git/worktrees/o.old;
		mkdir -p .git/worktrees/other && cp .git/w.old/other/HEAD .git/w.old/other/gitdir .git/worktrees/other/;
		echo '$SRC/evil' > .git/worktrees/other/commondir"
	expect_denied "plant a commondir for another worktree"
	_host_git_everywhere
}

t_wt_rename_own_admin_denied() {
	# linked worktree: its own admin dir renamed away and replaced
	_wt_setup
	_evil_common "$WS/wt/evil"
	sbwt -- sh -c "mv '$COMMON/worktrees/wt' '$COMMON/worktrees/wt.old'"
	expect_denied "rename the worktree's own admin dir"
	sbwt -- sh -c "mv '$COMMON/worktrees' '$COMMON/worktrees.old'"
	expect_denied "rename the common dir's worktrees"
	sbwt -- sh -c "mv '$COMMON/worktrees/wt' '$COMMON/worktrees/wt.old' || mv '$COMMON/worktrees' '$COMMON/w.old';
		mkdir -p '$COMMON/worktrees/wt' && echo '$WS/wt/.git' > '$COMMON/worktrees/wt/gitdir' &&
		echo '$WS/wt/evil' > '$COMMON/worktrees/wt/commondir'"
	expect_denied "plant the worktree's own commondir"
	_host_git_everywhere
}

t_wt_symlink_in_worktrees_not_followed() {
	# a symlink planted in .git/worktrees once became a read-only bind of
	# its target in the next run: other users' homes, the host's /tmp
	git_repo "$WS"
	local outside="$FAKE_HOME/.ssh" tmpd
	tmpd=$(mktemp -d "$RF_TEST_TMP/hosttmp.XXXXXX")
	echo HOST-TMP-SECRET >"$tmpd/file"
	sbp -- sh -c "mkdir -p .git/worktrees && ln -s '$outside' .git/worktrees/a && ln -s '$tmpd' .git/worktrees/b && ln -s / .git/worktrees/c"
	expect_rc 0 "plant symlinks in .git/worktrees (an ordinary writable dir)"
	sbp -- sh -c "cat '$outside/id_rsa' '$tmpd/file'; ls /home; echo RAN"
	expect_out "RAN" "the next run runs"
	expect_not_out "SECRET-SSH-KEY" "a hidden file through a planted worktree symlink"
	expect_not_out "HOST-TMP-SECRET" "the host's /tmp through a planted worktree symlink"
}

t_wt_fifo_gitdir_does_not_hang() {
	# the supervisor reads .git/worktrees/*/gitdir before the run
	git_repo "$WS"
	sbp -- sh -c 'mkdir -p .git/worktrees/x && mkfifo .git/worktrees/x/gitdir && echo planted'
	expect_out "planted" "plant a FIFO"
	rf_setup_bin
	HOME="$FAKE_HOME" timeout 20 "$RINGFENCE" run --workspace "$WS" -- true </dev/null >/dev/null 2>&1
	RC=$?
	expect_rc 0 "the next run neither hangs nor fails"
}

t_wt_planted_gitdir_hides_nothing() {
	# a fake admin dir whose gitdir names /usr/.git would hide /usr from
	# every later run; only worktrees whose .git points back are hidden
	git_repo "$WS"
	sbp -- sh -c 'mkdir -p .git/worktrees/x && echo /usr/.git > .git/worktrees/x/gitdir && echo HEAD > .git/worktrees/x/HEAD'
	expect_rc 0 "plant a fake worktree admin dir"
	sbp -- sh -c 'ls /usr/bin/env && echo USR-VISIBLE'
	expect_rc 0 "the next run"
	expect_out "USR-VISIBLE" "/usr still there"
}

t_wt_concurrent_runs_keep_common_hooks_protected() {
	# two runs at once, in the main checkout and in a linked worktree: the
	# placeholder for the missing .git/hooks lives in the common dir, which
	# both share; the first run out must not remove it under the other
	_wt_setup
	rm -rf "$COMMON/hooks" "$COMMON/info"
	rf_setup_bin
	(cd "$SRC" && HOME="$FAKE_HOME" "$RINGFENCE" run --workspace "$SRC" -- sh -c \
		'sleep 2; mkdir -p .git/hooks .git/info; echo "#!/bin/sh" > .git/hooks/pre-commit && echo PLANTED' \
		>"$RF_TEST_TMP/long.out" 2>&1 </dev/null) &
	local long=$!
	sleep 0.7
	sbwt -- true
	expect_rc 0 "a short run in the worktree"
	wait "$long"
	expect_true test -z "$(grep PLANTED "$RF_TEST_TMP/long.out")"
	expect_true test ! -e "$COMMON/hooks/pre-commit"
	expect_true test ! -e "$COMMON/hooks" -a ! -e "$COMMON/info"
}

t_wt_concurrent_runs_leave_no_file_placeholders() {
	# file placeholders (.git/commondir, .git/config.worktree) made by one
	# run are removed by whichever run ends last
	git_repo "$WS"
	HOME="$FAKE_HOME" "$RINGFENCE" run --workspace "$WS" -- sleep 1 </dev/null >/dev/null 2>&1 &
	local a=$!
	sleep 0.3
	HOME="$FAKE_HOME" "$RINGFENCE" run --workspace "$WS" -- sleep 2 </dev/null >/dev/null 2>&1 &
	local b=$!
	wait "$a" "$b"
	expect_true test ! -e "$WS/.git/commondir" -a ! -e "$WS/.git/config.worktree" -a ! -e "$WS/.ringfence"
}

t_wt_separate_gitdir_other_worktrees_hidden() {
	# git init --separate-git-dir: the git dir's linked worktrees are hidden
	# and their admin files protected too
	local gd="$FAKE_HOME/gitdirs"
	mkdir -p "$gd"
	git init -q --separate-git-dir="$gd/repo.git" "$WS"
	echo base >"$WS/README" && git -C "$WS" add README && git -C "$WS" commit -qm base
	git -C "$WS" worktree add -q "$FAKE_HOME/sepother" -b sepother
	echo SEP-OTHER-DATA >"$FAKE_HOME/sepother/data.txt"
	sbp -- sh -c "cat '$FAKE_HOME/sepother/data.txt'"
	expect_not_out "SEP-OTHER-DATA" "the other worktree's files (git dir not granted)"
	sbp --writable-root "$gd" -- sh -c "cat '$FAKE_HOME/sepother/data.txt'; echo x > '$gd/repo.git/worktrees/sepother/commondir'; git gc -q && echo GC-OK"
	expect_not_out "SEP-OTHER-DATA" "the other worktree's files (git dir granted)"
	expect_out "GC-OK" "git gc"
	expect_true test "$(cat "$gd/repo.git/worktrees/sepother/commondir")" = ../..
}
