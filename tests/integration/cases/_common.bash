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
HOST_PY=/usr/bin/python3 # absolute: the caller's PATH may point into a hidden home

rf_setup_bin() {
	[ -x "$PROBE" ] && return 0
	mkdir -p "$RF_BIN"
	cp "$RF_PROBE" "$PROBE"
	local static=${RF_PROBE_STATIC:-$RF_PROBE-static}
	[ -f "$static" ] && cp "$static" "$PROBE_STATIC"
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

# nothing_kept DIR: DIR is absent, or holds only empty directories (a package
# cache ringfence made for a fresh account, with nothing of a run kept in it)
nothing_kept() { [ ! -e "$1" ] || { [ -d "$1" ] && [ -z "$(find "$1" -mindepth 1 ! -type d)" ]; }; }
