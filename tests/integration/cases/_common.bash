# Shared helpers for the case files in this directory. Not a case file itself:
# tests/integration/run only picks up cases/*.sh. Each case file sources it.
#
# The build tree (where $RF_PROBE lives) is usually not visible inside a
# sandbox, so the probe binaries are copied once per suite run to
# $RF_TEST_TMP/bin and that directory is granted read-only (sbp). Nothing
# else of $RF_TEST_TMP is granted, so the grant does not weaken any test.

RF_BIN="$RF_TEST_TMP/bin"
PROBE="$RF_BIN/rf-probe"
PROBE_STATIC="$RF_BIN/rf-probe-static"
STRESS="$RF_BIN/rf-stress" # the runaway command (limits.sh, faults.sh)
HOST_PY=/usr/bin/python3 # absolute: the caller's PATH may point into a hidden home

rf_setup_bin() {
	[ -x "$PROBE" ] && return 0
	mkdir -p "$RF_BIN"
	cp "$RF_PROBE" "$PROBE"
	local static=${RF_PROBE_STATIC:-$RF_PROBE-static}
	[ -f "$static" ] && cp "$static" "$PROBE_STATIC"
	local stress=${RF_STRESS:-${RF_PROBE%/*}/rf-stress}
	[ -f "$stress" ] && cp "$stress" "$STRESS"
	chmod 755 "$RF_BIN" "$RF_BIN"/*
}

# sb with the probe directory visible (read-only).
sbp() {
	rf_setup_bin
	sb --read-only "$RF_BIN" "$@"
}

# Like sbp, but the sandbox's stdin/stdout/stderr are a real terminal: ringfence
# runs under script(1). OUT gets the terminal output (CRs removed), ERR is empty.
sb_tty() {
	rf_setup_bin
	local cmd out
	cmd=$(printf '%q ' env HOME="$FAKE_HOME" "$RINGFENCE" run --workspace "$WS" --read-only "$RF_BIN" "$@")
	out=$(mktemp "$RF_TEST_TMP/tty.XXXXXX")
	script -qec "$cmd" /dev/null </dev/null >"$out" 2>&1
	RC=$?
	OUT=$(tr -d '\r' <"$out") ERR=""
	rm -f "$out"
	return 0
}

# A free TCP port on the host loopback.
free_port() {
	"$HOST_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for SECONDS CMD...: poll CMD every 50 ms until it succeeds or time runs out.
wait_for() {
	local n=$(($1 * 20))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}

# Processes on the host whose command line contains $1 (a unique marker).
host_procs_with() {
	local p a
	for p in /proc/[0-9]*; do
		# builtins only: a grep would find its own argv
		mapfile -d '' -t a 2>/dev/null <"$p/cmdline" || continue
		case "${a[*]}" in *"$1"*) echo "${p#/proc/}" ;; esac
	done
	return 0
}

# Git identity for commits on the host and inside the sandbox (inherited env).
export GIT_AUTHOR_NAME=rf-test GIT_AUTHOR_EMAIL=rf-test@example.invalid
export GIT_COMMITTER_NAME=rf-test GIT_COMMITTER_EMAIL=rf-test@example.invalid
export GIT_CONFIG_NOSYSTEM=1

# A git repository with one commit in $1 (default: the workspace).
git_repo() {
	local d=${1:-$WS}
	git init -q "$d" && echo base >"$d/README" && git -C "$d" add README &&
		git -C "$d" commit -qm base
}

is_root() { [ "$(id -u)" = 0 ]; }

# json_get FILE EXPR: a Python expression on the one JSON object in FILE
# (bound to r); strings print bare, anything else as JSON.
json_get() {
	"$HOST_PY" - "$1" "$2" <<-'PYEOF'
		import json, sys
		r = json.loads(open(sys.argv[1]).read())
		v = eval(sys.argv[2], {}, {"r": r})
		print(v if isinstance(v, str) else json.dumps(v))
	PYEOF
}
expect_json() { # FILE EXPR EXPECTED
	local v; v=$(json_get "$1" "$2" 2>&1)
	[ "$v" = "$3" ] || _fail "$2: expected $3, got [$v] in $(cat "$1" 2>/dev/null)"
}

# Run cgroups whose supervisor is gone: what a killed ringfence would leave.
stray_cgroups() {
	local d name pid
	for d in /sys/fs/cgroup/ringfence-* /sys/fs/cgroup/*/ringfence-* /sys/fs/cgroup/*/*/ringfence-* \
		/sys/fs/cgroup/*/*/*/ringfence-* /sys/fs/cgroup/*/*/*/*/ringfence-*; do
		[ -d "$d" ] || continue
		name=${d##*/}
		pid=${name#ringfence-}
		pid=${pid%%-*}
		case "$pid" in '' | *[!0-9]*) continue ;; esac
		kill -0 "$pid" 2>/dev/null || [ -d "/proc/$pid" ] || echo "$d"
	done
	return 0
}

# Is a cgroup controller one that ringfence can use as root here: v2 handed
# down by the root cgroup, or a mounted v1 hierarchy?
cgroup_controller_usable() {
	is_root || return 1
	grep -qw "$1" /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null && return 0
	grep -qw "$1" /sys/fs/cgroup/unified/cgroup.subtree_control 2>/dev/null && return 0
	awk -v c="$1" '$0 ~ / - cgroup / { n = split($NF, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) f = 1 } END { exit !f }' /proc/self/mountinfo
}

# host_can_work: fork+exec 20 processes and allocate 64 MiB on the host within
# 10 s: the host is usable.
host_can_work() {
	local t0 t1 i
	t0=$(date +%s%N)
	for i in $(seq 20); do /bin/true || return 1; done
	"$RF_BIN/rf-stress" hog 64 >/dev/null || return 1
	t1=$(date +%s%N)
	HOST_WORK_MS=$(((t1 - t0) / 1000000))
	[ "$HOST_WORK_MS" -lt 10000 ]
}

# nothing_kept DIR: DIR is absent, or holds only empty directories (a package
# cache ringfence made for a fresh account, with nothing of a run kept in it)
nothing_kept() { [ ! -e "$1" ] || { [ -d "$1" ] && [ -z "$(find "$1" -mindepth 1 ! -type d)" ]; }; }
