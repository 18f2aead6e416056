# The host changes covered paths while a run is going on. A mount sits on a
# dentry: a file renamed over a protected or hidden one outside the sandbox
# takes the sandbox's mount with the old file. Protected paths (and hidden
# ones in writable places): the run is stopped, 125, saying which path.
# Hidden paths in read-only places: Landlock's rules sit on inodes, so the
# new file stays unreadable and the run goes on. Neighbours: the host's
# honest work in the same directories (git commit, editing files) leaves the
# run alone.
# shellcheck shell=bash disable=SC2016
. "${BASH_SOURCE[0]%/*}/_common.bash"

# _bg [OPTIONS] -- CMD...: a sandboxed run in the background (BG_PID), with
# HOME=${BG_HOME:-$FAKE_HOME}; _bg_wait sets RC, OUT, ERR. The command starts with `touch started` and waits for
# the host's `go` (both in the workspace).
_bg() {
	rf_setup_bin
	BG_OUT=$(mktemp "$RF_TEST_TMP/out.XXXXXX") BG_ERR=$(mktemp "$RF_TEST_TMP/err.XXXXXX")
	HOME="${BG_HOME:-$FAKE_HOME}" "$RINGFENCE" run --workspace "$WS" --read-only "$RF_BIN" "$@" \
		>"$BG_OUT" 2>"$BG_ERR" </dev/null &
	BG_PID=$!
	local i
	for i in $(seq 200); do
		[ -e "$WS/started" ] && return 0
		sleep 0.05
	done
	_fail "the sandboxed command did not start"
}

_bg_wait() {
	wait "$BG_PID"
	RC=$?
	OUT=$(cat "$BG_OUT") ERR=$(cat "$BG_ERR")
	rm -f "$BG_OUT" "$BG_ERR"
}

_WAIT_GO='touch started; i=0; while [ ! -e go ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done'

t_host_git_config_rewrite_stops_the_run() {
	git_repo
	# the command waits a second after the host's change, then tries to
	# plant a hooks path in the config the host just rewrote
	_bg -- sh -c "$_WAIT_GO; sleep 1; printf '[core]\n\thooksPath = /tmp/evil\n' >> .git/config; echo WROTE"
	git -C "$WS" config user.name "from the host" # config.lock renamed over config
	touch "$WS/go"
	_bg_wait
	expect_rc 125 "the run is stopped"
	expect_err "protected:.git/config" "names the protected path"
	expect_err "outside the sandbox" "says who changed it"
	expect_not_out "WROTE" "the command did not go on"
	expect_true test -z "$(grep -i hookspath "$WS/.git/config")"
	expect_true test "$(git -C "$WS" config user.name)" = "from the host"
}

t_host_removes_git_hooks_stops_the_run() {
	git_repo
	_bg -- sh -c "$_WAIT_GO; sleep 1; printf '#!/bin/sh\necho PWNED\n' > .git/hooks/pre-commit; echo WROTE"
	rm -rf "$WS/.git/hooks" && mkdir "$WS/.git/hooks"
	touch "$WS/go"
	_bg_wait
	expect_rc 125 "the run is stopped"
	expect_err "protected:.git/hooks" "names the protected path"
	expect_not_out "WROTE" "the command did not go on"
	expect_true test ! -e "$WS/.git/hooks/pre-commit"
}

t_host_git_work_leaves_the_run_alone() { # neighbour
	git_repo
	_bg -- sh -c "$_WAIT_GO; sleep 0.5; git status --short >/dev/null && cat notes.txt && echo DONE"
	# the host commits, branches and edits beside the protected files
	echo "host note" >"$WS/notes.txt"
	git -C "$WS" add notes.txt && git -C "$WS" commit -qm "host commit"
	git -C "$WS" branch host-branch
	git -C "$WS" gc -q 2>/dev/null
	touch "$WS/go"
	_bg_wait
	expect_rc 0 "the run goes on"
	expect_out "host note" "the host's edit is visible"
	expect_out "DONE" "the command finished"
}

# A home where homes are: not beneath a writable place. The suite's fake home
# lies under /tmp, whose private tmpfs has a Landlock write rule, and a rule
# reaches everything beneath it (across mounts): there a hidden path is
# watched instead (t_host_hidden_file_under_tmp_replaced_stops_the_run).
_home_outside_tmp() {
	BG_HOME=$(mktemp -d /var/tmp/rf-home.XXXXXX) || return 1
	chmod 755 "$BG_HOME"
	echo "SECRET-NETRC" >"$BG_HOME/.netrc"
	echo "export OK=1" >"$BG_HOME/.bashrc"
	mkdir "$BG_HOME/.config"
}

t_host_hidden_file_replaced_stays_unreadable() {
	_home_outside_tmp || { _fail "cannot make a home in /var/tmp"; return; }
	_bg -- sh -c "$_WAIT_GO; cat '$BG_HOME/.netrc'; echo END"
	printf 'machine x password NEW-SECRET\n' >"$BG_HOME/.netrc.new"
	mv -f "$BG_HOME/.netrc.new" "$BG_HOME/.netrc" # the cover's mount goes with the old file
	touch "$WS/go"
	_bg_wait
	rm -rf "$BG_HOME"
	expect_rc 0 "the run goes on (Landlock keeps the new file out of reach)"
	expect_out "END" "the command finished"
	expect_not_out "NEW-SECRET" "the new secret"
	expect_not_out "SECRET-NETRC" "the old secret"
	expect_err "Permission denied" "reading it was refused"
}

t_host_hidden_file_created_stays_unreadable() {
	_home_outside_tmp || { _fail "cannot make a home in /var/tmp"; return; }
	_bg -- sh -c "$_WAIT_GO; cat '$BG_HOME/.pgpass'; cat '$BG_HOME/.config/gh/hosts.yml'; cat '$BG_HOME/.aws/credentials'; echo END"
	echo "db:5432:*:u:NEW-PG-SECRET" >"$BG_HOME/.pgpass"
	mkdir -p "$BG_HOME/.config/gh" && echo "oauth_token: NEW-GH-SECRET" >"$BG_HOME/.config/gh/hosts.yml"
	mkdir -p "$BG_HOME/.aws" && echo "NEW-AWS-SECRET" >"$BG_HOME/.aws/credentials"
	touch "$WS/go"
	_bg_wait
	rm -rf "$BG_HOME"
	expect_rc 0 "the run goes on"
	expect_out "END" "the command finished"
	expect_not_out "NEW-PG-SECRET" "a hidden file the host made during the run"
	expect_not_out "NEW-GH-SECRET" "a hidden directory the host made in ~/.config during the run"
	expect_not_out "NEW-AWS-SECRET" "a hidden directory the host made in ~ during the run"
}

t_host_new_file_in_home_subdir_readable() { # neighbour
	_home_outside_tmp || { _fail "cannot make a home in /var/tmp"; return; }
	mkdir -p "$BG_HOME/notes"
	_bg -- sh -c "$_WAIT_GO; cat '$BG_HOME/notes/todo'; cat '$BG_HOME/.bashrc'"
	echo "HOST-TODO" >"$BG_HOME/notes/todo"
	touch "$WS/go"
	_bg_wait
	rm -rf "$BG_HOME"
	expect_rc 0 "the run goes on"
	expect_out "HOST-TODO" "a file the host made in a home subdirectory"
	expect_out "export OK=1" "an ordinary home file"
}

t_host_hidden_file_under_tmp_replaced_stops_the_run() {
	_bg -- sh -c "$_WAIT_GO; sleep 1; cat '$FAKE_HOME/.netrc'; echo END"
	printf 'machine x password NEW-SECRET\n' >"$FAKE_HOME/.netrc.new"
	mv -f "$FAKE_HOME/.netrc.new" "$FAKE_HOME/.netrc"
	touch "$WS/go"
	_bg_wait
	expect_rc 125 "the run is stopped"
	expect_err "hidden:~/.netrc" "names the hidden path"
	expect_not_out "NEW-SECRET" "the new secret"
	expect_not_out "END" "the command did not go on"
}

t_host_hidden_workspace_file_replaced_stops_the_run() {
	echo "OLD-ENV-SECRET" >"$WS/.env"
	_bg --hide "$WS/.env" -- sh -c "$_WAIT_GO; sleep 1; cat .env; echo END"
	echo "NEW-ENV-SECRET" >"$WS/.env.new" && mv -f "$WS/.env.new" "$WS/.env"
	touch "$WS/go"
	_bg_wait
	expect_rc 125 "the run is stopped (a writable place: Landlock cannot carve it out)"
	expect_err "hidden:" "names the hidden path"
	expect_not_out "NEW-ENV-SECRET" "the new secret"
	expect_not_out "END" "the command did not go on"
}

t_explain_missing_hidden_path_is_denied() {
	_home_outside_tmp || { _fail "cannot make a home in /var/tmp"; return; }
	local out
	out=$(cd "$WS" && HOME="$BG_HOME" "$RINGFENCE" explain "$BG_HOME/.pgpass" 2>&1)
	local neighbour
	neighbour=$(cd "$WS" && HOME="$BG_HOME" "$RINGFENCE" explain "$BG_HOME/notes.txt" 2>&1)
	rm -rf "$BG_HOME"
	case "$out" in *"read     denied"*"hidden:~/.pgpass"*) ;; *) _fail "explain of a missing hidden path: [$out]" ;; esac
	case "$out" in *"Landlock keeps it unreadable"*) ;; *) _fail "explain says why: [$out]" ;; esac
	case "$neighbour" in *"read     allowed"*) ;; *) _fail "a missing ordinary home file: [$neighbour]" ;; esac
}
