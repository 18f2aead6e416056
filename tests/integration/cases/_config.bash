# Helpers for the config, modes, explain and status case files (sourced, not
# a case file). The global config is $FAKE_HOME/.config/ringfence/config.toml
# (tests/integration/run unsets XDG_CONFIG_HOME), the workspace config
# $WS/.ringfence/config.toml.
# shellcheck shell=bash
. "${BASH_SOURCE[0]%/*}/_common.bash"

GLOBAL_CONFIG_DIR="$FAKE_HOME/.config/ringfence"
GLOBAL_CONFIG="$GLOBAL_CONFIG_DIR/config.toml"
WS_CONFIG="$WS/.ringfence/config.toml"

# global_config <<EOF ... EOF / ws_config <<EOF ... EOF
global_config() { mkdir -p "$GLOBAL_CONFIG_DIR" && cat >"$GLOBAL_CONFIG"; }
ws_config() { mkdir -p "$WS/.ringfence" && cat >"$WS_CONFIG"; }

# rf SUBCOMMAND [args]: ringfence status/explain/doctor as the sandbox would
# see this test's workspace and home; sets RC, OUT, ERR.
rf() {
	local sub=$1
	shift
	if [ "$sub" = doctor ]; then
		HOME="$FAKE_HOME" run_captured "$RINGFENCE" doctor "$@"
	else
		HOME="$FAKE_HOME" run_captured "$RINGFENCE" "$sub" --workspace "$WS" "$@"
	fi
}

# json_get EXPR: evaluate a Python expression on the JSON in $OUT (as `j`).
json_get() {
	printf '%s' "$OUT" | "$HOST_PY" -c 'import json,sys; j=json.load(sys.stdin); print('"$1"')'
}

# The network interfaces the sandbox sees (its own netns: only lo).
NET_IFACES='tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | sort | tr "\n" " "'
