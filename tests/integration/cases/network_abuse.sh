# The allowlist proxy under abuse from inside the sandbox: malformed and
# oversized requests get a clean error, a silent client is cut off without
# stalling anyone else, and many tunnels at once all work. (The same paths
# with short time limits, under the sanitizers: tests/unit/test_proxy.c.)
# shellcheck shell=bash
. "${BASH_SOURCE[0]%/*}/_net.bash"

t_malformed_requests_get_400() {
	sbn --allow-domain www.test -- /usr/bin/python3 -c "$(proxy_raw "b'GARBAGE\\r\\n\\r\\n'")"
	expect_out "HTTP/1.1 400 Bad Request" "garbage"
	sbn --allow-domain www.test -- /usr/bin/python3 -c "$(proxy_raw "b'GET / HTTP/1.1\\r\\nHost: www.test\\r\\n\\r\\n'")"
	expect_out "HTTP/1.1 400 Bad Request" "an origin-form request"
	expect_out "X-Proxy-Error: ringfence proxy: malformed request" "the reason"
	sbn --allow-domain www.test -- /usr/bin/python3 -c "$(proxy_raw "b'GET http://www.test/ HTTP/1.1\\r\\nContent-Length: 1\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n'")"
	expect_out "HTTP/1.1 400 Bad Request" "a smuggling-shaped request"
	sbn --allow-domain www.test -- /usr/bin/python3 -c "$(proxy_raw "bytes(range(256))*4 + b'\\r\\n\\r\\n'")"
	expect_out "HTTP/1.1 400" "binary junk"
}

t_oversized_head_gets_431() {
	sbn --allow-domain www.test -- /usr/bin/python3 -c "$(proxy_raw "b'GET http://www.test/ HTTP/1.1\\r\\nX: ' + b'a' * 100000 + b'\\r\\n\\r\\n'")"
	expect_out "HTTP/1.1 431" "a 100 kB header"
}

t_silent_client_cut_off_others_served() {
	www_start "$(www_dir)"
	local t0 t1
	t0=$(date +%s)
	sbn --allow-domain www.test --allow-domain 127.0.0.1 -- /usr/bin/python3 -c "
import socket, time, urllib.request
slow = [socket.create_connection(('127.0.0.1', 3128)) for _ in range(50)]
for s in slow[:25]:
    s.sendall(b'CONNECT www.test:443 HTTP/1.1\r\nX-Slow: ')  # never finished
start = time.time()
print(urllib.request.urlopen('http://www.test:$WWW_PORT/', timeout=5).read().decode().strip(), 'in', round(time.time() - start, 2))
cut = 0
for s in slow:
    s.settimeout(20)
    try:
        data = s.recv(4096)
    except OSError:
        data = None
    if data is not None:
        cut += 1
print('cut off', cut, 'after', round(time.time() - start))"
	t1=$(date +%s)
	expect_rc 0 "run"
	expect_out "HOST-WWW-CONTENT in 0." "a real request while 50 clients stall"
	expect_out "cut off 50" "every stalled client was cut off"
	expect_true test $((t1 - t0)) -lt 25
}

t_many_concurrent_tunnels() {
	www_start "$(www_dir)" tls
	sbn --allow-domain www.test --allow-domain 127.0.0.1 -- sh -c "seq 200 | xargs -P 100 -I{} curl -s --max-time 30 --cacert '$WS/ca.pem' -o /dev/null -w '%{http_code} %{http_connect} %{errormsg}\n' https://www.test:$WWW_PORT/ | sort | uniq -c"
	expect_rc 0 "200 https requests, 100 at a time"
	expect_out "200 200 200" "all answered"
}

t_big_download_through_tunnel() {
	local pf
	pf=$(mktemp -u "$RF_TEST_TMP/port.XXXXXX")
	"$HOST_PY" "$WWW_PY" big "$pf" $((256 << 20)) &
	_NET_PIDS="$_NET_PIDS $!"
	local port
	port=$(_net_wait_port "$pf")
	sbn --allow-domain www.test --allow-domain 127.0.0.1 -- curl -sS -p --max-time 60 -o /dev/null -w '%{size_download}\n' "http://www.test:$port/"
	expect_rc 0 "256 MiB through a CONNECT tunnel"
	expect_out "268435456" "every byte"
}

t_refusal_flood_does_not_stall() {
	www_start "$(www_dir)"
	sbn --allow-domain www.test --allow-domain 127.0.0.1 -- sh -c "seq 300 | xargs -P 50 -I{} curl -s --max-time 20 -o /dev/null -w '%{http_code}\n' http://evil{}.test/ | sort | uniq -c; curl -sS --max-time 5 http://www.test:$WWW_PORT/"
	expect_rc 0 "300 refused requests, then a good one"
	expect_out "300 403" "all refused"
	expect_out "HOST-WWW-CONTENT" "and the good one served"
}
