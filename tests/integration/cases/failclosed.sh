# Fail closed: every set-up failure stops the run before the command starts,
# with exit status 125 and ONE line "ringfence: cannot ...: <reason>" on
# stderr; a kernel feature missing is refused (or, where the ladder allows,
# replaced by the next rung and said so), never silently skipped. And the
# exit status contract: the command's own, 128+N, 126/127.
# shellcheck shell=bash disable=SC2016
. "${BASH_SOURCE[0]%/*}/_common.bash"

# The command of every refused run: leaves a mark if it runs at all.
_mark() { echo "$WS/RAN-MARK"; }
_cmd() { printf 'touch %s; echo RAN' "$(_mark)"; }

# RC 125, stderr exactly one line "ringfence: cannot ...", the command not run.
expect_refused() {
	expect_rc 125 "$1"
	local lines
	lines=$(printf '%s\n' "$ERR" | grep -c .)
	[ "$lines" = 1 ] || _fail "$1: expected one line on stderr, got $lines: [$ERR]"
	case "$ERR" in "ringfence: cannot "*) ;; *) _fail "$1: stderr is not 'ringfence: cannot ...': [$ERR]" ;; esac
	expect_not_out "RAN" "$1: the command must not run"
	[ ! -e "$(_mark)" ] || _fail "$1: the command ran"
}

t_fc_missing_writable_root() {
	sb --writable-root "$RF_TEST_TMP/no-such-dir" -- sh -c "$(_cmd)"
	expect_refused "a --writable-root that does not exist"
	expect_err "No such file or directory" "the reason"
}

t_fc_writable_root_is_a_file() {
	echo x >"$WS/file"
	sb --writable-root "$WS/file" -- sh -c "$(_cmd)"
	expect_refused "a --writable-root that is a file"
}

t_fc_missing_read_only() {
	sb --read-only "$RF_TEST_TMP/no-such-path" -- sh -c "$(_cmd)"
	expect_refused "a --read-only path that does not exist"
}

t_fc_workspace_under_hidden_path() {
	mkdir -p "$FAKE_HOME/.ssh/project"
	HOME="$FAKE_HOME" sb_raw run --workspace "$FAKE_HOME/.ssh/project" -- sh -c "$(_cmd)"
	expect_refused "a workspace inside ~/.ssh"
	expect_err "hidden path ~/.ssh" "names the rule"
	[ ! -e "$FAKE_HOME/.ssh/project/RAN-MARK" ] || _fail "the command ran"
}

t_fc_writable_root_under_hidden_path() {
	mkdir -p "$FAKE_HOME/.aws/cache"
	sb --writable-root "$FAKE_HOME/.aws/cache" -- sh -c "$(_cmd)"
	expect_refused "a writable root inside ~/.aws"
}

t_fc_whole_filesystem() {
	sb --writable-root / -- sh -c "$(_cmd)"
	expect_refused "--writable-root /"
	HOME="$FAKE_HOME" sb_raw run --workspace / -- sh -c "$(_cmd)"
	expect_refused "--workspace /"
}

t_fc_placeholders_cannot_be_made() {
	# a workspace where the placeholders for missing protected paths cannot
	# be created: refused rather than run with .git/hooks creatable
	local ro="$RF_TEST_TMP/ro.${WS##*.}"
	mkdir -p "$ro"
	if is_root; then
		mount --bind "$ro" "$ro" && mount -o remount,bind,ro "$ro" || { _fail "cannot make a read-only mount"; return; }
	else
		chmod 555 "$ro"
	fi
	HOME="$FAKE_HOME" sb_raw run --workspace "$ro" -- sh -c 'echo RAN'
	if is_root; then umount "$ro"; else chmod 755 "$ro"; fi
	expect_refused "a workspace where placeholders cannot be made"
	expect_err "placeholder" "says which step"
	HOME="$FAKE_HOME" sb_raw run --workspace "$ro" --sandbox-mode read-only -- sh -c 'echo RAN'
	expect_rc 0 "the same workspace read-only (neighbour: no placeholders needed)"
}

t_fc_no_free_fds() {
	local n
	for n in 5 9 12 20; do
		(ulimit -n "$n" && HOME="$FAKE_HOME" exec "$RINGFENCE" run --workspace "$WS" -- sh -c "$(_cmd)") \
			</dev/null >"$RF_TEST_TMP/out" 2>"$RF_TEST_TMP/err"
		RC=$? OUT=$(cat "$RF_TEST_TMP/out") ERR=$(cat "$RF_TEST_TMP/err")
		expect_refused "ulimit -n $n"
	done
	(ulimit -n 64 && HOME="$FAKE_HOME" exec "$RINGFENCE" run --workspace "$WS" -- true) </dev/null >/dev/null 2>&1
	RC=$?
	expect_rc 0 "ulimit -n 64 (neighbour)"
}

t_fc_seccomp_unavailable() {
	rf_setup_bin
	HOME="$FAKE_HOME" "$PROBE" exec-without seccomp "$RINGFENCE" run --workspace "$WS" -- sh -c "$(_cmd)" \
		</dev/null >"$RF_TEST_TMP/out" 2>"$RF_TEST_TMP/err"
	RC=$? OUT=$(cat "$RF_TEST_TMP/out") ERR=$(cat "$RF_TEST_TMP/err")
	expect_refused "seccomp unavailable"
	expect_err "seccomp" "names seccomp"
}

t_fc_landlock_and_userns_unavailable() {
	rf_setup_bin
	HOME="$FAKE_HOME" "$PROBE" exec-without landlock "$PROBE" exec-without userns \
		"$RINGFENCE" run --workspace "$WS" -- sh -c "$(_cmd)" </dev/null >"$RF_TEST_TMP/out" 2>"$RF_TEST_TMP/err"
	RC=$? OUT=$(cat "$RF_TEST_TMP/out") ERR=$(cat "$RF_TEST_TMP/err")
	expect_refused "neither user namespaces nor Landlock"
	HOME="$FAKE_HOME" "$PROBE" exec-without landlock "$PROBE" exec-without userns \
		"$RINGFENCE" run --workspace "$WS" --backend none --result "$RF_TEST_TMP/r.json" -- sh -c 'echo RAN' \
		</dev/null >"$RF_TEST_TMP/out" 2>"$RF_TEST_TMP/err"
	RC=$? OUT=$(cat "$RF_TEST_TMP/out") ERR=$(cat "$RF_TEST_TMP/err")
	expect_rc 0 "--backend none runs (the user asked for no sandbox)"
	expect_err "WITHOUT any sandbox" "and is warned"
	expect_true grep -q '"sandbox_enforced": *false' "$RF_TEST_TMP/r.json"
}

t_fc_userns_unavailable_falls_back_and_says_so() { # the ladder's next rung
	rf_setup_bin
	HOME="$FAKE_HOME" "$PROBE" exec-without userns "$RINGFENCE" run --workspace "$WS" --result "$RF_TEST_TMP/r.json" \
		-- cat "$FAKE_HOME/.ssh/id_rsa" </dev/null >"$RF_TEST_TMP/out" 2>"$RF_TEST_TMP/err"
	RC=$? OUT=$(cat "$RF_TEST_TMP/out") ERR=$(cat "$RF_TEST_TMP/err")
	expect_denied "read ~/.ssh on the Landlock-only rung"
	expect_not_out "SECRET-SSH-KEY" "the key"
	expect_err "fallback" "the rung is said on stderr"
	expect_true grep -q '"effective_backend": *"landlock-only"' "$RF_TEST_TMP/r.json"
}

t_fc_landlock_unavailable_says_so() { # namespaces alone still enforce the plan
	rf_setup_bin
	HOME="$FAKE_HOME" "$PROBE" exec-without landlock "$RINGFENCE" run --workspace "$WS" -- sh -c \
		"cat '$FAKE_HOME/.ssh/id_rsa'; echo x > '$FAKE_HOME/.bashrc'; echo in-ws > '$WS/ok'; echo RAN" \
		</dev/null >"$RF_TEST_TMP/out" 2>"$RF_TEST_TMP/err"
	RC=$? OUT=$(cat "$RF_TEST_TMP/out") ERR=$(cat "$RF_TEST_TMP/err")
	expect_out "RAN" "runs on mount namespaces alone"
	expect_err "Landlock is unavailable" "and says so"
	expect_not_out "SECRET-SSH-KEY" "hidden all the same"
	expect_true test "$(cat "$FAKE_HOME/.bashrc")" = "export OK=1"
	expect_true test "$(cat "$WS/ok")" = in-ws
}

# --- exit status ----------------------------------------------------------------

t_exit_status_own_code() {
	local c
	for c in 0 1 3 42 124 126 127 255; do
		sb -- sh -c "exit $c"
		expect_rc "$c" "exit $c"
	done
}

t_exit_status_signals() {
	sb -- sh -c 'kill -TERM $$'
	expect_rc 143 "SIGTERM"
	sb -- sh -c 'kill -SEGV $$'
	expect_rc 139 "SIGSEGV"
	sb -- sh -c 'kill -INT $$'
	expect_rc 130 "SIGINT"
	sb --result "$RF_TEST_TMP/r.json" -- sh -c 'kill -HUP $$'
	expect_rc 129 "SIGHUP"
	expect_true grep -q '"signal": *"SIGHUP"' "$RF_TEST_TMP/r.json"
}

t_exit_status_exec_failures() {
	sb -- "$WS/no-such-command"
	expect_rc 127 "a missing command"
	expect_err "cannot execute" "says so"
	sb -- no-such-command-on-path
	expect_rc 127 "a command not on PATH"
	mkdir "$WS/adir"
	sb -- "$WS/adir"
	expect_rc 126 "a directory"
	printf '#!/no/such/interpreter\n' >"$WS/badshebang" && chmod 755 "$WS/badshebang"
	sb -- "$WS/badshebang"
	expect_rc 127 "a script whose interpreter is missing"
	printf 'echo hi\n' >"$WS/noexec" && chmod 644 "$WS/noexec"
	sb -- "$WS/noexec"
	expect_rc 126 "a file without execute permission"
}

# The cover watch (cover_watch.h) cannot start: every inotify instance of
# the user is taken. The run is refused, naming the limit; the neighbour: the
# same run once they are free again.
t_fc_no_inotify_instance_left() {
	git_repo
	local ready="$RF_TEST_TMP/inotify-held" done="$RF_TEST_TMP/inotify-release"
	rm -f "$ready" "$done"
	"$HOST_PY" - "$ready" "$done" <<-'PYEOF' &
		import ctypes, os, resource, sys, time
		soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
		resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the user's limit, not ours
		libc = ctypes.CDLL(None, use_errno=True)
		held = []
		while len(held) < 100000:
		    fd = libc.inotify_init1(os.O_CLOEXEC)
		    if fd < 0:
		        break
		    held.append(fd)
		open(sys.argv[1], "w").write(str(ctypes.get_errno()))
		for _ in range(600):
		    if os.path.exists(sys.argv[2]):
		        break
		    time.sleep(0.05)
	PYEOF
	local holder=$! i
	for i in $(seq 200); do [ -e "$ready" ] && break; sleep 0.05; done
	sb -- sh -c "$(_cmd)"
	touch "$done"
	wait "$holder"
	expect_refused "no inotify instance left for the watch on the protected paths"
	expect_err "max_user_instances" "names the limit"
	sb -- sh -c "$(_cmd)"
	expect_rc 0 "the same run with instances free"
}

# The Landlock rules beside a hidden path in a read-only place are built by
# the supervisor while the sandbox mounts (landlock.h): a directory too large
# to carve a hidden path out of stops the run there, like any set-up failure.
_carve_dir() { # _carve_dir N: a directory in /var/tmp with N files and a `secret`
	CARVE=$(mktemp -d /var/tmp/rf-carve.XXXXXX) || return 1
	chmod 755 "$CARVE"
	(cd "$CARVE" && seq -f 'f%05g' 1 "$1" | xargs touch) || return 1
	echo "CARVE-SECRET" >"$CARVE/secret"
	echo "CARVE-NEIGHBOUR" >"$CARVE/f00001"
}

t_fc_landlock_carve_too_large() {
	_carve_dir 10001 || { _fail "cannot make the directory in /var/tmp"; return; }
	sb --hide "$CARVE/secret" -- sh -c "$(_cmd)"
	local dir=$CARVE
	rm -rf "$CARVE"
	expect_refused "a hidden path beside more than 10000 entries"
	expect_err "more than 10000 entries" "the reason"
	expect_err "$dir" "names the directory"
}

t_fc_landlock_carve_neighbour_works() { # neighbour
	_carve_dir 300 || { _fail "cannot make the directory in /var/tmp"; return; }
	sb --hide "$CARVE/secret" -- sh -c "cat '$CARVE/f00001'; cat '$CARVE/secret'; ls '$CARVE' | wc -l"
	rm -rf "$CARVE"
	expect_rc 0 "the run"
	expect_err "secret: Permission denied" "the hidden file cannot be read"
	expect_out "CARVE-NEIGHBOUR" "a file beside the hidden one reads"
	expect_not_out "CARVE-SECRET" "the hidden file"
	expect_out "301" "the directory lists (the hidden name included)"
}
