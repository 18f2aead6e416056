# Fault behaviour: ringfence killed with SIGKILL at any point of a run. The
# command and everything it started die (pid 1's parent-death signal takes
# the pid namespace), nothing is left running, mounted (the sandbox's mounts
# live and die in its own mount namespace) or in /sys/fs/cgroup (the cgroup
# janitor removes the run's cgroup; if it is killed too, the next run does),
# and the placeholders of missing protected paths are removed by the janitor
# once the sandbox is gone (or, if ringfence dies in the instant between
# making them and starting the janitor, or the janitor is killed too, by the
# next run).
#
# t_random_kills kills RF_FAULT_RUNS runs (default 12: CI) at random points
# between 0 and 60 ms (set-up takes ~5-15 ms here, so both set-up and the
# running command are hit); RF_FAULT_RUNS=500 for a long soak.
# shellcheck shell=bash disable=SC2016,SC2088,SC2119
. "${BASH_SOURCE[0]%/*}/_common.bash"

# The host's mount table, minus what changes by itself: ringfence must add nothing.
_host_mounts() { awk '{print $5}' /proc/self/mountinfo | sort; }

# _wait_gone MARKER SECONDS: wait until no process has MARKER in its command
# line; prints the survivors on failure (and kills them).
_wait_gone() {
	local left="" i
	for i in $(seq $(($2 * 20))); do
		left=$(host_procs_with "$1")
		[ -z "$left" ] && return 0
		sleep 0.05
	done
	echo "$left"
	# shellcheck disable=SC2086
	kill -9 $left 2>/dev/null
	return 1
}

# _wait_no_strays SECONDS: the janitor removes the cgroup right after the kill.
_wait_no_strays() {
	local i
	for i in $(seq $(($1 * 20))); do
		[ -z "$(stray_cgroups)" ] && return 0
		sleep 0.05
	done
	stray_cgroups
	return 1
}

# Placeholders and their temporary names in the workspace.
_placeholders_in() {
	find "$1" -maxdepth 3 \( -name '.ringfence-new.*' -o -name .ringfence \) -print 2>/dev/null
	[ -d "$1/.git" ] && [ ! -f "$1/.git/HEAD" ] && echo "$1/.git (placeholder)"
	return 0
}

_no_placeholders() { test -z "$(_placeholders_in "$WS")"; }

# _start_victim MARKER [OPTIONS]: a run whose command leaves daemons (a setsid
# double fork, a background job) and then sleeps; returns with RF_PID set.
# $WS/MARKER.started appears once the command runs (the marker alone is no
# sign: ringfence's own command line carries it).
_start_victim() {
	local m=$1
	shift
	rf_setup_bin
	HOME="$FAKE_HOME" "$RINGFENCE" run --workspace "$WS" --read-only "$RF_BIN" "$@" -- \
		sh -c "(setsid sh -c 'sleep 60; : $m' &) ; sleep 60 & \"$PROBE\" spawn-orphan 60 $WS/$m.pid >/dev/null; : > $WS/$m.started; exec sh -c 'sleep 61; : $m-main'" \
		</dev/null >/dev/null 2>&1 &
	RF_PID=$!
}

t_kill_while_command_runs() {
	local m="rf-fault-run-${WS##*.}"
	local before; before=$(_host_mounts)
	_start_victim "$m" --pids 100 --timeout 60
	local i
	for i in $(seq 100); do
		[ -s "$WS/$m.pid" ] && [ -e "$WS/$m.started" ] && break
		sleep 0.05
	done
	expect_true test -s "$WS/$m.pid"
	kill -9 "$RF_PID"
	wait "$RF_PID" 2>/dev/null
	local left; left=$(_wait_gone "$m" 3) || _fail "left running after SIGKILL of ringfence: $left"
	expect_true _wait_no_strays 3
	expect_true test "$(_host_mounts)" = "$before"
	# the placeholders (.git, .ringfence here): the janitor removes them
	# as soon as the sandbox is gone, without waiting for another run
	expect_true wait_for 3 _no_placeholders
	sbp -- true
	expect_rc 0 "the next run"
	expect_true test -z "$(_placeholders_in "$WS")"
}

t_kill_in_git_repo_while_running() {
	git_repo
	rm -rf "$WS/.git/info" "$WS/.git/hooks" # missing: placeholders for the run
	local m="rf-fault-git-${WS##*.}"
	_start_victim "$m"
	local i
	for i in $(seq 100); do
		[ -e "$WS/$m.started" ] && break
		sleep 0.05
	done
	kill -9 "$RF_PID"
	wait "$RF_PID" 2>/dev/null
	local left; left=$(_wait_gone "$m" 3) || _fail "left running: $left"
	expect_true wait_for 3 test ! -e "$WS/.git/info" -a ! -e "$WS/.git/hooks" -a ! -e "$WS/.ringfence"
	sbp -- git status --short
	expect_rc 0 "git status in the next run"
	expect_true test ! -e "$WS/.git/info" -a ! -e "$WS/.git/hooks" -a ! -e "$WS/.ringfence"
	expect_true test -z "$(find "$WS" -name '.ringfence-new.*')"
	git -C "$WS" status --short >/dev/null || _fail "the repository is damaged"
}

t_random_kills() {
	local runs=${RF_FAULT_RUNS:-12}
	local before; before=$(_host_mounts)
	local k m left bad=0
	for k in $(seq "$runs"); do
		m="rf-fault-rnd-$k-${WS##*.}"
		_start_victim "$m" --timeout 30
		# 0-60 ms: from before the plan to well into the command
		sleep "0.0$((RANDOM % 60 / 10))$((RANDOM % 10))"
		kill -9 "$RF_PID" 2>/dev/null
		wait "$RF_PID" 2>/dev/null
		if ! left=$(_wait_gone "$m" 3); then
			_fail "run $k: left running after SIGKILL of ringfence: $left"
			bad=1
		fi
		if ! left=$(_wait_no_strays 3); then
			_fail "run $k: stray cgroups: $left"
			bad=1
		fi
		[ "$bad" = 1 ] && break
	done
	expect_true test "$(_host_mounts)" = "$before"
	sbp -- true
	expect_rc 0 "the next run"
	expect_true test -z "$(_placeholders_in "$WS")"
}

t_kill_supervisor_and_janitor() {
	# all of ringfence's own processes killed at once (the janitor too): the
	# run's cgroup stays behind until the next run, which removes it
	if ! is_root; then
		echo "    # (as $(id -un): no cgroup without delegation, so no janitor to kill)" >&2
		return 0
	fi
	cgroup_controller_usable pids || return 0
	local m="rf-fault-all-${WS##*.}"
	_start_victim "$m" --pids 200
	local i
	for i in $(seq 100); do
		[ -e "$WS/$m.started" ] && break
		sleep 0.05
	done
	# ringfence's processes are the ones running the ringfence binary
	local p pids=""
	for p in $(host_procs_with "$m"); do
		[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$RINGFENCE" ] && pids="$pids $p"
	done
	expect_true test "$(echo "$pids" | wc -w)" -ge 2 # supervisor + janitor
	# stopped first, all of them: the janitor must not see the supervisor go
	# (its end-of-file) before its own SIGKILL arrives
	# shellcheck disable=SC2086
	kill -STOP $pids
	# shellcheck disable=SC2086
	kill -9 $pids
	wait "$RF_PID" 2>/dev/null
	local left; left=$(_wait_gone "$m" 3) || _fail "left running: $left"
	expect_true test -n "$(stray_cgroups)" # nobody left to remove it
	# the next run with a cgroup under the same parent sweeps it (a run
	# without limits makes no cgroup: root's default process limit is the
	# pid namespace's own pid_max, so it has no parent to look in)
	sbp --pids 200 -- true
	expect_rc 0 "the next run"
	expect_true _wait_no_strays 1
}

t_sigterm_is_forwarded_and_cleans_up() { # neighbour: an ordinary kill
	local m="rf-fault-term-${WS##*.}"
	_start_victim "$m"
	local i
	for i in $(seq 100); do
		[ -e "$WS/$m.started" ] && break
		sleep 0.05
	done
	kill -TERM "$RF_PID"
	wait "$RF_PID"
	RC=$?
	expect_rc 143 "the command died of the forwarded SIGTERM"
	local left; left=$(_wait_gone "$m" 3) || _fail "left running: $left"
	expect_true test -z "$(stray_cgroups)"
	expect_true test -z "$(_placeholders_in "$WS")"
}

t_stale_placeholder_temporaries_removed() {
	# what a kill between making a placeholder and renaming it into place
	# leaves: the temporary names; the next run removes them
	git_repo
	mkdir "$WS/.ringfence-new.999999.d" "$WS/.git/.ringfence-new.999999.d"
	printf '.' >"$WS/.git/.ringfence-new.999998.f"
	mkdir "$WS/.ringfence-new.1.d" && echo mine >"$WS/.ringfence-new.1.d/keep" # not empty: not ours
	sbp -- true
	expect_rc 0 "the next run"
	expect_true test ! -e "$WS/.ringfence-new.999999.d" -a ! -e "$WS/.git/.ringfence-new.999999.d"
	expect_true test ! -e "$WS/.git/.ringfence-new.999998.f"
	expect_true test -f "$WS/.ringfence-new.1.d/keep"
}

t_full_disk_fails_visibly() {
	# the workspace (and the result file) on a filesystem with no space left;
	# an unprivileged caller mounts it in a user and mount namespace of its
	# own (unshare -Urm), where ringfence then runs
	local d; d=$(mktemp -d "$RF_TEST_TMP/full.XXXXXX")
	chmod 755 "$d"
	local run="mount -t tmpfs -o size=1m,mode=0777 tmpfs '$d' || exit 99
		mkdir '$d/ws'; dd if=/dev/zero of='$d/fill' bs=64k 2>/dev/null
		cd '$d/ws' && HOME='$FAKE_HOME' '$RINGFENCE' run --result '$d/result.json' -- sh -c 'echo data > out.txt'
		rc=\$?; cd /; umount '$d' || exit 98; exit \$rc"
	if is_root; then
		sh -c "$run" >"$RF_TEST_TMP/full.out" 2>&1 </dev/null
	else
		unshare -Urm sh -c "$run" >"$RF_TEST_TMP/full.out" 2>&1 </dev/null
	fi
	RC=$? OUT="" ERR=$(cat "$RF_TEST_TMP/full.out")
	[ "$RC" = 99 ] && { _fail "cannot mount a small tmpfs: $ERR"; return 0; }
	# (the shell leaves it before unmounting: as root a failed umount of its
	# own cwd used to leave the tmpfs mounted on the host)
	[ "$RC" = 98 ] && { _fail "cannot unmount the small tmpfs: $ERR"; return 0; }
	expect_denied "a write to a full workspace fails in the command"
	expect_err "No space left on device" "the command says so"
	expect_err "ringfence: cannot write the result: No space left on device" "ringfence says the result is lost"
}
