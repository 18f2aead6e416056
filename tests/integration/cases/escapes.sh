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
