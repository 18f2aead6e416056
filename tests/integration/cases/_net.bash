# Helpers for the network case files (network*.sh). Not a case file itself.
#
# Servers on the host's loopback stand in for registries; the proxy is told
# (--proxy-resolve, like curl --resolve) that the test names resolve to
# 127.0.0.1, which the allowlist refuses unless an IP rule allows it
# (--allow-domain 127.0.0.1): the rebinding protection is never bypassed.
# shellcheck shell=bash
. "${BASH_SOURCE[0]%/*}/_common.bash"

WWW_PY="${BASH_SOURCE[0]%/*}/../helpers/rf-www.py"
NET_NAMES="www.test a.www.test bad.www.test pypi.test npm.test git.test cargo.test xn--bcher-kva.test"
_NET_PIDS=""

_net_cleanup() {
	local p
	for p in $_NET_PIDS; do kill "$p" 2>/dev/null; done
	for p in $_NET_PIDS; do wait "$p" 2>/dev/null; done
	_NET_PIDS=""
	return 0
}
trap _net_cleanup EXIT

# A self-signed certificate for every test name, made once per suite run;
# its copy in the workspace is what the tools inside trust.
net_cert() {
	local d=$RF_TEST_TMP/tls
	if [ ! -f "$d/cert.pem" ]; then
		mkdir -p "$d"
		local san="" n
		for n in $NET_NAMES; do san="$san${san:+,}DNS:$n"; done
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout "$d/key.pem.tmp" -out "$d/cert.pem.tmp" -days 2 -subj /CN=ringfence-test \
			-addext "subjectAltName=$san" 2>/dev/null || _fail "openssl could not make a certificate"
		mv "$d/key.pem.tmp" "$d/key.pem" && mv "$d/cert.pem.tmp" "$d/cert.pem"
	fi
	cp "$d/cert.pem" "$WS/ca.pem"
}

_net_wait_port() { # _net_wait_port PORTFILE -> echoes the port
	wait_for 10 test -s "$1" || { _fail "a test server did not start"; return 1; }
	cat "$1"
}

# www_start DIR [tls]: a static server on the host loopback; sets WWW_PORT.
www_start() {
	local pf
	pf=$(mktemp -u "$RF_TEST_TMP/port.XXXXXX")
	if [ "${2:-}" = tls ]; then
		net_cert
		"$HOST_PY" "$WWW_PY" serve "$1" "$pf" "$RF_TEST_TMP/tls/cert.pem" "$RF_TEST_TMP/tls/key.pem" &
	else
		"$HOST_PY" "$WWW_PY" serve "$1" "$pf" &
	fi
	_NET_PIDS="$_NET_PIDS $!"
	WWW_PORT=$(_net_wait_port "$pf")
}

# www_dir: a directory with an index.html holding $1 (default HOST-WWW-CONTENT).
www_dir() {
	local d
	d=$(mktemp -d "$RF_TEST_TMP/www.XXXXXX")
	echo "${1:-HOST-WWW-CONTENT}" >"$d/index.html"
	chmod -R a+rX "$d"
	echo "$d"
}

# udp_sink: a UDP listener on the host loopback; sets UDP_PORT, UDP_OUT.
udp_sink() {
	local pf
	pf=$(mktemp -u "$RF_TEST_TMP/port.XXXXXX")
	UDP_OUT=$(mktemp "$RF_TEST_TMP/udp.XXXXXX")
	"$HOST_PY" "$WWW_PY" udp "$pf" "$UDP_OUT" &
	_NET_PIDS="$_NET_PIDS $!"
	UDP_PORT=$(_net_wait_port "$pf")
}

# sbn [options] -- CMD...: allowlist mode, the test names resolved by the
# proxy to 127.0.0.1, --verbose (refusals are reported on stderr).
sbn() {
	local args=(--network allowlist --verbose) n
	for n in $NET_NAMES; do args+=(--proxy-resolve "$n=127.0.0.1"); done
	sbp "${args[@]}" "$@"
}

# expect_reported TARGET RULE: the refusal was reported (stderr, --verbose).
expect_reported() {
	case "$ERR" in
	*"$1"*"$2"*) ;;
	*) _fail "no report of $1 refused by $2 on stderr: $(_ctx)" ;;
	esac
}

# A raw HTTP exchange from inside, printing the proxy's answer: python is in
# /usr, which every sandbox sees. PROXY_RAW_PY REQUEST-BYTES (Python literal).
proxy_raw() {
	printf '%s' "import socket,sys
s=socket.create_connection(('127.0.0.1',3128),timeout=15)
s.sendall($1)
out=b''
while True:
    try:
        d=s.recv(65536)
    except socket.timeout:
        break
    if not d: break
    out+=d
sys.stdout.write(out.decode('latin-1'))"
}
