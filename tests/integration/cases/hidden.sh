# Hidden paths: credentials under $HOME, sensitive system files, other users'
# homes and the host's /tmp are invisible or unreadable; ordinary home files
# stay readable.
# shellcheck shell=bash disable=SC2016,SC2088,SC2119
. "${BASH_SOURCE[0]%/*}/_common.bash"

t_ssh_key_unreadable() {
	sbp -- sh -c "cat '$FAKE_HOME/.ssh/id_rsa'; $PROBE read '$FAKE_HOME/.ssh/id_rsa'"
	expect_denied "read ~/.ssh/id_rsa"
	expect_not_out "SECRET-SSH-KEY" "ssh key content"
}

t_ssh_dir_not_listable() {
	sbp -- ls -la "$FAKE_HOME/.ssh"
	expect_denied "list ~/.ssh"
	expect_not_out "id_rsa" "listing of ~/.ssh"
	sbp -- "$PROBE" list "$FAKE_HOME/.ssh"
	expect_denied "opendir ~/.ssh"
}

t_aws_credentials_unreadable() {
	sbp -- cat "$FAKE_HOME/.aws/credentials"
	expect_denied "read ~/.aws/credentials"
	expect_not_out "SECRET-AWS" "aws content"
	sbp -- ls "$FAKE_HOME/.aws"
	expect_not_out "credentials" "listing of ~/.aws"
}

t_netrc_unreadable() {
	sbp -- cat "$FAKE_HOME/.netrc"
	expect_denied "read ~/.netrc"
	expect_not_out "SECRET-NETRC" "netrc content"
}

t_other_default_secrets_unreadable() {
	mkdir -p "$FAKE_HOME/.gnupg" "$FAKE_HOME/.kube" "$FAKE_HOME/.docker" "$FAKE_HOME/.config/gh"
	echo SECRET-GPG >"$FAKE_HOME/.gnupg/private.key"
	echo SECRET-KUBE >"$FAKE_HOME/.kube/config"
	echo SECRET-DOCKER >"$FAKE_HOME/.docker/config.json"
	echo SECRET-GH >"$FAKE_HOME/.config/gh/hosts.yml"
	echo SECRET-GCLOUD >"$FAKE_HOME/.config/gcloud/credentials.db"
	echo SECRET-GITCRED >"$FAKE_HOME/.git-credentials"
	local f
	for f in .gnupg/private.key .kube/config .docker/config.json .config/gh/hosts.yml \
		.config/gcloud/credentials.db .git-credentials; do
		sbp -- cat "$FAKE_HOME/$f"
		expect_denied "read ~/$f"
		expect_not_out "SECRET-" "content of ~/$f"
	done
}

t_secrets_not_found_by_tree_walk() {
	sbp -- sh -c "grep -rs SECRET- '$FAKE_HOME'; find '$FAKE_HOME' -name id_rsa; tar cf - '$FAKE_HOME' 2>/dev/null | grep -a -o 'SECRET-[A-Z-]*'; true"
	expect_rc 0 "walk the home"
	expect_not_out "SECRET-" "secrets found by grep -r / tar"
	expect_not_out "id_rsa" "find -name id_rsa"
}

t_secrets_not_reachable_via_proc_root() {
	sbp -- sh -c "cat /proc/self/root$FAKE_HOME/.ssh/id_rsa; cat /proc/1/root$FAKE_HOME/.ssh/id_rsa; cat /proc/1/cwd/../$(basename "$FAKE_HOME")/.netrc"
	expect_denied "read through /proc/*/root"
	expect_not_out "SECRET-" "secret via /proc"
}

t_secret_not_copyable_into_workspace() {
	sbp -- cp "$FAKE_HOME/.ssh/id_rsa" "$WS/stolen"
	expect_denied "cp ~/.ssh/id_rsa into the workspace"
	expect_true test ! -s "$WS/stolen"
}

t_home_ordinary_files_readable() { # neighbour
	mkdir -p "$FAKE_HOME/.config/editor" && echo theme=dark >"$FAKE_HOME/.config/editor/settings"
	sbp -- sh -c "cat '$FAKE_HOME/.bashrc' && cat '$FAKE_HOME/.config/editor/settings' && ls -a '$FAKE_HOME'"
	expect_rc 0 "read ~/.bashrc and ~/.config/editor/settings"
	expect_out "export OK=1" ".bashrc content"
	expect_out "theme=dark" "settings content"
	expect_out ".bashrc" "home listing"
}

t_etc_shadow_unreadable() {
	sbp -- sh -c "cat /etc/shadow; cat /etc/gshadow; $PROBE read /etc/shadow"
	expect_denied "read /etc/shadow (caller uid $(id -u))"
	expect_not_out "root:" "shadow content"
	expect_not_out "daemon:" "shadow content"
}

t_etc_passwd_readable() { # neighbour
	sbp -- sh -c "cat /etc/passwd && id -un"
	expect_rc 0 "read /etc/passwd"
	expect_out "root:x:0:0" "passwd content"
}

t_other_homes_not_visible() {
	local d dirs=""
	for d in /home/* /root; do
		[ -d "$d" ] || continue
		[ "$d" = "$FAKE_HOME" ] && continue
		dirs="$dirs $d"
	done
	[ -n "$dirs" ] || return 0 # nothing to hide on this host
	# shellcheck disable=SC2086
	sbp -- sh -c 'for d in "$@"; do ls -A "$d" 2>/dev/null | sed "s|^|$d: |"; done; ls /home 2>/dev/null | sed "s|^|/home: |"' sh $dirs
	expect_rc 0 "list other homes"
	for d in $dirs; do expect_not_out "$d: " "entries of $d"; done
	expect_not_out "/home: " "entries of /home"
}

t_real_home_of_caller_not_visible() {
	# HOME is the fake home, so the caller's real home must not be mounted.
	local real; real=$(getent passwd "$(id -u)" | cut -d: -f6)
	[ -d "$real" ] && [ "$real" != / ] || return 0
	sbp -- ls -A "$real"
	expect_true test -z "$OUT"
}

t_host_tmp_not_visible() {
	local f; f=$(mktemp /tmp/rf-hostmark.XXXXXX)
	echo HOST-TMP-DATA >"$f"
	sbp -- sh -c "ls -A /tmp; cat '$f'; $PROBE stat '$f'"
	rm -f "$f"
	expect_denied "stat a host /tmp file"
	expect_not_out "$(basename "$f")" "host /tmp listing"
	expect_not_out "HOST-TMP-DATA" "host /tmp file content"
}

t_host_tmp_siblings_of_workspace_not_visible() {
	# The workspace lives under the host /tmp; its siblings must stay hidden.
	local sib; sib=$(mktemp -d "$RF_TEST_TMP/sibling.XXXXXX")
	echo SIBLING-DATA >"$sib/data"
	sbp -- sh -c "ls -A '$RF_TEST_TMP'; cat '$sib/data'"
	expect_not_out "SIBLING-DATA" "sibling content"
	expect_not_out "sibling." "sibling in listing"
}

t_workspace_visible_under_tmp() { # neighbour
	echo ws-data >"$WS/file"
	sbp -- cat "$WS/file"
	expect_rc 0 "read the workspace (which lives under the host /tmp)"
	expect_out "ws-data" "content"
}

t_agent_credentials_unreadable() {
	mkdir -p "$FAKE_HOME/.codex" "$FAKE_HOME/.claude" "$FAKE_HOME/.config/github-copilot"
	echo '{"OPENAI_API_KEY": "SECRET-CODEX"}' >"$FAKE_HOME/.codex/auth.json"
	echo '{"token": "SECRET-CLAUDE"}' >"$FAKE_HOME/.claude/.credentials.json"
	echo 'SECRET-COPILOT' >"$FAKE_HOME/.config/github-copilot/hosts.json"
	echo '{"theme": "dark"}' >"$FAKE_HOME/.claude/settings.json"
	sbp -- sh -c 'cat ~/.codex/auth.json ~/.claude/.credentials.json ~/.config/github-copilot/hosts.json; cat ~/.claude/settings.json'
	expect_not_out "SECRET-" "an agent's own API credentials"
	expect_out '"theme"' "the agent's ordinary settings stay readable" # neighbour
	sbp -- sh -c 'echo "{\"permissions\": \"all\"}" > ~/.claude/settings.json'
	expect_denied "rewrite the agent's own settings"
	expect_true grep -q theme "$FAKE_HOME/.claude/settings.json"
}
