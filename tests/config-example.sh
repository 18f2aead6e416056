#!/bin/bash
# The example config of docs/config.md, as a new user would use it: copy it,
# run `ringfence status`, change one thing, and see the change (with its
# FILE:LINE) in status. Also: the example is a valid config for `run`.
#   tests/config-example.sh RINGFENCE DOCS/config.md
set -u
rf=$(realpath "$1") doc=$(realpath "$2")
py=/usr/bin/python3
[ -x "$py" ] || py=python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$tmp/xdg/ringfence" "$tmp/ws" "$tmp/home"
cfg=$tmp/xdg/ringfence/config.toml
awk '/<!-- example-config:begin -->/{on=1; next} /<!-- example-config:end -->/{on=0} on && !/^```/' "$doc" >"$cfg"
[ -s "$cfg" ] || fail "no example between the example-config markers in $doc"

status() { (cd "$tmp/ws" && HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/xdg" "$rf" status "$@"); }
get() { "$py" -c 'import json,sys; j=json.load(sys.stdin); print('"$1"')'; }

json=$(status --json) || fail "status with the example config failed"
line=$(grep -n '^mode = "offline"' "$cfg" | cut -d: -f1)
[ -n "$line" ] || fail "the example has no 'mode = \"offline\"' line"
[ "$(get 'j["policy"]["network"]["value"]' <<<"$json")" = offline ] || fail "network is not offline"
[ "$(get 'j["policy"]["network"]["source"]' <<<"$json")" = "$cfg:$line" ] || fail "network's source is not $cfg:$line"
[ "$(get 'j["policy"]["sandbox_mode"]["source"]' <<<"$json")" = "$cfg:2" ] || fail "sandbox_mode's source"
[ "$(get 'j["policy"]["limits"]["timeout"]["value"]' <<<"$json")" = 1800.0 ] || fail "timeout = 30m"
[ "$(get 'j["agents"][0]["name"]' <<<"$json")" = claude ] || fail "the agent"
[ "$(get 'j["config_files"]["global"]["state"]' <<<"$json")" = loaded ] || fail "the file was not loaded"

# change one thing
sed -i 's/^mode = "offline"/mode = "online"/' "$cfg"
json=$(status --json) || fail "status after the change failed"
[ "$(get 'j["policy"]["network"]["value"]' <<<"$json")" = online ] || fail "the change is not in status"
[ "$(get 'j["policy"]["network"]["source"]' <<<"$json")" = "$cfg:$line" ] || fail "the change's source"
text=$(status) || fail "status (text) failed"
grep -Eq "^  network +online +$cfg:$line\$" <<<"$text" || fail "the text status lacks the changed line: $(grep network <<<"$text")"

# and it is a config run accepts
(cd "$tmp/ws" && HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/xdg" "$rf" run -- true) || fail "run with the example config"
echo "ok: the docs/config.md example, changed once, shows in status"
