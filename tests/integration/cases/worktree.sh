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

# Names, types, link targets and contents of everything under $1.
_tree_digest() {
	(cd "$1" && find . -printf '%y %p %l\n' | LC_ALL=C sort &&
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}

# A rebase in progress whose todo list runs a command: $1 = the git dir.
_plant_rebase() {
	printf 'mkdir %s/rebase-merge && cd %s/rebase-merge && : > interactive && echo refs/heads/x > head-name &&
		git rev-parse HEAD > onto && git rev-parse HEAD > orig-head &&
		echo "exec touch %s" > git-rebase-todo && : > done && echo PLANTED-REBASE' "$1" "$1" "$MARKER"
}

t_wt_other_admin_dir_private() {
	# another worktree's admin dir: its HEAD and index are read-only, and
	# whatever else the sandbox writes there (a rebase whose todo list runs
	# a command at your next `git rebase --continue` there, merge state, a
	# submodule's config, a rewritten commondir, the removal of a lock) is
	# gone after the run
	_wt_setup
	_evil_common "$SRC/evil"
	local a="$COMMON/worktrees/other" before f
	before=$(_tree_digest "$a")
	for f in HEAD index; do
		sbsrc -- sh -c "echo '$SRC/evil' > '$a/$f'"
		expect_denied "rewrite the other worktree's $f"
	done
	sbsrc -- sh -c "$(_plant_rebase "$a")"
	expect_out "PLANTED-REBASE" "a rebase planted (in the private layer)"
	sbsrc -- sh -c "set -e; echo '$SRC/evil' > '$a/commondir'; echo '$SRC/evil' > '$a/gitdir'
		printf '[core]\n\tfsmonitor = \"touch $MARKER; false\"\n' > '$a/config.worktree'
		git rev-parse HEAD > '$a/MERGE_HEAD'; echo evil > '$a/MERGE_MSG'
		mkdir -p '$a/modules/x/hooks'; printf '[core]\n\tfsmonitor = \"touch $MARKER\"\n' > '$a/modules/x/config'
		rm -f '$a/locked'; mv '$a/ORIG_HEAD' '$a/o2' 2>/dev/null || true; echo PLANTED"
	expect_out "PLANTED" "the writes land (in the private layer)"
	expect_true test "$(_tree_digest "$a")" = "$before"
	expect_true test ! -e "$a/rebase-merge" -a ! -e "$a/locked"
	(cd "$OTHER" && git rebase --continue >/dev/null 2>&1)
	_host_git_everywhere
}

t_wt_other_admin_dir_private_in_worktree() {
	# the same from a linked worktree: the other linked worktree's admin dir
	_wt_setup
	local a="$COMMON/worktrees/other" before
	before=$(_tree_digest "$a")
	sbwt -- sh -c "$(_plant_rebase "$a")"
	expect_out "PLANTED-REBASE" "a rebase planted (in the private layer)"
	expect_true test "$(_tree_digest "$a")" = "$before"
	(cd "$OTHER" && git status >/dev/null 2>&1 && git rebase --continue >/dev/null 2>&1)
	expect_true test ! -e "$MARKER"
}

t_wt_other_admin_gc_keeps_reflog_consistent() { # neighbour: gc expires the other worktree's reflog for real
	_wt_setup
	(cd "$OTHER" && echo o >o.txt && git add o.txt && git commit -qm o1 && git reset -q --hard HEAD~1)
	git -C "$OTHER" reflog expire --expire=never --all
	local n
	n=$(wc -l <"$COMMON/worktrees/other/logs/HEAD")
	sbwt -- sh -c 'git reflog expire --expire-unreachable=now --all && git gc -q --prune=now; echo GC-DONE'
	expect_out "GC-DONE" "gc ran"
	expect_true test "$(wc -l <"$COMMON/worktrees/other/logs/HEAD")" -lt "$n"
	(cd "$OTHER" && git fsck --no-progress >/dev/null 2>&1 && git log -g --oneline >/dev/null 2>&1)
	expect_true test $? = 0
	expect_true test -f "$COMMON/worktrees/other/HEAD" -a ! -e "$COMMON/worktrees/other/locked"
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
	# the renames fail (mount points); the commondir lands in the private layer
	expect_true test "$(cat "$COMMON/worktrees/other/commondir")" = ../..
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

# A main checkout $M with a linked worktree $LW, the workspace. The top of the
# common dir $MC is also the main checkout's admin dir. Made outside /tmp:
# Landlock's rule on the sandbox's private /tmp also covers whatever is
# mounted beneath it, so that is no place to test a Landlock restriction.
_main_setup() {
	VT=$(mktemp -d /var/tmp/rf-it-main.XXXXXX) || return 1
	chmod 755 "$VT"
	# shellcheck disable=SC2064
	trap "rm -rf '$VT'" EXIT
	M="$VT/main" LW="$VT/lw" MC="$VT/main/.git"
	git_repo "$M" && git -C "$M" worktree add -q "$LW" -b lw
	MARKER="$VT/pwned"
}

sblw() {
	rf_setup_bin
	cd "$LW" || return 1
	HOME="$FAKE_HOME" sb_raw run --workspace "$LW" --read-only "$RF_BIN" "$@"
	cd "$WS" || return 1
}

t_wt_main_state_not_plantable_from_linked() {
	# from a linked worktree: no rebase, cherry-pick or submodule state of
	# the main checkout (which git would run there next), in any disguise
	_main_setup
	local before
	before=$(_tree_digest "$MC")
	sblw -- sh -c "$(_plant_rebase "$MC")"
	expect_denied "plant a rebase with an exec line for the main checkout"
	sblw -- sh -c "mkdir '$MC/sequencer'"
	expect_denied "mkdir the main checkout's sequencer/"
	sblw -- sh -c "mkdir -p '$MC/modules/x'"
	expect_denied "mkdir the main checkout's modules/"
	sblw -- sh -c "ln -s '$LW' '$MC/rebase-merge'"
	expect_denied "a symlink as the main checkout's rebase-merge"
	sblw -- sh -c "mkdir '$MC/objects/rm' && echo 'exec touch $MARKER' > '$MC/objects/rm/git-rebase-todo' &&
		mv '$MC/objects/rm' '$MC/rebase-merge'"
	expect_denied "move a directory in as the main checkout's rebase-merge"
	sblw -- sh -c "mkfifo '$MC/rebase-apply'"
	expect_denied "a FIFO at the main checkout's rebase-apply"
	local f
	for f in HEAD index; do
		sblw -- sh -c "echo x > '$MC/$f'"
		expect_denied "rewrite the main checkout's $f"
	done
	rm -rf "$MC/objects/rm" # allowed: an ordinary directory of the object store
	expect_true test "$(_tree_digest "$MC")" = "$before"
	(cd "$M" && git status >/dev/null 2>&1; git rebase --continue >/dev/null 2>&1)
	expect_true test ! -e "$MARKER"
}

t_wt_main_rebase_in_progress_read_only() {
	# a real rebase stopped in the main checkout: its todo list is read-only
	_main_setup
	(cd "$M" && echo 1 >c && git add c && git commit -qm c1 && git checkout -q -b side HEAD~1 &&
		echo 2 >c && git add c && git commit -qm c2 && echo 3 >d && git add d && git commit -qm d &&
		GIT_SEQUENCE_EDITOR=: git rebase -q -i master >/dev/null 2>&1)
	expect_true test -d "$MC/rebase-merge"
	sblw -- sh -c "echo 'exec touch $MARKER' >> '$MC/rebase-merge/git-rebase-todo'"
	expect_denied "append an exec line to the main checkout's rebase"
	sblw -- sh -c "rm -rf '$MC/rebase-merge'"
	expect_denied "remove the main checkout's rebase"
	expect_true test -z "$(grep exec "$MC/rebase-merge/git-rebase-todo")"
	(cd "$M" && git rebase --abort)
	expect_true test ! -e "$MARKER" -a ! -e "$MC/rebase-merge"
}

t_wt_git_in_linked_with_main_guarded_works() { # neighbour: all of git's work in the worktree
	_main_setup
	git init -q --bare "$VT/remote.git" && git -C "$M" push -q "$VT/remote.git" master
	sblw -- sh -c "set -e
		echo a > a.txt && git add a.txt && git commit -qm a
		git branch topic && git checkout -q topic && echo b > b.txt && git add b.txt && git commit -qm b
		git checkout -q lw && echo c >> a.txt && git commit -qam c
		git checkout -q topic && git -c core.editor=true rebase -q -i lw
		echo s >> a.txt && git stash -q && git stash pop -q && git commit -qam s
		git fetch -q '$VT/remote.git' master:refs/remotes/r/master
		git worktree add -q wt2 -b wt2 && git -C wt2 log --oneline -1 && git worktree remove wt2
		git gc -q 2>/dev/null; git worktree prune; git worktree list; git branch -D topic >/dev/null 2>&1 || true
		git status --short; echo LINKED-OK"
	expect_rc 0 "commit, branch, rebase, stash, fetch, worktree add/remove, gc in a linked worktree"
	expect_out "LINKED-OK" "all steps"
	expect_out "$M " "worktree list shows the main checkout"
	(cd "$M" && git status >/dev/null && git log --oneline -1 lw >/dev/null)
	expect_true test $? = 0
	expect_true test "$(git -C "$M" rev-parse --abbrev-ref HEAD)" = master
}
