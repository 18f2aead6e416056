# Network: offline (the default) gives the command only its own loopback;
# no outside hosts, no host loopback services, no host abstract sockets.
# --network online reaches the host network.
# shellcheck shell=bash disable=SC2016,SC2088,SC2119
. "${BASH_SOURCE[0]%/*}/_common.bash"

_tcp_up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Start an HTTP server on the host loopback; sets HTTP_PORT and HTTP_PID.
_host_http() {
	local dir; dir=$(mktemp -d "$RF_TEST_TMP/www.XXXXXX")
	echo HOST-HTTP-CONTENT >"$dir/index.html"
	HTTP_PORT=$(free_port)
	"$HOST_PY" -m http.server -b 127.0.0.1 -d "$dir" "$HTTP_PORT" >/dev/null 2>&1 &
	HTTP_PID=$!
	wait_for 10 _tcp_up "$HTTP_PORT" || _fail "the host http server did not start"
}
_stop() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; return 0; }

t_connect_outside_host_denied() {
	sbp -- "$PROBE" connect-tcp 1.1.1.1 80
	expect_rc 1 "connect to 1.1.1.1:80"
	expect_out "DENIED" "connect outside"
	sbp -- "$PROBE" connect-tcp 2606:4700:4700::1111 80
	expect_out "DENIED" "connect outside over IPv6"
}

t_udp_outside_denied() {
	sbp -- "$PROBE" sendto-udp 1.1.1.1 53
	expect_rc 1 "UDP to 1.1.1.1:53"
	expect_out "DENIED" "udp outside"
}

t_only_loopback_interface() {
	sbp -- sh -c "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '"
	expect_rc 0 "list interfaces"
	expect_true test "$OUT" = lo
}

t_host_loopback_service_not_reachable() {
	_host_http
	sbp -- "$PROBE" connect-tcp 127.0.0.1 "$HTTP_PORT"
	expect_rc 1 "connect to a host loopback service"
	expect_out "DENIED" "host loopback"
	sbp -- curl -s --max-time 3 "http://127.0.0.1:$HTTP_PORT/"
	expect_denied "curl a host loopback service"
	expect_not_out "HOST-HTTP-CONTENT" "content of the host service"
	_stop "$HTTP_PID"
}

t_inside_loopback_server_client_works() { # neighbour
	local port=$((20000 + RANDOM % 20000))
	sbp -- sh -c "$PROBE listen-tcp $port 10 & for i in \$(seq 100); do $PROBE connect-tcp 127.0.0.1 $port 2>/dev/null && exit 0; sleep 0.05; done; exit 1"
	expect_rc 0 "server and client on the sandbox's own 127.0.0.1"
	expect_out "ALLOWED connected to 127.0.0.1:$port" "client"
}

t_inside_http_server_works() { # neighbour, with real tools
	local port=$((20000 + RANDOM % 20000))
	echo INSIDE-CONTENT >"$WS/index.html"
	sbp -- sh -c "$HOST_PY -m http.server -b 127.0.0.1 $port >/dev/null 2>&1 & for i in \$(seq 100); do curl -s --max-time 2 http://127.0.0.1:$port/index.html && exit 0; sleep 0.05; done; exit 1"
	expect_rc 0 "an http server and curl inside the sandbox"
	expect_out "INSIDE-CONTENT" "content"
}

t_host_abstract_socket_not_reachable() {
	local name="rfhost-${WS##*.}"
	"$RF_PROBE" listen-abstract "$name" 20 >/dev/null 2>&1 &
	local pid=$!
	wait_for 10 grep -q "@$name\$" /proc/net/unix || _fail "host abstract listener did not start"
	sbp -- "$PROBE" connect-abstract "$name"
	expect_rc 1 "connect to a host abstract socket"
	expect_out "DENIED" "host abstract socket"
	sbp --network online -- "$PROBE" connect-abstract "$name"
	expect_out "DENIED" "host abstract socket, even with --network online"
	_stop "$pid"
}

t_inside_abstract_socket_works() { # neighbour
	local name="rfin-${WS##*.}"
	sbp -- sh -c "$PROBE listen-abstract $name 10 & for i in \$(seq 100); do $PROBE connect-abstract $name 2>/dev/null && exit 0; sleep 0.05; done; exit 1"
	expect_rc 0 "abstract socket inside the sandbox"
	expect_out "ALLOWED connected to @$name" "client"
}

t_online_reaches_host_loopback() {
	_host_http
	sbp --network online -- "$PROBE" connect-tcp 127.0.0.1 "$HTTP_PORT"
	expect_rc 0 "--network online: connect to the host loopback"
	sbp --network online -- curl -s --max-time 5 "http://127.0.0.1:$HTTP_PORT/"
	expect_rc 0 "--network online: curl the host loopback"
	expect_out "HOST-HTTP-CONTENT" "content"
	_stop "$HTTP_PID"
}

t_offline_result_says_offline() {
	sbp --result "$RF_TEST_TMP/net.json" -- true
	expect_true grep -q '"network": *"offline"' "$RF_TEST_TMP/net.json"
}

t_direct_connect_reported() {
	sbp --verbose -- "$PROBE" connect-tcp 1.1.1.1 443
	expect_rc 1 "connect out, offline"
	expect_out "DENIED ENETUNREACH" "no route"
	case "$ERR" in *"1.1.1.1:443"*"network:offline"*) ;; *) _fail "the attempt was not reported: $(_ctx)" ;; esac
	sbp --verbose -- "$PROBE" sendto-udp 8.8.8.8 53
	case "$ERR" in *"8.8.8.8:53"*"network:offline"*) ;; *) _fail "the datagram was not reported: $(_ctx)" ;; esac
}

t_inside_loopback_not_reported() { # neighbour: the sandbox's own servers are no violation
	sbp --verbose -- "$PROBE" connect-tcp 127.0.0.1 9
	expect_rc 1 "nothing listens on 127.0.0.1:9 inside"
	case "$ERR" in *"denied connect"*) _fail "a loopback connect was reported: $(_ctx)" ;; esac
}

t_no_name_resolution_offline() {
	sbp -- getent hosts debian.org
	expect_denied "getent hosts offline"
}
