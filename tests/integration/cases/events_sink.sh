# The event stream: sinks (file, fd:N, unix:PATH), a sink that fails before
# or during the run (fail: the sandbox stops, exit 125; warn: a warning),
# events kept when the command is killed, duplicates collapsed, floods
# rate-limited, the --json summary and --explain-denials.
# shellcheck shell=bash disable=SC2016,SC2088
. "${BASH_SOURCE[0]%/*}/_events.bash"

H="$FAKE_HOME"

t_file_sink_appends_runs() {
	evsb -- "$PROBE" write "$H/a"
	expect_rc 1 "first run"
	sbp --events "$EV" -- "$PROBE" write "$H/b"
	local runs
	runs=$(grep -c '"type":"RunStarted"' "$EV")
	expect_true test "$runs" = 2
	expect_true test "$(grep -c '"type":"RunFinished"' "$EV")" = 2
	# a file ringfence creates is the caller's alone
	local fresh="$RF_TEST_TMP/fresh-$$.jsonl"
	sbp --events "$fresh" -- true
	expect_true test "$(stat -c %a "$fresh")" = 600
}

t_fd_sink() {
	local f
	f=$(mktemp "$RF_TEST_TMP/fd.XXXXXX")
	rf_setup_bin
	HOME="$FAKE_HOME" "$RINGFENCE" run --workspace "$WS" --read-only "$RF_BIN" --events fd:7 -- "$PROBE" write "$H/a" \
		7>"$f" >/dev/null 2>&1 </dev/null
	RC=$?
	expect_rc 1 "probe denied"
	EV=$f
	expect_stream "fd:7"
	row 1 create "$H/a" 'read-only:~' EROFS | expect_table "fd:7"
	# and the fd did not cross into the sandbox
	HOME="$FAKE_HOME" "$RINGFENCE" run --workspace "$WS" --read-only "$RF_BIN" --events fd:7 -- "$PROBE" list-fds \
		7>"$f" >"$RF_TEST_TMP/fds" 2>&1 </dev/null
	OUT=$(cat "$RF_TEST_TMP/fds")
	expect_out "ALLOWED 3 fds" "only 0-2 inside"
}

t_unix_sink_to_a_listening_harness() {
	local sock log
	sock="$RF_TEST_TMP/harness.$$.sock"
	log="$RF_TEST_TMP/harness.$$.log"
	"$HOST_PY" - "$sock" "$log" <<-'EOF' &
		import socket, sys
		s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1); s.settimeout(30)
		c, _ = s.accept(); data = b""
		while True:
		    b = c.recv(65536)
		    if not b: break
		    data += b
		open(sys.argv[2], "wb").write(data)
	EOF
	local srv=$!
	wait_for 10 test -S "$sock" || _fail "harness did not start"
	sbp --events "unix:$sock" -- "$PROBE" append "$H/.bashrc"
	wait "$srv"
	expect_rc 1 "probe denied"
	EV=$log
	expect_stream "unix socket"
	row 1 write "$H/.bashrc" 'read-only:~' EROFS | expect_table "unix socket"
}

t_sink_that_cannot_open_stops_before_the_command() {
	sbp --events "$RF_TEST_TMP/no/such/dir/events" -- "$PROBE" write "$WS/ran"
	expect_rc 125 "missing directory"
	expect_err "ringfence: cannot open the events file" "reason"
	expect_true test ! -e "$WS/ran"
	sbp --events fd:9 -- "$PROBE" write "$WS/ran"
	expect_rc 125 "fd:9 not open"
	expect_true test ! -e "$WS/ran"
	sbp --events "unix:$RF_TEST_TMP/nobody.sock" -- "$PROBE" write "$WS/ran"
	expect_rc 125 "nobody listening"
	expect_err "cannot connect to the events socket" "reason"
	expect_true test ! -e "$WS/ran"
	# a disk with no room: RunStarted cannot be written, nothing runs
	sbp --events /dev/full -- "$PROBE" write "$WS/ran"
	expect_rc 125 "disk full"
	expect_err "cannot write events to file:/dev/full" "reason"
	expect_true test ! -e "$WS/ran"
	sbp --events "$RF_TEST_TMP" -- true
	expect_rc 125 "a directory"
}

# A harness on a unix socket that reads the first line, then hangs up.
_closing_harness() {
	HARNESS_SOCK="$RF_TEST_TMP/closing.$$.$RANDOM.sock"
	"$HOST_PY" - "$HARNESS_SOCK" <<-'EOF' &
		import socket, sys
		s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1); s.settimeout(30)
		c, _ = s.accept(); f = c.makefile("rb"); f.readline(); c.close()
	EOF
	HARNESS_PID=$!
	wait_for 10 test -S "$HARNESS_SOCK" || _fail "harness did not start"
}

t_consumer_gone_mid_run_stops_the_sandbox() {
	_closing_harness
	local t0=$SECONDS
	sbp --events "unix:$HARNESS_SOCK" -- sh -c "sleep 20; $PROBE write $WS/finished"
	wait "$HARNESS_PID"
	expect_rc 125 "fail mode"
	expect_err "ringfence: cannot write events to unix:" "the reason"
	expect_err "the sandbox was stopped" "what happened"
	expect_true test $((SECONDS - t0)) -lt 15
	expect_true test ! -e "$WS/finished"
}

t_consumer_gone_mid_run_warn_mode_goes_on() { # neighbour: warn
	_closing_harness
	local res
	res=$(mktemp "$RF_TEST_TMP/res.XXXXXX")
	sbp --events "unix:$HARNESS_SOCK" --events-on-error warn --result "$res" -- sh -c "sleep 1; $PROBE write $H/x; $PROBE write $WS/finished"
	wait "$HARNESS_PID"
	expect_rc 0 "warn mode: the command runs to its end"
	expect_err "ringfence: warning: cannot write events to unix:" "warned at once"
	expect_true test -e "$WS/finished"
	expect_true grep -q 'cannot write events to unix:' "$res"
	expect_true grep -q '"error":"cannot write events' "$res"
}

t_file_that_fills_mid_run_stops_the_sandbox() {
	# a file size limit stands in for a full disk (works as any user):
	# RunStarted fits in the 16 KiB, a flood of violations does not
	rf_setup_bin
	local f
	f=$(mktemp "$RF_TEST_TMP/full.XXXXXX")
	(
		ulimit -f 32
		HOME="$FAKE_HOME" "$RINGFENCE" run --workspace "$WS" --read-only "$RF_BIN" --events "$f" -- \
			sh -c "$PROBE flood distinct $H 3000; sleep 20; $PROBE write $WS/finished" >"$RF_TEST_TMP/fo" 2>"$RF_TEST_TMP/fe" </dev/null
		echo $? >"$RF_TEST_TMP/frc"
	)
	RC=$(cat "$RF_TEST_TMP/frc") ERR=$(cat "$RF_TEST_TMP/fe") OUT=""
	expect_rc 125 "events file full"
	expect_err "cannot write events to file:" "the reason"
	expect_err "File too large" "errno"
	expect_true test ! -e "$WS/finished"
}

# The pid of the rf-probe process whose command line holds $1.
_probe_pid() {
	local p
	for p in $(host_procs_with "$1"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = rf-probe ] && echo "$p" && return 0
	done
	return 1
}

t_events_kept_when_the_command_is_killed() {
	local marker="rf-kill-$$-$RANDOM"
	rf_setup_bin
	EV=$(mktemp "$RF_TEST_TMP/events.XXXXXX")
	HOME="$FAKE_HOME" "$RINGFENCE" run --workspace "$WS" --read-only "$RF_BIN" --events "$EV" -- \
		sh -c "for i in \$(seq 1 30); do $PROBE write $H/k\$i >/dev/null; done; exec $PROBE sleep 60 $marker" \
		>/dev/null 2>&1 </dev/null &
	local rf=$! pid=""
	OUT="" ERR=""
	for _ in $(seq 1 400); do
		pid=$(_probe_pid "$marker") && break
		sleep 0.05
	done
	[ -n "$pid" ] || _fail "the command did not start"
	kill -KILL "$pid"
	wait "$rf"
	RC=$?
	expect_rc 137 "killed by SIGKILL"
	expect_stream "after SIGKILL"
	expect_violation 30 "all 30 denials" operation=create 'rule=read-only:~'
	expect_true test "$(evq get RunFinished signal)" = SIGKILL
}

t_events_kept_on_ctrl_c_and_sigterm() {
	local sig
	OUT="" ERR=""
	rf_setup_bin
	for sig in INT TERM; do
		EV=$(mktemp "$RF_TEST_TMP/events.XXXXXX")
		HOME="$FAKE_HOME" "$RINGFENCE" run --workspace "$WS" --read-only "$RF_BIN" --events "$EV" -- \
			sh -c "$PROBE write $H/sig-$sig >/dev/null; exec $PROBE sleep 60" >/dev/null 2>&1 </dev/null &
		local rf=$!
		wait_for 10 grep -q '"type":"SandboxViolation"' "$EV" || _fail "no violation before SIG$sig"
		kill -"$sig" "$rf"
		wait "$rf"
		RC=$?
		expect_stream "after SIG$sig"
		expect_violation 1 "SIG$sig" operation=create "target=$H/sig-$sig"
		expect_true test "$(evq get RunFinished signal)" = "SIG$sig"
	done
}

t_events_kept_when_the_timeout_lands() {
	evsb --timeout 2s -- sh -c "$PROBE write $H/before-timeout; exec $PROBE sleep 60"
	expect_rc 124 "timed out"
	expect_stream "after the timeout"
	row 1 create "$H/before-timeout" 'read-only:~' EROFS | expect_table "timeout"
	expect_true test "$(evq get RunFinished timed_out)" = true
	expect_true test "$(evq get RunFinished exit_status)" = 124
}

t_duplicates_collapsed() {
	evsb -- "$PROBE" flood same "$H/again" 10000
	expect_rc 0 "flood"
	expect_out "10000 attempts, 0 succeeded" "all denied"
	expect_stream
	expect_violation 1 "one event for 10,000 attempts" operation=create "target=$H/again"
	local total lines
	total=$(evq total operation=create "target=$H/again")
	expect_true test "$total" = 10000
	expect_true test "$(evq get RunFinished violations.count)" = 10000
	expect_true test "$(evq get RunFinished violations.distinct)" = 1
	lines=$(wc -l <"$EV")
	expect_true test "$lines" -le 8 # RunStarted, the first, a few updates, RunFinished
}

t_flood_rate_limited() {
	local t0=$SECONDS n=5000
	evsb -- "$PROBE" flood distinct "$H" "$n"
	expect_rc 0 "flood"
	expect_stream
	local lines dropped took
	lines=$(grep -c '"type":"SandboxViolation"' "$EV")
	dropped=$(evq get RunFinished dropped)
	took=$((SECONDS - t0 + 1))
	# the burst, then 50 a second
	expect_true test "$lines" -le $((200 + 50 * took))
	expect_true test "$dropped" -gt 0
	expect_true test $((lines + dropped)) = "$n"
	expect_true test "$(evq get RunFinished violations.distinct)" = "$n"
	expect_true test "$(stat -c %s "$EV")" -lt 2000000
}

t_json_result_summarises_violations() {
	local res
	res=$(mktemp "$RF_TEST_TMP/res.XXXXXX")
	sbp --result "$res" -- sh -c "$PROBE append $H/.bashrc; $PROBE append $H/.bashrc; $PROBE write $WS/.git-x; $PROBE write $H/.ssh/k; true"
	expect_rc 0 "sandbox"
	"$HOST_PY" - "$res" "$H" <<-'EOF' || _fail "result JSON: $(cat "$res")"
		import json, sys
		r = json.load(open(sys.argv[1])); h = sys.argv[2]
		v = r["violations"]
		assert v["count"] == 3, v
		assert v["distinct"] == 3, v          # two processes: two pids
		f = v["first"][0]
		assert f["operation"] == "write" and f["target"] == h + "/.bashrc", f
		assert f["rule"] == "read-only:~" and f["errno"] == "EROFS" and f["source"] == "default", f
		assert v["first"][2]["rule"] == "hidden:~/.ssh", v["first"]
	EOF
}

t_explain_denials() {
	sbp --explain-denials -- sh -c "echo out; $PROBE append $H/.bashrc >/dev/null; echo x > .git/hooks/pre-commit 2>/dev/null; true"
	expect_rc 0 "sandbox"
	expect_err "ringfence: denied write $H/.bashrc (rule read-only:~, default)" "the agent-readable line"
	# after the command's own output, not mixed into it
	local last
	last=$(printf '%s\n' "$ERR" | tail -1)
	case "$last" in ringfence:\ denied*) ;; *) _fail "explanations come last: $ERR" ;; esac
	sbp -- "$PROBE" append "$H/.bashrc"
	expect_true test "$(printf '%s' "$ERR" | grep -c 'ringfence: denied')" = 0
}

t_events_file_inside_the_workspace_warned() {
	sbp --events "$WS/events.jsonl" -- true
	expect_rc 0 "runs"
	expect_err "writable from inside the sandbox" "warned"
	sbp --events "$RF_TEST_TMP/outside.jsonl" -- true
	case "$ERR" in *"writable from inside"*) _fail "no warning outside: $ERR" ;; esac
}

t_events_subcommand_filters() {
	evsb -- sh -c "$PROBE append $H/.bashrc; $PROBE write $H/.ssh/x; $PROBE write /usr/x; true"
	sb_raw events "$EV"
	expect_rc 0 "pretty"
	expect_out "run started" "RunStarted"
	expect_out "denied write $H/.bashrc  (rule read-only:~, default) EROFS" "a violation"
	expect_out "run finished  exit 0" "RunFinished"
	sb_raw events --rule 'hidden:*' "$EV"
	expect_out "denied create $H/.ssh/x" "the hidden one"
	expect_not_out ".bashrc" "filtered"
	sb_raw events --type RunFinished --json "$EV"
	expect_out '"type":"RunFinished"' "json"
	expect_not_out "RunStarted" "json filtered"
	printf 'garbage\n' >>"$EV"
	sb_raw events "$EV"
	expect_rc 1 "malformed line"
	expect_err "line" "reported"
	sb_raw events "$RF_TEST_TMP/none.jsonl"
	expect_rc 2 "missing file"
}
