# Path (filesystem) unix sockets: host services must not be reachable from an
# offline sandbox; sockets the command makes itself in the workspace work.
# shellcheck shell=bash disable=SC2016,SC2088,SC2119
. "${BASH_SOURCE[0]%/*}/_common.bash"

# _host_unix_server PATH: a host service on a path unix socket. It answers
# every connection with HOST-SOCKET-SECRET and logs it to PATH.log.
# Sets SRV_PID; waits until the socket exists.
_host_unix_server() {
	"$HOST_PY" - "$1" <<-'EOF' >/dev/null 2>&1 &
		import socket, sys, time
		path = sys.argv[1]
		s = socket.socket(socket.AF_UNIX)
		s.bind(path)
		s.listen(8)
		s.settimeout(0.2)
		end = time.time() + 30
		while time.time() < end:
		    try:
		        c, _ = s.accept()
		    except socket.timeout:
		        continue
		    with open(path + ".log", "a") as log:
		        log.write("ACCEPTED\n")
		    try:
		        c.sendall(b"HOST-SOCKET-SECRET\n")
		    except OSError:
		        pass
		    c.close()
	EOF
	SRV_PID=$!
	wait_for 10 test -S "$1" || _fail "host unix server on $1 did not start"
}
_stop() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; return 0; }

# _try_socket PATH: connect from inside with rf-probe and with python (reads).
_try_socket() {
	sbp -- sh -c "$PROBE connect-unix '$1'; $HOST_PY -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); print(s.recv(100).decode())' '$1'"
}

t_host_socket_in_tmp_not_reachable() {
	local d; d=$(mktemp -d "$RF_TEST_TMP/hostsock.XXXXXX")
	_host_unix_server "$d/service.sock"
	_try_socket "$d/service.sock"
	_stop "$SRV_PID"
	expect_denied "connect to a host socket under the host /tmp"
	expect_not_out "ALLOWED" "connect"
	expect_not_out "HOST-SOCKET-SECRET" "data from the host service"
	expect_true test ! -e "$d/service.sock.log"
}

t_host_socket_in_run_not_reachable() {
	if ! is_root || [ ! -w /run ]; then
		echo "    # (as $(id -un): cannot create a socket in /run; the /tmp case covers hidden dirs)" >&2
		return 0
	fi
	local d; d=$(mktemp -d /run/rf-test.XXXXXX)
	_host_unix_server "$d/service.sock"
	_try_socket "$d/service.sock"
	_stop "$SRV_PID"
	local accepted=no
	[ -e "$d/service.sock.log" ] && accepted=yes
	rm -rf "$d"
	expect_denied "connect to a host socket under /run"
	expect_not_out "HOST-SOCKET-SECRET" "data from the host service"
	expect_true test "$accepted" = no
}

t_host_socket_in_hidden_home_dir_not_reachable() {
	# e.g. an ssh or gpg agent socket under ~/.ssh or ~/.gnupg
	_host_unix_server "$FAKE_HOME/.ssh/agent.sock"
	_try_socket "$FAKE_HOME/.ssh/agent.sock"
	_stop "$SRV_PID"
	expect_denied "connect to a host socket under ~/.ssh"
	expect_not_out "HOST-SOCKET-SECRET" "data from the host agent"
	expect_true test ! -e "$FAKE_HOME/.ssh/agent.sock.log"
}

t_host_socket_under_home_not_reachable() {
	# The home is visible read-only, and a read-only mount does not stop
	# connect(2) on a socket in it. A host service listening there (an editor
	# server, a language server, a docker/podman socket under ~/.local/...)
	# must still be unreachable from an offline sandbox (DESIGN.md §1, §3).
	mkdir -p "$FAKE_HOME/.local/run"
	_host_unix_server "$FAKE_HOME/.local/run/service.sock"
	_try_socket "$FAKE_HOME/.local/run/service.sock"
	_stop "$SRV_PID"
	expect_denied "connect to a host socket under \$HOME"
	expect_not_out "HOST-SOCKET-SECRET" "data from the host service"
	expect_true test ! -e "$FAKE_HOME/.local/run/service.sock.log"
}

t_workspace_socket_made_inside_works() { # neighbour
	sbp -- "$HOST_PY" -c '
import socket, os
p = os.path.join(os.getcwd(), "dev.sock")
srv = socket.socket(socket.AF_UNIX); srv.bind(p); srv.listen(1)
cli = socket.socket(socket.AF_UNIX); cli.connect(p)
conn, _ = srv.accept(); cli.sendall(b"inside-ok"); print(conn.recv(20).decode())
'
	expect_rc 0 "a unix socket server and client in the workspace"
	expect_out "inside-ok" "data"
	expect_true test -S "$WS/dev.sock"
}

t_workspace_socket_across_processes_works() { # neighbour, two processes
	sbp -- sh -c "$HOST_PY -c '
import socket, time
s = socket.socket(socket.AF_UNIX); s.bind(\"srv.sock\"); s.listen(1); s.settimeout(10)
c, _ = s.accept(); c.sendall(b\"hello\"); c.close()
' & for i in \$(seq 100); do [ -S srv.sock ] && $PROBE connect-unix '$WS/srv.sock' && wait && exit 0; sleep 0.05; done; exit 1"
	expect_rc 0 "server and client processes on a workspace socket"
	expect_out "ALLOWED" "connect"
}

t_tmp_socket_made_inside_works() { # neighbour, in the private /tmp
	sbp -- "$HOST_PY" -c '
import socket
p = "/tmp/inside.sock"
srv = socket.socket(socket.AF_UNIX); srv.bind(p); srv.listen(1)
cli = socket.socket(socket.AF_UNIX); cli.connect(p)
conn, _ = srv.accept(); cli.sendall(b"tmp-ok"); print(conn.recv(20).decode())
'
	expect_rc 0 "a unix socket in the private /tmp"
	expect_out "tmp-ok" "data"
}

t_socket_connect_from_thread_works() { # neighbour: the listener must find the calling thread's fds
	sb -- "$HOST_PY" -c "
import socket, threading
srv = socket.socket(socket.AF_UNIX); srv.bind('t.sock'); srv.listen(1)
res = []
def go():
    c = socket.socket(socket.AF_UNIX)
    c.connect('t.sock'); res.append('ok')
t = threading.Thread(target=go); t.start(); t.join()
print('thread-connect', res)"
	expect_rc 0 "unix connect from a non-main thread"
	expect_out "thread-connect ['ok']" "connected"
}

t_host_socket_from_thread_not_reachable() {
	local d sock
	d=$(mktemp -d "$FAKE_HOME/sockdir.XXXXXX")
	sock="$d/svc.sock"
	"$HOST_PY" -c "
import socket, time
s = socket.socket(socket.AF_UNIX); s.bind('$sock'); s.listen(5); time.sleep(20)" &
	local pid=$!
	for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
	sb -- "$HOST_PY" -c "
import socket, threading
out = []
def go():
    c = socket.socket(socket.AF_UNIX)
    try: c.connect('$sock'); out.append('CONNECTED')
    except OSError as e: out.append('DENIED %d' % e.errno)
t = threading.Thread(target=go); t.start(); t.join(); print(out[0])"
	kill "$pid" 2>/dev/null
	expect_out "DENIED 13" "host socket under \$HOME from a thread"
	expect_not_out "CONNECTED" "host socket under \$HOME from a thread"
}

# TOCTOU: the supervisor decides a connect() from the caller's sockaddr. Other
# threads rewrite the buffer byte by byte while it decides; it reads the
# address once and connects itself, so the host socket is never reached,
# while the workspace socket keeps working.
t_connect_race_never_reaches_host_socket() {
	rf_setup_bin
	mkdir -p "$FAKE_HOME/.local/run"
	_host_unix_server "$FAKE_HOME/.local/run/race.sock"
	sbp -- sh -c "$HOST_PY -c '
import socket
s = socket.socket(socket.AF_UNIX); s.bind(\"ok.sock\"); s.listen(64); s.settimeout(8)
try:
    while True:
        c, _ = s.accept(); c.close()
except socket.timeout:
    pass
' & for i in \$(seq 100); do [ -S ok.sock ] && break; sleep 0.05; done; \"$STRESS\" connect-race '$WS/ok.sock' '$FAKE_HOME/.local/run/race.sock' 2; kill %1"
	_stop "$SRV_PID"
	expect_out "RACE" "the race ran"
	local ok; ok=$(echo "$OUT" | sed -n 's/.*RACE ok=\([0-9]*\).*/\1/p')
	expect_true test "${ok:-0}" -gt 0 # the honest connections went through
	expect_true test ! -e "$FAKE_HOME/.local/run/race.sock.log"
}

t_sendto_race_never_reaches_host_socket() {
	# the same race on addressed sendto(): datagrams to a workspace socket go
	# through, none reaches a host datagram socket under $HOME
	rf_setup_bin
	mkdir -p "$FAKE_HOME/.local/run"
	"$HOST_PY" - "$FAKE_HOME/.local/run/dgram.sock" <<-'PYEOF' >/dev/null 2>&1 &
		import socket, sys, time
		s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
		s.bind(sys.argv[1]); s.settimeout(0.2)
		end = time.time() + 20
		while time.time() < end:
		    try:
		        s.recv(100)
		    except socket.timeout:
		        continue
		    open(sys.argv[1] + ".log", "a").write("RECEIVED\n")
	PYEOF
	local srv=$!
	wait_for 10 test -S "$FAKE_HOME/.local/run/dgram.sock" || _fail "host datagram server did not start"
	sbp -- sh -c "$HOST_PY -c '
import socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(\"ok-dgram.sock\"); s.settimeout(6)
try:
    while True:
        s.recv(100)
except socket.timeout:
    pass
' & for i in \$(seq 100); do [ -S ok-dgram.sock ] && break; sleep 0.05; done; \"$STRESS\" sendto-race '$WS/ok-dgram.sock' '$FAKE_HOME/.local/run/dgram.sock' 2; kill %1"
	_stop "$srv"
	expect_out "RACE" "the race ran"
	local ok; ok=$(echo "$OUT" | sed -n 's/.*RACE ok=\([0-9]*\).*/\1/p')
	expect_true test "${ok:-0}" -gt 0
	expect_true test ! -e "$FAKE_HOME/.local/run/dgram.sock.log"
}
