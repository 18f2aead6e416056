# Processes: pid namespace, signals to the host, capabilities, setuid, hostname,
# orphans, inherited fds, exit codes and the environment.
# shellcheck shell=bash disable=SC2016,SC2088,SC2119
. "${BASH_SOURCE[0]%/*}/_common.bash"

t_proc_shows_only_sandbox_processes() {
	sbp -- sh -c 'ls /proc | grep -c "^[0-9][0-9]*$"; cat /proc/1/cmdline | tr "\0" " "'
	expect_rc 0 "list /proc"
	local n; n=$(echo "$OUT" | head -1)
	expect_true test "$n" -ge 1 -a "$n" -le 8
	local host1; host1=$(tr '\0' ' ' </proc/1/cmdline 2>/dev/null)
	[ -n "$host1" ] && expect_not_out "$host1" "the host's pid 1 command line"
}

t_pidns_probe() {
	sbp -- "$PROBE" pidns
	expect_rc 0 "pidns"
	local procs; procs=$(echo "$OUT" | sed -n 's/.*procs=\([0-9]*\).*/\1/p')
	expect_true test "${procs:-99}" -le 8
}

t_host_process_not_visible_or_killable() {
	sleep 100 &
	local pid=$!
	sbp -- sh -c "$PROBE kill $pid 9; $PROBE kill $pid 0; test -e /proc/$pid && echo VISIBLE"
	expect_denied "kill a host process"
	expect_not_out "VISIBLE" "/proc/$pid"
	expect_true kill -0 "$pid"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

t_kill_own_child_works() { # neighbour
	sbp -- sh -c "sleep 30 & pid=\$!; $PROBE kill \$pid 15; wait \$pid; echo status=\$?"
	expect_rc 0 "kill a child inside the sandbox"
	expect_out "ALLOWED" "kill"
	expect_out "status=143" "the child died of SIGTERM"
}

t_signal_supervisor_denied() {
	# ringfence (the parent of the sandbox) is outside the pid namespace
	sbp -- sh -c "$PROBE kill $$ 0; $PROBE kill $PPID 0"
	expect_denied "signal the test shell / the caller"
}

t_capabilities_all_zero() {
	sbp -- "$PROBE" caps
	expect_rc 0 "caps"
	expect_out "CapEff:	0000000000000000" "CapEff"
	expect_out "CapPrm:	0000000000000000" "CapPrm"
	expect_out "CapBnd:	0000000000000000" "CapBnd"
	expect_out "CapAmb:	0000000000000000" "CapAmb"
	expect_out "NoNewPrivs:	1" "NoNewPrivs"
	expect_out "Seccomp:	2" "Seccomp filter mode"
}

t_capabilities_zero_after_exec_as_root() {
	# a (mapped) root that execs a binary must not regain capabilities
	sbp -- sh -c "exec $PROBE_STATIC caps"
	expect_out "CapEff:	0000000000000000" "CapEff after exec"
	expect_out "CapPrm:	0000000000000000" "CapPrm after exec"
}

t_all_mounts_nosuid() {
	sbp -- sh -c 'awk "{print \$5, \$6}" /proc/self/mountinfo | grep -v nosuid; true'
	expect_rc 0 "read mountinfo"
	expect_true test -z "$OUT"
}

t_setuid_binary_no_privileges() {
	if ! is_root; then
		echo "    # (as $(id -un): cannot create a setuid binary of another user; covered by all_mounts_nosuid and NoNewPrivs)" >&2
		return 0
	fi
	cp "$PROBE_STATIC" "$WS/suid-root" && chmod 4755 "$WS/suid-root"
	cp "$PROBE_STATIC" "$WS/suid-nobody" && chown 65534:65534 "$WS/suid-nobody" && chmod 6755 "$WS/suid-nobody"
	sbp -- "$WS/suid-root" caps
	expect_out "CapEff:	0000000000000000" "setuid-root binary: no capabilities"
	sbp -- "$PROBE" setuid-exec "$WS/suid-nobody" getuid
	expect_rc 0 "exec a setuid-nobody binary"
	expect_out "euid=$(id -u) " "euid unchanged by a setuid bit"
	expect_out "egid=$(id -g) " "egid unchanged by a setgid bit"
}

t_setuid_system_binary_fails() {
	# su/mount are setuid root on the host; inside they must not gain anything
	[ -u /usr/bin/su ] || return 0
	sbp -- sh -c "/usr/bin/su -c 'echo SU-RAN' root"
	expect_not_out "SU-RAN" "su ran a command"
}

t_getuid_is_callers() { # neighbour: identity is kept, no fake root
	sbp -- "$PROBE" getuid
	expect_rc 0 "getuid"
	expect_out "uid=$(id -u) euid=$(id -u) gid=$(id -g)" "ids mapped to themselves"
}

t_hostname_is_ringfence() {
	sbp -- sh -c "$PROBE hostname; hostname"
	expect_rc 0 "hostname"
	expect_out "ALLOWED ringfence" "uts namespace hostname"
	[ "$(hostname)" != ringfence ] && expect_not_out "$(hostname)" "the host's name"
}

t_sethostname_denied() {
	# sets the name it already has: harmless even if the sandbox failed
	sbp -- sh -c 'hostname "$(hostname)"'
	expect_denied "sethostname"
}

t_orphan_dies_with_sandbox() {
	local marker="$WS/orphan-marker.pid"
	sbp -- "$PROBE" spawn-orphan 30 "$marker"
	expect_rc 0 "spawn an orphan daemon"
	expect_true test -s "$marker"
	# the run is over: no process with the unique marker may remain on the host
	local left=""
	local i
	for i in $(seq 40); do
		left=$(host_procs_with "$marker")
		[ -z "$left" ] && break
		sleep 0.05
	done
	expect_true test -z "$left"
	# shellcheck disable=SC2086
	[ -n "$left" ] && kill -9 $left 2>/dev/null
	return 0
}

t_background_job_dies_with_sandbox() {
	local marker="rf-bg-${WS##*.}"
	sbp -- sh -c "sh -c 'sleep 30; : $marker' & (setsid sh -c 'sleep 30; : $marker' >/dev/null 2>&1 &); echo started"
	expect_rc 0 "start background jobs"
	local left="" i
	for i in $(seq 40); do
		left=$(host_procs_with "$marker")
		[ -z "$left" ] && break
		sleep 0.05
	done
	expect_true test -z "$left"
	# shellcheck disable=SC2086
	[ -n "$left" ] && kill -9 $left 2>/dev/null
	return 0
}

# By the time ringfence returns, the sandbox's init has killed and reaped
# everything the command left and has been reaped itself: nothing of the
# run may be found running at that instant (no waiting, unlike the two
# above).
t_nothing_running_when_ringfence_returns() {
	local marker="rf-now-${WS##*.}"
	sbp -- sh -c "sh -c 'sleep 30; : $marker' & (setsid sh -c 'sleep 30; : $marker' >/dev/null 2>&1 &); $PROBE spawn-orphan 30 $WS/now-orphan.pid; echo started"
	expect_rc 0 "start background jobs and an orphan daemon"
	local left
	left="$(host_procs_with "$marker") $(host_procs_with "$WS/now-orphan.pid")"
	expect_true test -z "${left// /}"
	# shellcheck disable=SC2086
	[ -n "${left// /}" ] && kill -9 $left 2>/dev/null
	return 0
}

# The sandbox's CPU time reaches the caller: `time ringfence run make` and
# the caller's wait4() count the command's work, not only ringfence's own
# (ringfence reaps the sandbox's init before it returns).
t_command_cpu_time_reaches_caller() {
	run_captured env HOME="$FAKE_HOME" "$HOST_PY" -c '
import resource, subprocess, sys
subprocess.run([sys.argv[1], "run", "--workspace", sys.argv[2], "--", "sh", "-c",
                "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done"], check=True)
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%d" % ((ru.ru_utime + ru.ru_stime) * 1000))' "$RINGFENCE" "$WS"
	expect_rc 0 "a CPU-bound command"
	# the loop takes ~0.4 s of CPU here, ringfence itself ~5 ms (without
	# init's reaping the caller saw 67 ms)
	expect_true test "${OUT:-0}" -ge 200
}

t_inherited_fds_closed() {
	echo host-fd-secret >"$RF_TEST_TMP/fd5.${WS##*.}"
	exec 5<"$RF_TEST_TMP/fd5.${WS##*.}" 7>>"$RF_TEST_TMP/fd7.${WS##*.}"
	sbp -- "$PROBE" list-fds
	exec 5<&- 7>&-
	expect_rc 0 "list fds"
	expect_out "ALLOWED 3 fds" "only 0, 1, 2 open"
	expect_not_out "fd5" "inherited fd 5"
	expect_not_out "fd7" "inherited fd 7"
	sbp -- sh -c 'cat <&5; echo x >&7'
	expect_denied "use inherited fds 5/7"
}

t_json_fd3_not_leaked() {
	sbp --json -- "$PROBE" list-fds 3>"$RF_TEST_TMP/fd3.json"
	expect_out "ALLOWED 3 fds" "the --json fd is not inherited"
}

t_exit_code_passes_through() {
	sbp -- sh -c 'exit 42'
	expect_rc 42 "exit 42"
	sbp -- true
	expect_rc 0 "true"
	sbp -- false
	expect_rc 1 "false"
}

t_killed_by_signal_137() {
	sbp -- sh -c 'kill -9 $$'
	expect_rc 137 "kill -9 \$\$"
	sbp -- sh -c 'kill -TERM $$'
	expect_rc 143 "kill -TERM \$\$"
}

t_missing_command_127() {
	sbp -- rf-no-such-command-xyz
	expect_rc 127 "missing command"
	sbp -- /nonexistent/bin/tool
	expect_rc 127 "missing absolute command"
}

t_not_executable_126() {
	echo 'echo hi' >"$WS/noexec.sh" && chmod 644 "$WS/noexec.sh"
	sbp -- "$WS/noexec.sh"
	expect_rc 126 "a non-executable file"
}

t_bad_workspace_125() {
	sb_raw run --workspace "$RF_TEST_TMP/does-not-exist" -- sh -c 'echo RAN'
	expect_rc 125 "a missing --workspace"
	expect_err "ringfence: " "message"
	expect_not_out "RAN" "the command must not run"
	echo file >"$WS/plainfile"
	sb_raw run --workspace "$WS/plainfile" -- sh -c 'echo RAN'
	expect_rc 125 "a --workspace that is a file"
	expect_not_out "RAN" "the command must not run"
}

t_bad_option_125() {
	sb_raw run --no-such-option -- sh -c 'echo RAN'
	expect_rc 125 "an unknown option"
	expect_not_out "RAN" "the command must not run"
	sb_raw run --sandbox-mode bogus -- sh -c 'echo RAN'
	expect_rc 125 "an unknown sandbox mode"
	expect_err "ringfence: " "message"
}

t_ssh_auth_sock_not_passed() {
	SSH_AUTH_SOCK="$RF_TEST_TMP/agent.sock" sbp -- sh -c 'echo "sock=[$SSH_AUTH_SOCK]"'
	expect_rc 0 "print SSH_AUTH_SOCK"
	expect_out "sock=[]" "SSH_AUTH_SOCK scrubbed"
}

t_ordinary_env_passed() { # neighbour
	RF_TEST_VAR=hello-env sbp -- sh -c 'echo "var=[$RF_TEST_VAR] home=[$HOME] path=[$PATH]"'
	expect_rc 0 "print env"
	expect_out "var=[hello-env]" "an ordinary variable"
	expect_out "home=[$FAKE_HOME]" "HOME"
	expect_not_out "path=[]" "PATH"
}

t_cwd_is_workspace() {
	mkdir -p "$WS/sub"
	cd "$WS/sub" || return
	sbp -- pwd
	cd "$WS" || return
	expect_rc 0 "pwd"
	expect_out "$WS/sub" "cwd kept"
}

t_supervisor_killed_sandbox_dies() {
	# SIGKILL ringfence mid-run: the command and everything it started die,
	# nothing stays running (pid 1's parent-death signal takes the namespace)
	local marker="$WS/supervisor-kill-marker"
	rf_setup_bin
	HOME="$FAKE_HOME" "$RINGFENCE" run --workspace "$WS" --read-only "$RF_BIN" -- \
		sh -c "\"$PROBE\" spawn-orphan 60 \"$marker.d\"; exec \"$PROBE\" sleep 60 \"$marker\"" \
		</dev/null >/dev/null 2>&1 &
	local rf=$!
	local i
	for i in $(seq 100); do
		[ -n "$(host_procs_with "$marker")" ] && [ -s "$marker.d" ] && break
		sleep 0.05
	done
	expect_true test -n "$(host_procs_with "$marker")"
	kill -9 "$rf"
	wait "$rf" 2>/dev/null
	local left=""
	for i in $(seq 60); do
		left=$(host_procs_with "$marker")
		[ -z "$left" ] && break
		sleep 0.05
	done
	expect_true test -z "$left"
	# shellcheck disable=SC2086
	[ -n "$left" ] && kill -9 $left 2>/dev/null
	return 0
}

t_core_dumps_disabled() {
	sbp -- sh -c 'ulimit -c; ulimit -H -c'
	expect_rc 0 "read the core limits"
	expect_out "0
0" "soft and hard RLIMIT_CORE are 0"
}

# --- more of the process boundary ----------------------------------------------------

t_leaked_directory_fd_closed() {
	# a harness that leaks a directory fd (O_PATH or not) into ringfence
	exec 8<"$FAKE_HOME/.ssh" 9<"$FAKE_HOME"
	sbp -- sh -c 'cat /proc/self/fd/8/id_rsa; ls /proc/self/fd/9/; cat <&8'
	exec 8<&- 9<&-
	expect_denied "use leaked directory fds"
	expect_not_out "SECRET-SSH-KEY" "the key through a leaked fd"
	expect_not_out ".bashrc" "the home through a leaked fd"
}

t_init_not_inspectable() {
	# pid 1 holds ringfence's status pipe and was started with the caller's
	# environment; it is non-dumpable, so none of it is reachable
	sbp -- sh -c 'cat /proc/1/environ; ls /proc/1/fd; ls /proc/1/root/; cat /proc/1/maps'
	expect_denied "inspect the sandbox's pid 1"
	expect_not_out "PATH=" "pid 1's environment"
	expect_not_out "pipe:" "pid 1's fds"
}

t_kill_minus_one_stays_inside() {
	sleep 60 &
	local host=$!
	sbp -- sh -c 'sleep 30 & kill -9 -1; echo survived'
	expect_true kill -0 "$host"
	kill "$host" 2>/dev/null
	wait "$host" 2>/dev/null
	return 0
}

t_pidfd_open_host_process_denied() {
	sleep 60 &
	local host=$!
	rf_setup_bin
	sbp -- "$STRESS" pidfd-open "$host"
	kill "$host" 2>/dev/null
	wait "$host" 2>/dev/null
	expect_rc 1 "pidfd_open on a host pid"
	expect_out "DENIED ESRCH" "not in the pid namespace"
	sbp -- sh -c "sleep 5 & exec \"$STRESS\" pidfd-open \$!"
	expect_out "ALLOWED" "pidfd_open on a sibling in the sandbox" # neighbour
}

t_agent_and_bus_env_scrubbed() {
	GPG_AGENT_INFO=/run/user/0/gnupg/S.gpg-agent:0:1 DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/0/bus \
		XDG_RUNTIME_DIR=/run/user/0 TMPDIR=/host/tmp SSH_AUTH_SOCK=/tmp/ssh-x/agent.1 \
		sbp -- sh -c 'echo "gpg=[$GPG_AGENT_INFO] dbus=[$DBUS_SESSION_BUS_ADDRESS] xdg=[$XDG_RUNTIME_DIR] ssh=[$SSH_AUTH_SOCK] tmp=[$TMPDIR]"'
	expect_rc 0 "print the environment"
	expect_out "gpg=[] dbus=[] xdg=[] ssh=[] tmp=[/tmp]" "pointers to host agents and buses are dropped"
}

t_crash_writes_no_core_file() {
	rf_setup_bin
	sbp -- sh -c "cd \"$WS\" && ulimit -c unlimited 2>/dev/null; \"$STRESS\" crash"
	expect_rc 139 "the crash itself is reported (SIGSEGV)"
	expect_true test -z "$(find "$WS" -name 'core*' 2>/dev/null)"
	sbp -- "$STRESS" crash
	expect_rc 139 "crash in the workspace"
	expect_true test -z "$(find "$WS" -name 'core*' 2>/dev/null)"
}
