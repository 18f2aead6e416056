# --host-port PORT: 127.0.0.1:PORT inside reaches the host's 127.0.0.1:PORT,
# and nothing else of the host's loopback (offline and allowlist). With
# --network online the whole host loopback is reachable anyway (a warning
# says the flag is moot).
# shellcheck shell=bash
. "${BASH_SOURCE[0]%/*}/_net.bash"

t_host_port_reaches_host_service() {
	www_start "$(www_dir FORWARDED-CONTENT)"
	sbp --host-port "$WWW_PORT" -- curl -sS --max-time 10 "http://127.0.0.1:$WWW_PORT/"
	expect_rc 0 "offline + --host-port: the forwarded service"
	expect_out "FORWARDED-CONTENT" "content"
}

t_other_host_ports_stay_unreachable() {
	www_start "$(www_dir FORWARDED-CONTENT)"
	local fwd=$WWW_PORT
	www_start "$(www_dir NOT-FORWARDED)"
	sbp --host-port "$fwd" -- curl -sS --max-time 5 "http://127.0.0.1:$WWW_PORT/"
	expect_denied "a host service on a port that is not forwarded"
	expect_not_out "NOT-FORWARDED" "content"
	sbp --host-port "$fwd" -- "$PROBE" connect-tcp 127.0.0.1 "$WWW_PORT"
	expect_rc 1 "connect to a host port that is not forwarded"
	expect_out "DENIED ECONNREFUSED" "refused by the sandbox's own loopback"
	# the forwarded one is there only as 127.0.0.1, not on other addresses of the host
	sbp --host-port "$fwd" -- "$PROBE" connect-tcp 10.0.0.1 "$fwd"
	expect_out "DENIED" "the forwarded port on another address"
}

t_host_port_with_allowlist() {
	www_start "$(www_dir FORWARDED-CONTENT)"
	sbn --allow-domain www.test --host-port "$WWW_PORT" -- curl -sS --max-time 10 "http://127.0.0.1:$WWW_PORT/"
	expect_rc 0 "allowlist + --host-port (NO_PROXY keeps 127.0.0.1 direct)"
	expect_out "FORWARDED-CONTENT" "content"
	# the proxy does not offer the host's loopback by IP
	sbn --allow-domain www.test --host-port "$WWW_PORT" -- curl -fsS --max-time 10 --noproxy '' "http://127.0.0.1:$WWW_PORT/"
	expect_denied "the same port through the proxy"
	expect_reported "127.0.0.1:$WWW_PORT" "network:not-allowed"
}

t_host_port_3128_moves_the_proxy() {
	www_start "$(www_dir)"
	# a host port may be 3128 itself: the proxy takes the next free one
	sbn --allow-domain www.test --host-port 3128 -- sh -c 'echo $HTTP_PROXY'
	expect_rc 0 "run"
	expect_out "http://127.0.0.1:3129" "the proxy moved"
}

t_host_port_nothing_listening() {
	local port
	port=$(free_port)
	sbp --host-port "$port" -- curl -sS --max-time 10 "http://127.0.0.1:$port/"
	expect_denied "a forwarded port where nothing listens on the host"
	case "$RC" in 28) _fail "curl timed out: the forward should close at once" ;; esac
}

t_many_connections_through_host_port() {
	www_start "$(www_dir FORWARDED-CONTENT)"
	sbp --host-port "$WWW_PORT" -- sh -c "seq 60 | xargs -P 30 -I{} curl -s --max-time 20 -o /dev/null -w '%{http_code}\n' http://127.0.0.1:$WWW_PORT/ | sort | uniq -c"
	expect_rc 0 "60 requests, 30 at a time"
	expect_out "60 200" "all answered"
}

t_online_host_port_is_moot() {
	www_start "$(www_dir HOST-CONTENT)"
	sbp --network online --host-port "$WWW_PORT" -- curl -sS --max-time 10 "http://127.0.0.1:$WWW_PORT/"
	expect_rc 0 "online"
	expect_out "HOST-CONTENT" "content"
	expect_err "host ports need no forwarding" "the warning"
}

t_invalid_host_ports_refused() {
	local p
	for p in 0 65536 -1 abc 80x ""; do
		sbp --host-port "$p" -- true
		expect_rc 125 "--host-port '$p'"
	done
	expect_err "invalid --host-port" "the reason"
}
