# ringfence explain: its answer for a table of paths must be what a real
# sandbox does with them, path by path (same policy, same flags), and what
# the table expects; hosts are answered from the network policy with the
# rule and its source.
# shellcheck shell=bash disable=SC2016
. "${BASH_SOURCE[0]%/*}/_config.bash"

# _agree [FLAGS...] -- PATH EXPECTED
# EXPECTED is three characters, read/write/execute: r or -, w or -, x or -
# (or . for "do not try": executing a data file means nothing). The explain
# answer must match EXPECTED, and so must a sandbox run with the same flags:
# read = cat (ls for a directory), write = append (create when missing),
# execute = running it. Reads of paths that do not exist are not compared
# (nothing to read), but explain must say they do not exist.
_agree() {
	local flags=() path want got real
	while [ "$1" != -- ]; do flags+=("$1"); shift; done
	shift
	path=$1 want=$2
	rf explain --read-only "$RF_BIN" "${flags[@]}" --json "$path"
	[ "$RC" = 0 ] || { _fail "explain $path: rc $RC: $ERR"; return; }
	local exists r w x
	exists=$(json_get 'int(j["exists"])') r=$(json_get '"r" if j["read"] else "-"')
	w=$(json_get '"w" if j["write"] else "-"') x=$(json_get '"x" if j["exec"] else "-"')
	got="$r$w${want:2:1}"
	[ "${want:2:1}" = . ] || got="$r$w$x"
	[ "$got" = "$want" ] || _fail "explain ${flags[*]} $path: said $got, the table expects $want ($OUT)"

	# the sandbox, with the same flags
	local rr="-" rw="-" rx="-"
	if [ "$exists" = 1 ]; then
		sbp "${flags[@]}" -- sh -c 'if [ -d "$1" ]; then ls "$1"; else cat "$1"; fi >/dev/null' sh "$path"
		[ "$RC" = 0 ] && rr=r
	else
		rr=$r # nothing there to read
	fi
	if [ -d "$path" ]; then
		rw=$w # directories: judged by what explain says of their entries
	else
		sbp "${flags[@]}" -- sh -c 'echo ringfence-agree >> "$1"' sh "$path"
		[ "$RC" = 0 ] && rw=w
	fi
	if [ "${want:2:1}" != . ]; then
		sbp "${flags[@]}" -- sh -c '"$1" </dev/null >/dev/null 2>&1; [ $? -lt 126 ]' sh "$path"
		[ "$RC" = 0 ] && rx=x
	fi
	real="$rr$rw${want:2:1}"
	[ "${want:2:1}" = . ] || real="$rr$rw$rx"
	[ "$real" = "$want" ] || _fail "sandbox ${flags[*]} $path: did $real, explain said $got (expected $want)"
}

t_explain_agrees_with_run() {
	git_repo
	rf_setup_bin
	echo data >"$WS/file"
	mkdir -p "$WS/secret" "$RF_TEST_TMP/ro-$$" "$RF_TEST_TMP/wr-$$"
	echo s >"$WS/secret/s"
	echo ro >"$RF_TEST_TMP/ro-$$/f"
	echo wr >"$RF_TEST_TMP/wr-$$/f"
	chmod 777 "$RF_TEST_TMP/wr-$$"
	chmod 666 "$RF_TEST_TMP/wr-$$/f"
	ln -s "$FAKE_HOME/.ssh/id_rsa" "$WS/key-link"
	ln -s /etc/hostname "$WS/hostname-link"
	cp /usr/bin/true "$WS/a.out"

	_agree -- "$WS/file" "rw."
	_agree -- "$WS/new-file" "rw."
	_agree -- "$WS/.git/config" "r-."
	_agree -- "$WS/.git/hooks/pre-commit" "r-."
	_agree -- "$WS/.git/info/attributes" "r-."
	_agree -- "$WS/.git/objects/planted" "rw."
	_agree -- "$WS/.ringfence/config.toml" "r-."
	_agree -- "$FAKE_HOME/.ssh/id_rsa" "---"
	_agree -- "$FAKE_HOME/.ssh" "---"
	_agree -- "$FAKE_HOME/.netrc" "---"
	_agree -- "$FAKE_HOME/.aws/credentials" "---"
	_agree -- "$FAKE_HOME/.bashrc" "r-."
	_agree -- "$WS/key-link" "---"
	_agree -- "$WS/hostname-link" "r-."
	_agree -- /etc/hostname "r-."
	_agree -- /etc/shadow "---"
	_agree -- /tmp/new-file "rw."
	_agree -- /mnt/anything "---"
	_agree -- /usr/bin/cat "r-x"
	_agree -- "$WS/a.out" "rwx"
	_agree --sandbox-mode read-only -- "$WS/file" "r-."
	_agree --sandbox-mode read-only -- /tmp/new-file "rw."
	_agree --hide "$WS/secret" -- "$WS/secret/s" "---"
	_agree --read-only "$RF_TEST_TMP/ro-$$" -- "$RF_TEST_TMP/ro-$$/f" "r-."
	_agree --writable-root "$RF_TEST_TMP/wr-$$" -- "$RF_TEST_TMP/wr-$$/f" "rw."
	_agree --protect data -- "$WS/data" "r-."
	_agree --mode plan -- "$WS/file" "r--"
	_agree --mode plan -- /usr/bin/cat "r-x"
	_agree --mode plan -- /usr/bin/python3 "r--"
	_agree --mode plan -- "$WS/a.out" "r--"
	ws_config <<<$'[filesystem]\nhidden = ["file"]'
	_agree -- "$WS/file" "---"
}

t_explain_names_rule_and_source() {
	global_config <<<$'[filesystem]\nhidden = ["~/notes"]'
	mkdir -p "$FAKE_HOME/notes"
	rf explain "$FAKE_HOME/notes/x"
	expect_rc 0 "explain"
	expect_out "rule     hidden:~/notes" "the rule"
	expect_out "source   $GLOBAL_CONFIG:2" "its source"
	git_repo
	rf explain --json "$WS/.git/hooks/pre-commit"
	expect_true test "$(json_get 'j["rule"]')" = "protected:.git/hooks"
	expect_true test "$(json_get 'j["source"]')" = "default"
	rm -rf "$WS/.git"
	rf explain --json "$WS/.git/hooks/pre-commit"
	expect_true test "$(json_get 'j["write"]')" = False
	expect_true test "$(json_get 'j["exists"]')" = False
	echo x >"$WS/x"
	rf explain --hide "$WS/x" --json "$WS/x"
	expect_true test "$(json_get 'j["source"]')" = "--hide"
}

t_explain_refuses_like_run() {
	ws_config <<<'sandbox_mode = "danger-full-access"'
	rf explain "$WS/file"
	expect_rc 125 "explain of a policy run would refuse"
	expect_err "would widen the policy" "the same reason"
}

t_explain_hosts() {
	rf explain example.com:443
	expect_out "connect  denied" "offline by default"
	expect_out "rule     network:offline" "the rule"
	rf explain --network online --json example.com:443
	expect_true test "$(json_get 'j["connect"]')" = True
	expect_true test "$(json_get 'j["source"]')" = "--network"
	global_config <<'EOF'
[network]
mode = "allowlist"
allowed_domains = ["registry.npmjs.org", "*.example.com:443"]
denied_domains = ["evil.example.com"]
host_ports = [5432]
EOF
	rf explain --json registry.npmjs.org:443
	expect_true test "$(json_get 'j["connect"]')" = True
	expect_true test "$(json_get 'j["rule"]')" = "network:allow:registry.npmjs.org"
	expect_true test "$(json_get 'j["source"]')" = "$GLOBAL_CONFIG:3"
	rf explain --json A.Example.COM.:443
	expect_true test "$(json_get 'j["connect"]')" = True
	rf explain --json a.example.com:80
	expect_true test "$(json_get 'j["connect"]')" = False
	rf explain --json example.com:443
	expect_true test "$(json_get 'j["connect"]')" = False
	rf explain --json evil.example.com:443
	expect_true test "$(json_get 'j["rule"]')" = "network:deny:evil.example.com"
	expect_true test "$(json_get 'j["source"]')" = "$GLOBAL_CONFIG:4"
	rf explain --json 127.0.0.1:5432
	expect_true test "$(json_get 'j["rule"]')" = "host-port:5432"
	rf explain --json 127.0.0.1:6000
	expect_true test "$(json_get 'j["detail"]')" = "the sandbox has its own loopback: this reaches servers started inside the sandbox, never the host's"
	rf explain --json '[::1]:x'
	expect_rc 125 "a bad port"
}

# The host answer against a real connection: a server on the host's own
# (non-loopback) address, offline and online.
t_explain_host_agrees_with_run() {
	local ip port
	ip=$(ip -4 -o addr show scope global 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | head -1)
	[ -n "$ip" ] || { echo "    # (no global IPv4 address on this host; not exercised)" >&2; return 0; }
	port=$(free_port)
	"$HOST_PY" -c 'import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(8)
t=time.time()+20
s.settimeout(20)
while time.time() < t:
    try: c,_=s.accept(); c.close()
    except Exception: break' "$port" &
	local srv=$!
	wait_for 5 sh -c "ss -ltn 2>/dev/null | grep -q ':$port '" || true
	rf explain --json "$ip:$port"
	expect_true test "$(json_get 'j["connect"]')" = False
	sbp -- "$PROBE" connect-tcp "$ip" "$port"
	expect_denied "offline: the host's address"
	rf explain --network online --json "$ip:$port"
	expect_true test "$(json_get 'j["connect"]')" = True
	sbp --network online -- "$PROBE" connect-tcp "$ip" "$port"
	expect_rc 0 "online: the host's address"
	kill "$srv" 2>/dev/null
	wait "$srv" 2>/dev/null
}
