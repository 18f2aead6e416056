# The fallback ladder: without user namespaces ringfence falls back to
# Landlock + seccomp ("landlock-only"), says so, and still enforces the
# policy; --backend none runs unsandboxed, loudly.
#
# How user namespaces are taken away (never by weakening the host):
#  - "nested": in a throw-away user namespace of our own (unshare -Ur), set
#    that namespace's user.max_user_namespaces=0, drop every capability
#    (empty bounding set) and run ringfence there. The limit only applies
#    inside it, so nothing else on the machine is affected, and it works for
#    root and unprivileged callers alike.
#  - "sysctl" (root, only when "nested" is impossible): the host-wide
#    user.max_user_namespaces=0, always restored (trap) right after the run.
#  - otherwise the ladder tests return early (a pass), saying why.
# shellcheck shell=bash disable=SC2016,SC2088,SC2119
. "${BASH_SOURCE[0]%/*}/_common.bash"

_ladder_method() {
	if unshare -Ur sh -c 'echo 0 > /proc/sys/user/max_user_namespaces' 2>/dev/null; then
		echo nested
	elif is_root && command -v sysctl >/dev/null &&
		sysctl -qw "user.max_user_namespaces=$(cat /proc/sys/user/max_user_namespaces)" 2>/dev/null; then
		echo sysctl
	else
		echo none
	fi
}

_ladder_restore() {
	[ -n "${_LADDER_OLD:-}" ] && sysctl -qw "user.max_user_namespaces=$_LADDER_OLD"
	_LADDER_OLD=""
}

# sb_ladder [run options] -- CMD...: like sbp, without user namespaces.
# Returns 1 (after explaining) when no method is available.
sb_ladder() {
	rf_setup_bin
	LADDER=${LADDER:-$(_ladder_method)}
	case "$LADDER" in
	nested)
		HOME="$FAKE_HOME" run_captured unshare -Ur sh -c 'echo 0 > /proc/sys/user/max_user_namespaces &&
			exec setpriv --bounding-set=-all --inh-caps=-all "$@"' sh \
			"$RINGFENCE" run --workspace "$WS" --read-only "$RF_BIN" "$@"
		;;
	sysctl)
		_LADDER_OLD=$(cat /proc/sys/user/max_user_namespaces)
		trap _ladder_restore EXIT
		if sysctl -qw user.max_user_namespaces=0; then
			HOME="$FAKE_HOME" run_captured "$RINGFENCE" run --workspace "$WS" --read-only "$RF_BIN" "$@"
		else
			RC=125 OUT="" ERR=""
		fi
		_ladder_restore
		;;
	*)
		echo "    # (no way to disable user namespaces here: not root and unshare -Ur unavailable; ladder not exercised)" >&2
		return 1
		;;
	esac
	return 0
}

t_ladder_result_says_landlock_only() {
	sb_ladder --result "$RF_TEST_TMP/ladder.json" -- true || return 0
	expect_rc 0 "run without user namespaces"
	local r; r=$(cat "$RF_TEST_TMP/ladder.json" 2>/dev/null)
	case "$r" in *'"effective_backend":"landlock-only"'* | *'"effective_backend": "landlock-only"'*) ;;
	*) _fail "effective_backend is not landlock-only: $r" ;; esac
	case "$r" in *'"fallback_reason":'*max_user_namespaces*) ;;
	*) _fail "fallback_reason does not name max_user_namespaces: $r" ;; esac
	case "$r" in *'"sandbox_enforced":true'* | *'"sandbox_enforced": true'*) ;;
	*) _fail "sandbox_enforced is not true: $r" ;; esac
	expect_err "fallback" "a warning about the fallback on stderr"
}

t_ladder_ssh_unreadable() {
	sb_ladder -- sh -c "cat '$FAKE_HOME/.ssh/id_rsa' || cat '$FAKE_HOME/.aws/credentials' || cat '$FAKE_HOME/.netrc'" || return 0
	expect_denied "read secrets without namespaces"
	expect_not_out "SECRET-" "secret content"
}

t_ladder_hidden_dir_contents_unreadable() {
	# The fallback has no mount namespace: Landlock alone cannot take the
	# directory-listing right of ~ away from ~/.ssh beneath it (it only
	# grants), so names there can be listed; contents must stay unreadable.
	mkdir -p "$FAKE_HOME/.password-store/bank.example.com"
	echo "SECRET-PASS" >"$FAKE_HOME/.password-store/bank.example.com/pw"
	sb_ladder -- sh -c "cat '$FAKE_HOME/.ssh/id_rsa'; cat '$FAKE_HOME/.password-store/bank.example.com/pw'" || return 0
	expect_denied "read hidden files without namespaces"
	expect_not_out "SECRET" "hidden contents"
}

t_ladder_hidden_listing_limit_disclosed() {
	sb_ladder -- true || return 0
	expect_rc 0 "run in the fallback"
	expect_err "names inside hidden directories can be listed" "the listing limit is stated on stderr"
}

t_ladder_shadow_unreadable() {
	sb_ladder -- cat /etc/shadow || return 0
	expect_denied "read /etc/shadow without namespaces"
	expect_not_out "root:" "shadow content"
}

t_ladder_home_readable() { # neighbour
	sb_ladder -- cat "$FAKE_HOME/.bashrc" || return 0
	expect_rc 0 "read ~/.bashrc without namespaces"
	expect_out "export OK=1" "content"
}

t_ladder_write_outside_workspace_denied() {
	local d; d=$(mktemp -d "$RF_TEST_TMP/outside.XXXXXX")
	sb_ladder -- "$PROBE" write "$d/f" || return 0
	expect_denied "write to a host dir outside the workspace"
	expect_true test ! -e "$d/f"
	sb_ladder -- "$PROBE" append "$FAKE_HOME/.bashrc"
	expect_denied "append ~/.bashrc"
	expect_true test "$(cat "$FAKE_HOME/.bashrc")" = "export OK=1"
	sb_ladder -- sh -c ": >> /etc/hostname"
	expect_denied "open /etc/hostname for appending"
}

t_ladder_inet_socket_denied() {
	sb_ladder -- "$PROBE" socket-inet || return 0
	expect_rc 1 "AF_INET socket offline without a net namespace"
	expect_out "DENIED" "socket-inet"
	sb_ladder -- "$PROBE" connect-tcp 1.1.1.1 80
	expect_out "DENIED" "connect outside"
	sb_ladder -- "$PROBE" socket-inet6
	expect_out "DENIED" "socket-inet6"
}

t_ladder_socketpair_works() { # neighbour of the socket denial
	sb_ladder -- "$PROBE" socketpair-unix || return 0
	expect_rc 0 "socketpair without namespaces"
}

t_ladder_workspace_root_limit_disclosed() {
	# Landlock cannot grant "create in the workspace root" without granting
	# it in .git/hooks beneath it too; the fallback refuses creation there
	# and must say so, rather than leave protected paths open.
	sb_ladder -- sh -c "echo data > '$WS/file'" || return 0
	expect_denied "create at the workspace root without namespaces"
	expect_err "nothing can be created directly in a directory that holds protected paths" "the limit is stated"
}

t_ladder_workspace_existing_file_writable() { # neighbour
	echo old >"$WS/file"
	sb_ladder -- sh -c "echo new > '$WS/file' && cat '$WS/file'" || return 0
	expect_rc 0 "rewrite an existing file at the workspace root without namespaces"
	expect_out "new" "content"
}

t_ladder_workspace_subdir_write_works() {
	mkdir "$WS/src"
	sb_ladder -- sh -c "echo data > '$WS/src/file' && mkdir '$WS/src/d' && mv '$WS/src/file' '$WS/src/d/'" || return 0
	expect_rc 0 "write in a workspace subdir without namespaces"
	expect_true test -f "$WS/src/d/file"
}

t_ladder_protected_paths_still_protected() {
	git_repo
	sb_ladder -- sh -c "echo evil > .git/hooks/pre-commit; echo evil >> .git/config; mkdir -p .ringfence && echo x > .ringfence/config.toml" || return 0
	expect_denied "write protected paths without namespaces"
	expect_true test ! -e "$WS/.git/hooks/pre-commit" -a ! -e "$WS/.ringfence"
	expect_true test -z "$(grep evil "$WS/.git/config")"
}

t_ladder_dangerous_syscalls_denied() {
	sb_ladder -- "$PROBE" ptrace-traceme || return 0
	expect_out "DENIED" "ptrace without namespaces"
	sb_ladder -- "$PROBE" unshare-user
	expect_out "DENIED" "unshare-user without namespaces"
	sb_ladder -- "$PROBE" x32-getpid
	expect_rc 159 "x32 killed without namespaces"
}

# --- --backend none ---------------------------------------------------------------

t_backend_none_warns_and_says_not_enforced() {
	sbp --backend none --result "$RF_TEST_TMP/none.json" -- sh -c 'echo RAN'
	expect_rc 0 "--backend none runs the command"
	expect_out "RAN" "the command ran"
	expect_err "warning" "a warning on stderr"
	expect_err "WITHOUT" "the warning says there is no sandbox"
	expect_true grep -q '"sandbox_enforced": *false' "$RF_TEST_TMP/none.json"
	expect_true grep -q '"effective_backend": *"none"' "$RF_TEST_TMP/none.json"
}

t_native_backend_says_enforced() { # neighbour
	sbp --result "$RF_TEST_TMP/native.json" -- true
	expect_rc 0 "native backend"
	expect_not_out "WITHOUT" "no warning"
	expect_true grep -q '"sandbox_enforced": *true' "$RF_TEST_TMP/native.json"
}

t_ladder_allowlist_refused() {
	# without a network namespace nothing holds the command to the proxy
	sb_ladder --network allowlist --allow-domain example.com -- true || return 0
	expect_rc 125 "network allowlist without user namespaces"
	expect_err "cannot enforce network allowlist" "the reason"
}

t_ladder_host_ports_not_forwarded_said() {
	sb_ladder --host-port 5432 -- true || return 0
	expect_rc 0 "offline with a host port, without user namespaces"
	expect_err "host ports are not forwarded" "the limitation is stated"
}

# --- resource limits in the fallback --------------------------------------------------

t_ladder_timeout_kills_everything() {
	local m="rf-ladder-timeout-${WS##*.}"
	sb_ladder --timeout 1 -- sh -c "(setsid sh -c 'sleep 30; : $m' &); sleep 30; : $m" || return 0
	expect_rc 124 "--timeout in the fallback"
	local left="" i
	for i in $(seq 40); do
		left=$(host_procs_with "$m")
		[ -z "$left" ] && break
		sleep 0.05
	done
	expect_true test -z "$left"
	# shellcheck disable=SC2086
	[ -n "$left" ] && kill -9 $left 2>/dev/null
	return 0
}

t_ladder_pids_not_silently_dropped() {
	# no user namespace: RLIMIT_NPROC would count all the user's processes,
	# so --pids needs a cgroup; without one it is refused
	sb_ladder --pids 50 -- sh -c 'echo RAN' || return 0
	if [ "$RC" = 125 ]; then
		expect_err "cannot enforce --pids 50" "the refusal says what"
		expect_not_out "RAN" "the command must not run"
	else
		expect_rc 0 "--pids enforced by a cgroup"
		expect_out "RAN" "the command ran"
	fi
	# the default: enforced by a cgroup, or said not to be
	local f="$RF_TEST_TMP/ladder-limits.${WS##*.}.json"
	sb_ladder --result "$f" -- true || return 0
	expect_rc 0 "default limits in the fallback"
	if [ "$(json_get "$f" 'r["limits"]["pids_by"]')" = None ] || [ "$(json_get "$f" 'r["limits"]["pids_by"]')" = null ]; then
		expect_err "no process limit" "an unenforced default is stated on stderr"
		expect_json "$f" 'any("no process limit" in w for w in r["warnings"])' true
	else
		expect_json "$f" 'r["limits"]["pids_by"] in ("cgroup-v1", "cgroup-v2")' true
	fi
}

# sb_nonet [run options] -- CMD...: like sbp, where user namespaces work but
# network namespaces do not: user.max_net_namespaces=0 in a throw-away user
# namespace of our own (as "nested" above), and ringfence in a user namespace
# inside it as uid 1000 (mapping root needs CAP_SETFCAP, which an
# unprivileged root has not). Returns 1 when that is impossible.
sb_nonet() {
	rf_setup_bin
	if ! unshare -Ur sh -c 'echo 0 > /proc/sys/user/max_net_namespaces &&
		exec unshare --user --map-user=1000 --map-group=1000 true' 2>/dev/null; then
		echo "    # (cannot limit network namespaces in user namespaces of our own; not exercised)" >&2
		return 1
	fi
	HOME="$FAKE_HOME" run_captured unshare -Ur sh -c 'echo 0 > /proc/sys/user/max_net_namespaces &&
		exec unshare --user --map-user=1000 --map-group=1000 "$@"' sh \
		"$RINGFENCE" run --workspace "$WS" --read-only "$RF_BIN" "$@"
}

t_ladder_no_netns_falls_back_and_says_why() {
	# offline needs a network namespace: without one, the Landlock rung, and
	# the reason names the limit (not "cannot create user namespace")
	local f="$RF_TEST_TMP/nonet.json"
	sb_nonet --result "$f" -- "$PROBE" socket-inet || return 0
	expect_rc 1 "AF_INET socket offline without a network namespace"
	expect_out "DENIED" "an inet socket is still refused (seccomp, in the Landlock rung)"
	expect_json "$f" 'r["effective_backend"]' landlock-only
	expect_json "$f" '"max_net_namespaces" in r["fallback_reason"]' true
}

t_ladder_no_netns_online_keeps_namespaces() { # neighbour: online needs none
	local f="$RF_TEST_TMP/nonet-online.json"
	sb_nonet --network online --result "$f" -- true || return 0
	expect_rc 0 "an online run without network namespaces"
	expect_json "$f" 'r["effective_backend"]' namespaces
}

t_ladder_no_netns_allowlist_refused() {
	# the proxy needs a network namespace to hold the command to it
	sb_nonet --network allowlist --allow-domain example.com -- true || return 0
	expect_rc 125 "allowlist without network namespaces"
	expect_err "cannot enforce network allowlist" "refused"
	expect_err "max_net_namespaces" "and the reason names the limit"
}
