# --network allowlist: egress only through ringfence's proxy, to allowed
# names. Real tools (curl, git, pip, npm, python's urllib) work unchanged
# against local servers standing in for registries; everything else is
# refused and reported.
# shellcheck shell=bash disable=SC2016
. "${BASH_SOURCE[0]%/*}/_net.bash"

t_proxy_variables_set() {
	sbn --allow-domain www.test -- sh -c 'for v in HTTP_PROXY HTTPS_PROXY ALL_PROXY NO_PROXY http_proxy https_proxy all_proxy no_proxy; do eval "echo $v=\$$v"; done'
	expect_rc 0 "env"
	expect_out "HTTP_PROXY=http://127.0.0.1:3128" "HTTP_PROXY"
	expect_out "https_proxy=http://127.0.0.1:3128" "https_proxy"
	expect_out "ALL_PROXY=socks5h://127.0.0.1:3128" "ALL_PROXY"
	expect_out "no_proxy=localhost,127.0.0.1,::1" "no_proxy"
}

t_caller_proxy_variables_replaced() {
	HTTPS_PROXY=http://10.9.9.9:8080 all_proxy=socks5://evil sbn --allow-domain www.test -- sh -c 'env | grep -i _proxy='
	expect_not_out "10.9.9.9" "the caller's proxy"
	expect_not_out "evil" "the caller's proxy"
}

t_curl_http_forwarding() {
	www_start "$(www_dir)"
	sbn --allow-domain www.test --allow-domain 127.0.0.1 -- curl -sS --max-time 10 "http://www.test:$WWW_PORT/"
	expect_rc 0 "curl http:// through the proxy"
	expect_out "HOST-WWW-CONTENT" "content"
	expect_err "HTTP www.test:$WWW_PORT -> 127.0.0.1" "the proxy's log line"
}

t_curl_https_connect() {
	www_start "$(www_dir)" tls
	sbn --allow-domain www.test --allow-domain 127.0.0.1 -- curl -sS --max-time 10 --cacert "$WS/ca.pem" "https://www.test:$WWW_PORT/"
	expect_rc 0 "curl https:// through CONNECT"
	expect_out "HOST-WWW-CONTENT" "content"
	expect_err "CONNECT www.test:$WWW_PORT -> 127.0.0.1" "the proxy's log line"
}

t_curl_socks5h() {
	www_start "$(www_dir)" tls
	sbn --allow-domain www.test --allow-domain 127.0.0.1 -- curl -sS --max-time 10 --cacert "$WS/ca.pem" \
		--proxy socks5h://127.0.0.1:3128 "https://www.test:$WWW_PORT/"
	expect_rc 0 "curl through socks5h (the proxy resolves)"
	expect_out "HOST-WWW-CONTENT" "content"
	expect_err "SOCKS5 www.test:$WWW_PORT" "the proxy's log line"
}

t_curl_socks5_ip_judged_by_ip_rules() {
	www_start "$(www_dir)"
	# socks5 (not 5h): curl sends the address; only an IP rule lets it through
	sbn --allow-domain 127.0.0.1 -- curl -sS --max-time 10 --noproxy '' --proxy socks5://127.0.0.1:3128 "http://127.0.0.1:$WWW_PORT/"
	expect_rc 0 "socks5 with an allowed address"
	expect_out "HOST-WWW-CONTENT" "content"
	sbn --allow-domain www.test -- curl -sS --max-time 10 --noproxy '' --proxy socks5://127.0.0.1:3128 "http://10.1.2.3:$WWW_PORT/"
	expect_denied "socks5 with an address no rule allows"
	expect_reported "10.1.2.3:$WWW_PORT" "network:not-allowed"
}

t_python_urllib() {
	www_start "$(www_dir)" tls
	sbn --allow-domain www.test --allow-domain 127.0.0.1 -- /usr/bin/python3 -c "
import ssl, urllib.request
ctx = ssl.create_default_context(cafile='$WS/ca.pem')
print(urllib.request.urlopen('https://www.test:$WWW_PORT/', context=ctx, timeout=10).read().decode())"
	expect_rc 0 "python urllib through HTTPS_PROXY"
	expect_out "HOST-WWW-CONTENT" "content"
}

t_git_clone_https() {
	local srv repo
	srv=$(mktemp -d "$RF_TEST_TMP/git.XXXXXX")
	repo=$(mktemp -d "$RF_TEST_TMP/src.XXXXXX")
	git_repo "$repo" && echo GIT-CONTENT >"$repo/file" && git -C "$repo" add file && git -C "$repo" commit -qm two
	git clone -q --bare "$repo" "$srv/repo.git" && git -C "$srv/repo.git" update-server-info
	chmod -R a+rX "$srv"
	www_start "$srv" tls
	sbn --allow-domain git.test --allow-domain 127.0.0.1 -- env GIT_SSL_CAINFO="$WS/ca.pem" git clone -q \
		"https://git.test:$WWW_PORT/repo.git" "$WS/clone"
	expect_rc 0 "git clone over https (dumb http) through the proxy"
	expect_true test "$(cat "$WS/clone/file" 2>/dev/null)" = GIT-CONTENT
}

t_pip_install() {
	local idx
	idx=$(mktemp -d "$RF_TEST_TMP/pypi.XXXXXX")
	www_start "$idx" tls
	"$HOST_PY" "$WWW_PY" pip "$idx" "https://pypi.test:$WWW_PORT"
	chmod -R a+rX "$idx"
	# (the CA also through the variables a caller's environment may set)
	sbn --allow-domain pypi.test --allow-domain 127.0.0.1 -- env REQUESTS_CA_BUNDLE="$WS/ca.pem" PIP_CERT="$WS/ca.pem" \
		/usr/bin/python3 -m pip install -q --no-deps \
		--disable-pip-version-check --no-cache-dir --break-system-packages --target "$WS/site" \
		--index-url "https://pypi.test:$WWW_PORT/simple" --cert "$WS/ca.pem" rf-demo
	expect_rc 0 "pip install from an allowlisted index"
	sbp -- env PYTHONPATH="$WS/site" /usr/bin/python3 -c 'import rf_demo; print(rf_demo.MESSAGE)'
	expect_out "installed through the ringfence proxy" "the installed package"
}

t_npm_install() {
	command -v npm >/dev/null || { _fail "npm is not installed (scripts/deps --test)"; return; }
	local reg
	reg=$(mktemp -d "$RF_TEST_TMP/npm.XXXXXX")
	www_start "$reg" tls
	"$HOST_PY" "$WWW_PY" npm "$reg" "https://npm.test:$WWW_PORT"
	chmod -R a+rX "$reg"
	mkdir -p "$WS/proj"
	echo '{"name":"proj","version":"1.0.0"}' >"$WS/proj/package.json"
	sbn --allow-domain npm.test --allow-domain 127.0.0.1 -- sh -c "cd '$WS/proj' && npm install --no-audit --no-fund \
		--no-update-notifier --cache '$WS/.npm-cache' --registry 'https://npm.test:$WWW_PORT/' \
		--cafile '$WS/ca.pem' rf-demo-pkg && node -e 'console.log(require(\"rf-demo-pkg\"))'"
	expect_rc 0 "npm install from an allowlisted registry"
	expect_out "installed through the ringfence proxy" "the installed package"
}

t_not_listed_domain_refused() {
	www_start "$(www_dir)"
	sbn --allow-domain www.test --allow-domain 127.0.0.1 -- curl -fsS -v --max-time 10 "http://evil.test:$WWW_PORT/"
	expect_denied "a domain that is not listed"
	expect_not_out "HOST-WWW-CONTENT" "content"
	expect_err "403 Forbidden" "the answer"
	expect_err "X-Proxy-Error: blocked by ringfence policy: network:not-allowed" "the X-Proxy-Error header"
	expect_reported "evil.test:$WWW_PORT" "network:not-allowed"
	# https: the tunnel is refused the same way
	sbn --allow-domain www.test --allow-domain 127.0.0.1 -- curl -sS --max-time 10 "https://evil.test:$WWW_PORT/"
	expect_denied "CONNECT to a domain that is not listed"
	expect_reported "evil.test:$WWW_PORT" "network:not-allowed"
}

t_refusal_names_the_process() {
	sbn --allow-domain www.test -- curl -fsS --max-time 10 "http://evil.test/"
	expect_denied "refused"
	# the events layer names pid and executable; the proxy found the pid
	# through the sandbox's TCP table
	case "$ERR" in
	*"evil.test:80"*"pid "[1-9]*"curl"*) ;;
	*) _fail "the report does not name curl's pid: $(_ctx)" ;;
	esac
}

t_raw_ip_refused() {
	www_start "$(www_dir)"
	# (127.0.0.1 is in NO_PROXY for the sandbox's own servers: ask the proxy)
	sbn --allow-domain www.test -- curl -fsS --max-time 10 --noproxy '' "http://127.0.0.1:$WWW_PORT/"
	expect_denied "a raw IP with no IP rule"
	expect_reported "127.0.0.1:$WWW_PORT" "network:not-allowed"
	sbn --allow-domain www.test -- curl -sS --max-time 10 -p "http://93.184.216.34/"
	expect_denied "a raw public IP"
	expect_reported "93.184.216.34:80" "network:not-allowed"
	sbn --allow-domain www.test -- curl -fsS --max-time 10 "http://[2606:4700::1]/"
	expect_reported "[2606:4700::1]:80" "network:not-allowed"
}

t_metadata_refused() {
	sbn --allow-domain www.test -- curl -fsS --max-time 10 "http://169.254.169.254/latest/meta-data/"
	expect_denied "the metadata address"
	expect_reported "169.254.169.254:80" "network:not-allowed"
	# a name that resolves there: refused although the name is allowed
	sbn --allow-domain metadata.test --proxy-resolve metadata.test=169.254.169.254 -- \
		curl -fsS -v --max-time 10 "http://metadata.test/latest/meta-data/"
	expect_denied "an allowed name resolving to the metadata address"
	expect_err "X-Proxy-Error: blocked by ringfence policy: network:address:link-local" "the header"
	expect_reported "metadata.test:80" "network:address:link-local"
}

t_name_resolving_to_loopback_refused() {
	www_start "$(www_dir)"
	# no IP rule for 127.0.0.1: DNS rebinding onto the host's loopback
	sbn --allow-domain www.test -- curl -fsS -v --max-time 10 "http://www.test:$WWW_PORT/"
	expect_denied "an allowed name resolving to 127.0.0.1"
	expect_not_out "HOST-WWW-CONTENT" "content"
	expect_err "X-Proxy-Error: blocked by ringfence policy: network:address:loopback" "the header"
	expect_reported "www.test:$WWW_PORT" "network:address:loopback"
	# an IP rule limited to another port does not help
	sbn --allow-domain www.test --allow-domain "127.0.0.1:1" -- curl -fsS --max-time 10 "http://www.test:$WWW_PORT/"
	expect_denied "an IP rule for another port"
	# a private address, and the host's own address
	sbn --allow-domain lan.test --proxy-resolve lan.test=192.168.1.1 -- curl -fsS --max-time 10 "http://lan.test/"
	expect_reported "lan.test:80" "network:address:private"
	local own
	own=$(ip -o -4 addr show scope global 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | head -1)
	if [ -n "$own" ]; then
		sbn --allow-domain self.test --proxy-resolve "self.test=$own" -- curl -fsS --max-time 10 "http://self.test/"
		expect_denied "a name resolving to the host's own address ($own)"
		expect_reported "self.test:80" "network:address:"
	fi
}

t_deny_wins_and_wildcards() {
	www_start "$(www_dir)" tls
	local common=(--allow-domain '*.www.test' --deny-domain bad.www.test --allow-domain 127.0.0.1)
	sbn "${common[@]}" -- curl -sS --max-time 10 --cacert "$WS/ca.pem" "https://a.www.test:$WWW_PORT/"
	expect_rc 0 "a subdomain of an allowed wildcard"
	expect_out "HOST-WWW-CONTENT" "content"
	sbn "${common[@]}" -- curl -sS --max-time 10 --cacert "$WS/ca.pem" "https://bad.www.test:$WWW_PORT/"
	expect_denied "a denied subdomain: deny wins"
	expect_reported "bad.www.test:$WWW_PORT" "network:deny:bad.www.test"
	sbn "${common[@]}" -- curl -sS --max-time 10 --cacert "$WS/ca.pem" "https://www.test:$WWW_PORT/"
	expect_denied "the parent of a wildcard: subdomains only"
	expect_reported "www.test:$WWW_PORT" "network:not-allowed"
}

t_case_trailing_dot_and_idna() {
	www_start "$(www_dir)"
	sbn --allow-domain www.test --allow-domain 127.0.0.1 -- curl -sS --max-time 10 "http://WWW.Test.:$WWW_PORT/"
	expect_rc 0 "upper case and a trailing dot"
	expect_out "HOST-WWW-CONTENT" "content"
	# a rule in Unicode matches the name's A-label form (curl sends punycode)
	sbn --allow-domain 'bücher.test' --allow-domain 127.0.0.1 -- curl -sS --max-time 10 "http://xn--bcher-kva.test:$WWW_PORT/"
	expect_rc 0 "an IDNA rule"
	expect_out "HOST-WWW-CONTENT" "content"
	sbn --allow-domain 'bücher.test' -- /usr/bin/python3 -c "$(proxy_raw "b'CONNECT b\\xc3\\xbccher.test:80 HTTP/1.1\\r\\n\\r\\n'")"
	expect_out "400 Bad Request" "a raw UTF-8 name is refused, not guessed at"
}

t_port_restricted_rule() {
	www_start "$(www_dir)"
	local other
	other=$(free_port)
	sbn --allow-domain "www.test:$WWW_PORT" --allow-domain 127.0.0.1 -- curl -sS --max-time 10 "http://www.test:$WWW_PORT/"
	expect_rc 0 "the allowed port"
	sbn --allow-domain "www.test:$WWW_PORT" --allow-domain 127.0.0.1 -- curl -fsS --max-time 10 "http://www.test:$other/"
	expect_denied "another port"
	expect_reported "www.test:$other" "network:not-allowed"
}

t_dns_does_not_resolve_inside() {
	sbn --allow-domain www.test -- getent hosts www.test
	expect_denied "getent hosts inside (even an allowed name)"
	sbn --allow-domain www.test -- /usr/bin/python3 -c 'import socket; print(socket.getaddrinfo("debian.org", 443))'
	expect_denied "getaddrinfo inside"
	expect_err "gaierror" "python says why"
	# the query itself is reported (to the configured server, or :53 inside)
	expect_err ":53 (rule network:" "the DNS query was reported"
}

t_udp_exfiltration_fails() {
	udp_sink
	sbn --allow-domain www.test -- "$PROBE" sendto-udp 1.1.1.1 53
	expect_rc 1 "UDP to an outside address"
	expect_out "DENIED ENETUNREACH" "no route"
	expect_reported "1.1.1.1:53" "network:proxy-only"
	sbn --allow-domain www.test -- sh -c "$PROBE sendto-udp 127.0.0.1 $UDP_PORT; sleep 0.2"
	sleep 0.3
	expect_true test ! -s "$UDP_OUT" # the host's UDP service got nothing
	sbn --allow-domain www.test -- /usr/bin/python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for ns in open('/etc/resolv.conf').read().split():
    pass
s.settimeout(2)
try:
    s.sendto(b'\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x06secret\x04evil\x04test\x00\x00\x01\x00\x01', ('8.8.8.8', 53))
    print('SENT', s.recv(512))
except OSError as e:
    print('FAILED', e)"
	expect_out "FAILED" "a hand-made DNS query to 8.8.8.8"
	expect_reported "8.8.8.8:53" "network:proxy-only"
}

t_direct_connect_ignoring_proxy_fails() {
	www_start "$(www_dir)" tls
	sbn --allow-domain www.test --allow-domain 127.0.0.1 -- curl -sS --noproxy '*' --max-time 10 --cacert "$WS/ca.pem" "https://www.test:$WWW_PORT/"
	expect_denied "curl ignoring the proxy: cannot even resolve"
	sbn --allow-domain www.test --allow-domain 127.0.0.1 -- curl -sS --noproxy '*' --max-time 10 "http://127.0.0.1:$WWW_PORT/"
	expect_denied "the host's loopback, directly"
	expect_not_out "HOST-WWW-CONTENT" "content"
	sbn --allow-domain www.test -- "$PROBE" connect-tcp 93.184.216.34 443
	expect_rc 1 "a direct TCP connect"
	expect_out "DENIED ENETUNREACH" "no route out"
	expect_reported "93.184.216.34:443" "network:proxy-only"
	sbn --allow-domain www.test -- "$PROBE" connect-tcp 2606:4700:4700::1111 443
	expect_out "DENIED" "a direct IPv6 connect"
	expect_reported "[2606:4700:4700::1111]:443" "network:proxy-only"
}

t_inside_loopback_still_works() { # neighbour
	local port=$((20000 + RANDOM % 20000))
	echo INSIDE-CONTENT >"$WS/index.html"
	sbn --allow-domain www.test -- sh -c "/usr/bin/python3 -m http.server -b 127.0.0.1 $port >/dev/null 2>&1 & for i in \$(seq 100); do curl -s --max-time 2 http://127.0.0.1:$port/index.html && exit 0; sleep 0.05; done; exit 1"
	expect_rc 0 "a server and a client inside (NO_PROXY keeps it direct)"
	expect_out "INSIDE-CONTENT" "content"
}

t_no_allowed_domain_warns() {
	sbn -- curl -fsS --max-time 10 http://www.test/
	expect_denied "nothing allowed"
	expect_err "no allowed domains" "the warning"
}

t_invalid_rules_refused() {
	sbp --network allowlist --allow-domain '*example.com' -- true
	expect_rc 125 "a wildcard in the middle"
	expect_err "invalid domain rule '*example.com'" "the reason"
	sbp --network allowlist --deny-domain 'example.com:99999' -- true
	expect_rc 125 "a bad port"
	sbp --network allowlist --allow-domain '10.0.0.1/8' -- true
	expect_rc 125 "a CIDR with host bits"
	sbp --network allowlist --proxy-resolve 'x.test=not-an-ip' -- true
	expect_rc 125 "a bad --proxy-resolve"
}

t_rules_ignored_offline_warns() {
	sbp --allow-domain www.test -- true
	expect_rc 0 "offline with a domain rule"
	expect_err "network offline: the domain rules are ignored" "the warning"
	sbp --network online --deny-domain evil.test -- sh -c 'echo "[$HTTP_PROXY]"'
	expect_rc 0 "online with a domain rule"
	expect_err "network online: the domain rules are ignored" "the warning"
	expect_out "[]" "no proxy variables online"
}

t_result_says_allowlist() {
	sbn --allow-domain www.test --result "$RF_TEST_TMP/net.json" -- true
	expect_true grep -q '"network": *"allowlist"' "$RF_TEST_TMP/net.json"
}

t_refusal_is_a_violation_event() {
	local ev=$RF_TEST_TMP/events.jsonl
	rm -f "$ev"
	sbn --allow-domain www.test --events "$ev" -- sh -c 'curl -fsS --max-time 10 http://evil.test/; "$0" connect-tcp 93.184.216.34 443' "$PROBE"
	expect_denied "refused"
	"$HOST_PY" - "$ev" <<'PY' || _fail "no SandboxViolation events for the proxy refusal and the direct connect: $(cat "$ev")"
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
v = [e for e in evs if e.get("type") == "SandboxViolation"]
proxy = [e for e in v if e["target"] == "evil.test:80" and e["rule"] == "network:not-allowed"
         and e["operation"] == "connect" and e["exe"].endswith("/curl") and e["host_pid"] > 0]
direct = [e for e in v if e["target"] == "93.184.216.34:443" and e["rule"] == "network:proxy-only"]
sys.exit(0 if proxy and direct else 1)
PY
}

t_cargo_registry() {
	# Debian's cargo (1.65) has no sparse registries: a git index over dumb
	# HTTP (git fetches it, through the proxy) and crate downloads over https
	[ -x /usr/bin/cargo ] || { _fail "cargo is not installed (scripts/deps --test)"; return; }
	local reg
	reg=$(mktemp -d "$RF_TEST_TMP/cargo.XXXXXX")
	www_start "$reg" tls
	"$HOST_PY" "$WWW_PY" cargo "$reg" "https://cargo.test:$WWW_PORT"
	git init -q "$reg/index" && git -C "$reg/index" add -A && git -C "$reg/index" commit -qm index &&
		git clone -q --bare "$reg/index" "$reg/index.git" && git -C "$reg/index.git" update-server-info
	chmod -R a+rX "$reg"
	mkdir -p "$WS/app/src"
	printf '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2018"\n[dependencies]\nrfdep = { version = "0.1", registry = "rf" }\n' >"$WS/app/Cargo.toml"
	printf 'fn main() { println!("triple: {}", rfdep::triple(14)); }\n' >"$WS/app/src/main.rs"
	PATH=/usr/local/bin:/usr/bin:/bin sbn --allow-domain cargo.test --allow-domain 127.0.0.1 -- \
		env CARGO_HOME="$WS/.cargo-home" CARGO_HTTP_CAINFO="$WS/ca.pem" GIT_SSL_CAINFO="$WS/ca.pem" \
		CARGO_NET_GIT_FETCH_WITH_CLI=true CARGO_REGISTRIES_RF_INDEX="https://cargo.test:$WWW_PORT/index.git" \
		sh -c "cd '$WS/app' && cargo run -q"
	expect_rc 0 "cargo fetches a crate from an allowlisted registry"
	expect_out "triple: 42" "the program built with it"
}

t_config_file_rules_and_sources() {
	www_start "$(www_dir)"
	local cfg=$RF_TEST_TMP/net-config.toml
	printf '[network]\nmode = "allowlist"\nallowed_domains = ["www.test", "127.0.0.1"]\ndenied_domains = ["evil.test"]\n' >"$cfg"
	sbp --config "$cfg" --verbose --proxy-resolve www.test=127.0.0.1 -- sh -c \
		"curl -fsS --max-time 10 http://www.test:$WWW_PORT/ && curl -fsS --max-time 10 http://evil.test/"
	expect_out "HOST-WWW-CONTENT" "allowed by the config file"
	expect_err "from $cfg:3" "the allowing rule's source"
	expect_reported "evil.test:80" "network:deny:evil.test"
	expect_err "$cfg:4" "the refusing rule's source"
}
