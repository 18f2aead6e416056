# Package caches under $HOME (~/.npm, ~/.cache, ~/.cargo/registry...): a
# private writable layer for the run, discarded after; made (empty) when a
# fresh account does not have them yet (npm, pip and cargo fail on a
# read-only home); never a way to the host's files or sockets.
# shellcheck shell=bash disable=SC2016
. "${BASH_SOURCE[0]%/*}/_common.bash"

t_cache_missing_npm_made_and_private() {
	expect_true test ! -e "$FAKE_HOME/.npm"
	sbp -- sh -c 'mkdir -p ~/.npm/_cacache && echo cached > ~/.npm/_cacache/entry && cat ~/.npm/_cacache/entry'
	expect_rc 0 "write a cache that did not exist"
	expect_out "cached" "read it back"
	expect_true nothing_kept "$FAKE_HOME/.npm"
}

t_cache_missing_xdg_cache_made_and_private() {
	sbp -- sh -c 'mkdir -p ~/.cache/pip/http && echo x > ~/.cache/pip/http/f && echo OK'
	expect_rc 0 "write ~/.cache/pip on a fresh account"
	expect_true nothing_kept "$FAKE_HOME/.cache"
}

t_cache_missing_cargo_home_made_and_private() {
	sbp -- sh -c 'mkdir -p ~/.cargo/registry/src && touch ~/.cargo/.package-cache && echo OK'
	expect_rc 0 "a fresh account's ~/.cargo"
	expect_out "OK" "written"
	expect_true nothing_kept "$FAKE_HOME/.cargo"
}

t_cache_existing_cargo_config_stays_read_only() {
	# ~/.cargo exists (rustup, a config): only registry/ and git/ get a layer
	mkdir -p "$FAKE_HOME/.cargo/bin"
	echo '[net]' >"$FAKE_HOME/.cargo/config.toml"
	sbp -- sh -c 'mkdir -p ~/.cargo/registry/index && echo x > ~/.cargo/registry/index/f && echo REGISTRY-OK'
	expect_rc 0 "the registry cache"
	expect_out "REGISTRY-OK" "written"
	sbp -- sh -c 'echo "[build] rustc-wrapper = \"/tmp/evil\"" >> ~/.cargo/config.toml'
	expect_denied "append to ~/.cargo/config.toml"
	sbp -- sh -c 'echo evil > ~/.cargo/bin/cargo'
	expect_denied "plant ~/.cargo/bin/cargo"
	expect_true nothing_kept "$FAKE_HOME/.cargo/registry"
	expect_true test ! -e "$FAKE_HOME/.cargo/bin/cargo"
	expect_true test "$(cat "$FAKE_HOME/.cargo/config.toml")" = '[net]'
}

t_cache_symlinked_cargo_home_runs_read_only() {
	# ~/.cargo a symlink elsewhere (a relocated toolchain): the run starts,
	# the caches under it get no layer (a mount through a link is refused),
	# and the warning says so; nothing can be written through it
	mkdir -p "$RF_TEST_TMP/cargo-elsewhere.$$/registry"
	ln -s "$RF_TEST_TMP/cargo-elsewhere.$$" "$FAKE_HOME/.cargo"
	sbp -- sh -c 'echo STARTED; echo x > ~/.cargo/registry/f'
	expect_out "STARTED" "the sandbox starts"
	expect_err "~/.cargo/registry gets no private cache layer" "and says why the cache is read-only"
	expect_true test ! -e "$RF_TEST_TMP/cargo-elsewhere.$$/registry/f"
}

t_cache_dangling_cargo_link_runs() { # neighbour: a link to nowhere
	ln -s "$RF_TEST_TMP/nowhere.$$/cargo" "$FAKE_HOME/.cargo"
	sbp -- sh -c 'echo STARTED'
	expect_rc 0 "the sandbox starts"
	expect_out "STARTED" "and runs the command"
	expect_true test ! -e "$RF_TEST_TMP/nowhere.$$"
}

t_cache_existing_is_not_persistent() {
	mkdir -p "$FAKE_HOME/.npm"
	echo original >"$FAKE_HOME/.npm/entry"
	sbp -- sh -c 'echo poisoned > ~/.npm/entry && echo new > ~/.npm/new && cat ~/.npm/entry'
	expect_rc 0 "write an existing cache"
	expect_out "poisoned" "seen inside"
	expect_true test "$(cat "$FAKE_HOME/.npm/entry")" = original
	expect_true test ! -e "$FAKE_HOME/.npm/new"
}

t_cache_placeholder_not_made_in_foreign_home() {
	# nothing is made in a home that is not the caller's own
	local home="/usr/share"
	if is_root; then
		home=$(mktemp -d "$RF_TEST_TMP/foreign.XXXXXX")
		chown 65534:65534 "$home"
	fi
	rf_setup_bin
	HOME="$home" "$RINGFENCE" run --workspace "$WS" --read-only "$RF_BIN" -- sh -c 'echo RAN' \
		</dev/null >"$RF_TEST_TMP/out" 2>&1
	RC=$? OUT=$(cat "$RF_TEST_TMP/out")
	expect_rc 0 "run with a foreign HOME"
	expect_out "RAN" "it ran"
	expect_true test ! -e "$home/.npm" -a ! -e "$home/.cache" -a ! -e "$home/.cargo"
}

t_cache_concurrent_runs_share_and_clean_up() {
	# two workspaces, one home, a fresh account: both get a private ~/.npm,
	# the short run ending takes nothing from the long one, nothing is kept
	local ws2
	ws2=$(mktemp -d "$RF_TEST_TMP/ws2.XXXXXX")
	HOME="$FAKE_HOME" "$RINGFENCE" run --workspace "$WS" -- sh -c \
		'sleep 2; mkdir -p ~/.npm/x && echo LONG-CACHE-OK' >"$RF_TEST_TMP/long.out" 2>&1 </dev/null &
	local long=$!
	sleep 0.7
	HOME="$FAKE_HOME" sb_raw run --workspace "$ws2" -- sh -c 'mkdir -p ~/.npm/y && echo SHORT-OK'
	expect_out "SHORT-OK" "the short run"
	wait "$long"
	expect_true grep -q LONG-CACHE-OK "$RF_TEST_TMP/long.out"
	expect_true nothing_kept "$FAKE_HOME/.npm"
	expect_true nothing_kept "$FAKE_HOME/.cache"
}

t_cache_host_socket_not_reachable() {
	# a host service listening inside a cache dir: seen through the private
	# layer, the socket leads nowhere
	mkdir -p "$FAKE_HOME/.cache/svc"
	local sock="$FAKE_HOME/.cache/svc/s"
	"$HOST_PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1); s.settimeout(8)
try:
    c, _ = s.accept(); c.send(b"HOST-SERVICE\n"); c.close()
except OSError:
    pass' "$sock" &
	local srv=$!
	wait_for 5 test -S "$sock"
	sbp -- "$PROBE" connect-unix "$sock"
	expect_denied "connect to a host socket in ~/.cache"
	expect_not_out "HOST-SERVICE" "no reply from the host service"
	kill "$srv" 2>/dev/null
	wait "$srv" 2>/dev/null
}

t_cache_socket_made_inside_works() { # neighbour
	mkdir -p "$FAKE_HOME/.cache"
	sbp -- "$HOST_PY" -c '
import os, socket
p = os.path.expanduser("~/.cache/own.sock")
s = socket.socket(socket.AF_UNIX); s.bind(p); s.listen(1)
c = socket.socket(socket.AF_UNIX); c.connect(p)
a, _ = s.accept(); a.send(b"OWN-OK"); print(c.recv(10).decode())'
	expect_rc 0 "a socket made in the cache layer"
	expect_out "OWN-OK" "connect to it"
}
