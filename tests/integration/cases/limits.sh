# Resource limits: --timeout kills the whole sandbox; --pids (and the default)
# stop a fork bomb; --memory / --memory-per-process stop a memory hog; --cpu
# caps CPU time; the writable tmpfs share one cap; limits that cannot be
# enforced are refused, never silently dropped. Everything here is bounded
# (small limits, short timeouts) so that it is safe on a shared CI machine,
# and each attack runs while the host proves it can still fork and allocate.
# shellcheck shell=bash disable=SC2016,SC2088,SC2119
. "${BASH_SOURCE[0]%/*}/_common.bash"

_result() { echo "$RF_TEST_TMP/limits.${WS##*.}.json"; }

# _no_procs_with MARKER: nothing with MARKER in its command line survives the run.
_no_procs_with() {
	local left="" i
	for i in $(seq 60); do
		left=$(host_procs_with "$1")
		[ -z "$left" ] && break
		sleep 0.05
	done
	expect_true test -z "$left"
	# shellcheck disable=SC2086
	[ -n "$left" ] && kill -9 $left 2>/dev/null
	return 0
}

# --- timeout --------------------------------------------------------------------

t_timeout_kills_whole_sandbox() {
	local m="rf-timeout-${WS##*.}" f; f=$(_result)
	local t0 t1
	t0=$(date +%s%N)
	sbp --timeout 1 --result "$f" -- sh -c "sleep 30 & setsid sh -c 'sleep 30; : $m' & \"$PROBE\" spawn-orphan 30 $WS/orphan.pid; sleep 30; : $m"
	t1=$(date +%s%N)
	expect_rc 124 "a command that outlives --timeout"
	expect_err "timed out after 1s" "stderr says so"
	expect_true test $(((t1 - t0) / 1000000)) -lt 5000
	expect_json "$f" 'r["timed_out"]' true
	expect_json "$f" 'r["exit_status"]' 124
	expect_json "$f" 'r["signal"]' SIGKILL
	expect_json "$f" 'r["exit_code"]' null
	expect_json "$f" 'r["limits"]["timeout_s"]' 1.0
	_no_procs_with "$m"
	[ -s "$WS/orphan.pid" ] && _no_procs_with "$WS/orphan.pid"
	return 0
}

t_timeout_not_reached_runs_normally() { # neighbour
	local f; f=$(_result)
	sbp --timeout 30s --result "$f" -- sh -c 'sleep 0.2; exit 3'
	expect_rc 3 "a command that finishes in time"
	expect_not_out "timed out" "no timeout message"
	expect_json "$f" 'r["timed_out"]' false
	expect_json "$f" 'r["exit_status"]' 3
}

t_timeout_forms() {
	sbp --timeout 1m30s -- true
	expect_rc 0 "--timeout 1m30s"
	sbp --timeout 0.5 -- sh -c 'sleep 10'
	expect_rc 124 "--timeout 0.5 (seconds)"
	sbp --timeout 500ms -- sh -c 'sleep 10'
	expect_rc 124 "--timeout 500ms"
}

t_timeout_invalid_refused() {
	local v
	for v in 0 abc 1h30 -5 10x ""; do
		sbp --timeout "$v" -- sh -c 'echo RAN'
		expect_rc 125 "--timeout '$v'"
		expect_not_out "RAN" "--timeout '$v': the command must not run"
		expect_err "ringfence: " "--timeout '$v': message"
	done
}

t_timeout_kills_stopped_and_ignoring_processes() {
	local m="rf-tstop-${WS##*.}"
	sbp --timeout 1 -- sh -c "trap '' TERM INT HUP; (trap '' TERM; sleep 30; : $m) & kill -STOP \$!; sleep 30; : $m"
	expect_rc 124 "signal-ignoring and stopped processes"
	_no_procs_with "$m"
}

# --- processes --------------------------------------------------------------------

_kernel_at_least() { # MAJOR MINOR
	local r; r=$(uname -r)
	local ma=${r%%.*} rest=${r#*.}
	local mi=${rest%%[!0-9]*}
	[ "$ma" -gt "$1" ] || { [ "$ma" -eq "$1" ] && [ "$mi" -ge "$2" ]; }
}

# The pid_max of the sandbox's pid namespace is its own: the host's is untouched.
t_pid_max_is_the_sandboxs_own() {
	_kernel_at_least 6 14 || { skip_kernel "pid_max per pid namespace needs Linux 6.14"; return; }
	local host; host=$(cat /proc/sys/kernel/pid_max)
	sbp -- cat /proc/sys/kernel/pid_max
	expect_rc 0 "read pid_max inside"
	if is_root; then
		expect_out "4097" "the default 4096 tasks: pid_max 4097 inside"
	fi
	expect_true test "$(cat /proc/sys/kernel/pid_max)" = "$host"
	sbp -- sh -c 'echo 99999 > /proc/sys/kernel/pid_max'
	expect_denied "raising pid_max inside"
}

t_default_pids_limit_stops_fork_bomb() {
	local f; f=$(_result)
	rf_setup_bin
	sbp --timeout 20 --result "$f" -- "$STRESS" forkbomb 2
	expect_rc 0 "fork bomb (rf-stress)"
	local n; n=$(echo "$OUT" | sed -n 's/^FORKED \([0-9]*\) EAGAIN$/\1/p' | head -1)
	expect_true test -n "$n"
	# 4096 tasks: pid 1, the bomb and its children
	expect_true test "${n:-0}" -ge 4000 -a "${n:-99999}" -le 4094
	expect_json "$f" 'r["limits"]["pids"]' 4096
	if is_root && _kernel_at_least 6 14; then
		# uid 0 is exempt from RLIMIT_NPROC: the pid namespace's own pid_max
		expect_json "$f" 'r["limits"]["pids_by"]' pid_max
	elif is_root; then
		expect_json "$f" 'r["limits"]["pids_by"] in ("cgroup-v1", "cgroup-v2")' true
	else
		expect_json "$f" 'r["limits"]["pids_by"]' rlimit
	fi
	expect_true test -z "$(stray_cgroups)"
}

t_explicit_pids_limit() {
	sbp --pids 50 -- "$STRESS" forkbomb 1
	expect_rc 0 "--pids 50"
	local n; n=$(echo "$OUT" | sed -n 's/^FORKED \([0-9]*\) EAGAIN$/\1/p' | head -1)
	expect_true test "${n:-0}" -ge 40 -a "${n:-999}" -le 48
	sbp --pids 50 -- "$STRESS" threads 1
	n=$(echo "$OUT" | sed -n 's/^THREADS \([0-9]*\) EAGAIN$/\1/p' | head -1)
	expect_true test "${n:-0}" -ge 40 -a "${n:-999}" -le 48 # threads count too
}

t_pids_zero_means_no_limit() {
	local f; f=$(_result)
	sbp --pids 0 --result "$f" -- "$STRESS" forkbomb 0.2
	expect_rc 0 "--pids 0"
	expect_json "$f" 'r["limits"]["pids"]' null
	expect_json "$f" 'r["limits"]["pids_by"]' null
	expect_out "FORKED" "the bomb ran"
}

t_pids_invalid_refused() {
	local v
	for v in 1 -1 abc 10x 99999999999; do
		sbp --pids "$v" -- sh -c 'echo RAN'
		expect_rc 125 "--pids '$v'"
		expect_not_out "RAN" "--pids '$v': the command must not run"
	done
}

# The claim limits.c rests on: RLIMIT_NPROC is counted per user namespace
# (ucounts, Linux >= 5.14), so in the sandbox's own user namespace it bounds
# the sandbox's tasks and not the caller's other processes; and uid 0 is
# exempt, so for root a cgroup must do it.
t_kernel_nproc_counted_per_user_namespace() {
	if is_root; then
		# root: RLIMIT_NPROC does not hold (the reason ringfence uses a cgroup)
		local out
		out=$(unshare -U --map-current-user bash -c 'ulimit -u 10; n=0; for i in $(seq 30); do sleep 5 & n=$((n+1)); done 2>/dev/null; jobs -p | wc -l; kill $(jobs -p) 2>/dev/null' 2>/dev/null)
		expect_true test "${out:-0}" -ge 30
		return 0
	fi
	# the caller's own processes outside: 60 of them
	local pids="" i
	for i in $(seq 60); do
		sleep 30 &
		pids="$pids $!"
	done
	sbp --pids 30 -- "$STRESS" forkbomb 0.5
	local n; n=$(echo "$OUT" | sed -n 's/^FORKED \([0-9]*\) EAGAIN$/\1/p' | head -1)
	# counted: the sandbox's 30, not 60 + 30 (that would refuse every fork)
	expect_true test "${n:-0}" -ge 20 -a "${n:-999}" -le 28
	sbp --pids 100 -- "$STRESS" forkbomb 0.5
	n=$(echo "$OUT" | sed -n 's/^FORKED \([0-9]*\) EAGAIN$/\1/p' | head -1)
	expect_true test "${n:-0}" -ge 90 -a "${n:-999}" -le 98
	# shellcheck disable=SC2086
	kill $pids 2>/dev/null
	wait 2>/dev/null
	return 0
}

t_nproc_hard_limit_cannot_be_raised() {
	is_root && return 0 # root's bound is the cgroup's pids.max, out of reach (/sys read-only)
	sbp --pids 64 -- bash -c 'ulimit -Hu 100000 && echo raised'
	expect_not_out "raised" "raising the hard RLIMIT_NPROC"
	sbp --pids 64 -- "$STRESS" nproc
	expect_out "NPROC 64 64" "soft and hard limit"
}

t_pids_cgroup_not_writable_inside() {
	# the run's cgroup is under /sys, read-only inside: its limits stay
	sbp -- sh -c 'for f in /sys/fs/cgroup/pids.max /sys/fs/cgroup/*/pids.max /sys/fs/cgroup/*/*/pids.max; do [ -e "$f" ] && echo max > "$f" && echo WROTE $f; done; true'
	expect_rc 0 "try to raise pids.max"
	expect_not_out "WROTE" "pids.max written from inside"
}

t_fork_bomb_host_stays_usable() {
	# the classic shell bomb, every process forking, with default limits
	local m="rf-bomb-${WS##*.}"
	rf_setup_bin
	HOME="$FAKE_HOME" "$RINGFENCE" run --workspace "$WS" --timeout 6 -- \
		bash -c ":(){ :|:& };:; sleep 60; : $m" >/dev/null 2>"$RF_TEST_TMP/bomb.err" </dev/null &
	local rf=$!
	sleep 2
	expect_true host_can_work
	wait "$rf"
	RC=$?
	expect_rc 124 "the bomb ends when the timeout hits"
	_no_procs_with "$m"
	expect_true test -z "$(stray_cgroups)"
}

# --- memory ---------------------------------------------------------------------

t_memory_limit_stops_hog() {
	local f; f=$(_result)
	if ! cgroup_controller_usable memory; then
		# no memory cgroup for this caller: refused, never silently less
		sbp --memory 64M --result "$f" -- sh -c 'echo RAN'
		expect_rc 125 "--memory without a memory cgroup"
		expect_not_out "RAN" "the command must not run"
		expect_err "cannot enforce --memory 64 MiB" "says what cannot be enforced"
		expect_err "--memory-per-process" "says what to do instead"
		expect_err "Delegate=yes" "says how to delegate a cgroup"
		return 0
	fi
	rf_setup_bin
	HOME="$FAKE_HOME" "$RINGFENCE" run --workspace "$WS" --read-only "$RF_BIN" --memory 64M --result "$f" -- \
		"$STRESS" hog 0 >"$RF_TEST_TMP/hog.out" 2>&1 </dev/null &
	local rf=$!
	sleep 0.5
	expect_true host_can_work
	wait "$rf"
	RC=$?
	OUT=$(cat "$RF_TEST_TMP/hog.out")
	expect_rc 137 "the hog is OOM-killed in its cgroup"
	local held; held=$(echo "$OUT" | sed -n 's/^HELD //p' | tail -1)
	expect_true test "${held:-999}" -le 64
	expect_json "$f" 'r["limits"]["memory_bytes"]' 67108864
	expect_json "$f" 'r["limits"]["memory_by"] in ("cgroup-v1", "cgroup-v2")' true
	expect_true test -z "$(stray_cgroups)"
}

t_memory_limit_allows_honest_use() { # neighbour
	cgroup_controller_usable memory || return 0
	sbp --memory 256M -- "$STRESS" hog 64
	expect_rc 0 "64 MiB under a 256 MiB limit"
	expect_out "HOG-DONE 64" "allocation done"
}

t_memory_per_process_limit() {
	local f; f=$(_result)
	sbp --memory-per-process 64M --result "$f" -- "$STRESS" hog 0
	expect_rc 1 "a hog under RLIMIT_DATA"
	expect_out "HOG-REFUSED" "allocation refused"
	local held; held=$(echo "$OUT" | sed -n 's/^HOG-REFUSED \([0-9]*\) ENOMEM$/\1/p')
	expect_true test -n "$held" -a "${held:-999}" -le 64
	expect_json "$f" 'r["limits"]["memory_per_process_by"]' rlimit
	sbp --memory-per-process 256M -- "$STRESS" hog 32
	expect_rc 0 "32 MiB under 256 MiB per process"
}

t_memory_invalid_refused() {
	local v
	for v in 1X -1 abc 512 "1 G"; do
		sbp --memory "$v" -- sh -c 'echo RAN'
		expect_rc 125 "--memory '$v'"
		expect_not_out "RAN" "--memory '$v': the command must not run"
	done
}

t_oom_killer_prefers_the_sandbox() {
	sbp -- sh -c 'cat /proc/self/oom_score_adj; cat /proc/1/oom_score_adj'
	expect_rc 0 "read oom_score_adj"
	expect_out "1000
1000" "the command and pid 1 go first when the host runs out of memory"
	sbp -- sh -c 'echo 0 > /proc/self/oom_score_adj && echo LOWERED'
	expect_not_out "LOWERED" "lowering it again"
}

# --- cpu --------------------------------------------------------------------------

t_cpu_limit() {
	local f; f=$(_result)
	if ! cgroup_controller_usable cpu; then
		sbp --cpu 0.5 -- sh -c 'echo RAN'
		expect_rc 125 "--cpu without a cpu cgroup"
		expect_not_out "RAN" "the command must not run"
		expect_err "cannot enforce --cpu 0.5" "message"
		return 0
	fi
	sbp --cpu 0.5 --result "$f" -- "$STRESS" spin 2 2
	expect_rc 0 "spin 2 threads for 2 s under --cpu 0.5"
	local cpu; cpu=$(echo "$OUT" | sed -n 's/^CPU \([0-9.]*\) .*/\1/p')
	# 0.5 cores for 2 s = 1 s of CPU (with scheduling slack), not 4 s
	expect_true awk -v c="${cpu:-9}" 'BEGIN { exit !(c < 1.5) }'
	expect_json "$f" 'r["limits"]["cpu_by"] in ("cgroup-v1", "cgroup-v2")' true
}

t_cpu_invalid_refused() {
	sbp --cpu 0.001 -- sh -c 'echo RAN'
	expect_rc 125 "--cpu 0.001"
	sbp --cpu abc -- sh -c 'echo RAN'
	expect_rc 125 "--cpu abc"
	expect_not_out "RAN" "the command must not run"
}

# --- tmpfs --------------------------------------------------------------------------

t_tmpfs_share_one_cap() {
	sbp --tmpfs-size 32M -- sh -c "\"$STRESS\" fill /tmp/a 20; \"$STRESS\" fill /dev/shm/b 0; \"$STRESS\" fill /run/c 0"
	expect_out "FILLED 20" "20 MiB in /tmp"
	local shm; shm=$(echo "$OUT" | sed -n 's/^FILL-REFUSED \([0-9]*\) ENOSPC$/\1/p' | head -1)
	# what is left of 32 MiB after 20 in /tmp, not another 32
	expect_true test -n "$shm" -a "${shm:-99}" -le 12
	expect_out "FILL-REFUSED 0 ENOSPC" "/run: nothing left"
}

t_tmpfs_default_cap() {
	local f; f=$(_result)
	sbp --result "$f" -- sh -c 'df -k /tmp /dev/shm /run | tail -n +2'
	expect_rc 0 "df"
	local ram_kb; ram_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
	local size_kb; size_kb=$(echo "$OUT" | awk 'NR == 1 {print $2}')
	# half the RAM (page-rounded), the same filesystem for all three
	expect_true test "${size_kb:-0}" -le $((ram_kb / 2 + 4)) -a "${size_kb:-0}" -ge $((ram_kb / 2 - 4096))
	expect_true test "$(echo "$OUT" | awk '{print $1 $2}' | sort -u | wc -l)" = 1
	expect_json "$f" 'r["limits"]["tmpfs_bytes"] > 0' true
}

t_tmpfs_cap_follows_memory_limit() {
	cgroup_controller_usable memory || return 0
	sbp --memory 64M -- sh -c 'df -k /tmp | tail -1'
	expect_rc 0 "df under --memory 64M"
	expect_true test "$(echo "$OUT" | awk '{print $2}')" = 65536
}

t_tmpfs_writes_work() { # neighbour
	sbp -- sh -c 'echo a > /tmp/x && echo b > /dev/shm/y && echo c > /run/z && cat /tmp/x /dev/shm/y /run/z && ls -ld /tmp /dev/shm /run'
	expect_rc 0 "ordinary tmpfs use"
	expect_out "a
b
c" "content"
	expect_out "drwxrwxrwt" "sticky /tmp and /dev/shm"
}

# --- reporting -----------------------------------------------------------------------

t_limits_in_result() {
	local f; f=$(_result)
	sbp --timeout 1h --pids 500 --result "$f" -- true
	expect_rc 0 "a run with limits"
	expect_json "$f" 'r["limits"]["timeout_s"]' 3600.0
	expect_json "$f" 'r["limits"]["pids"]' 500
	expect_json "$f" 'r["limits"]["memory_bytes"]' null
	expect_json "$f" 'r["limits"]["cpus"]' null
	expect_json "$f" 'r["timed_out"]' false
	expect_json "$f" 'r["warnings"]' '[]'
}

t_no_cgroup_left_after_runs() {
	sbp -- true
	sbp --timeout 1 -- sleep 10
	sbp --pids 20 -- "$STRESS" forkbomb 0.2
	expect_true test -z "$(stray_cgroups)"
}

t_pids_within_callers_own_hard_limit() {
	# a caller whose own hard RLIMIT_NPROC is below the default still runs,
	# under the stricter of the two
	if is_root; then
		echo "    # (as root: RLIMIT_NPROC does not apply to uid 0)" >&2
		return 0
	fi
	local f; f=$(_result)
	rf_setup_bin
	RC=0
	OUT=$(ulimit -u 300 && HOME="$FAKE_HOME" "$RINGFENCE" run --workspace "$WS" --read-only "$RF_BIN" --result "$f" -- \
		"$STRESS" nproc 2>&1 </dev/null) || RC=$?
	expect_rc 0 "default limits under a caller's ulimit -u 300"
	expect_out "NPROC 300 300" "the caller's limit"
	expect_json "$f" 'r["limits"]["pids"]' 300
}
