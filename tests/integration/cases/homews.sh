# The home as the workspace (or a writable root, or inside one): its startup
# and config files run outside the sandbox at your next login, shell, git
# command or editor start. Refused unless --allow-home-write; with it, the
# dotfiles, ~/bin and the home's repositories' hooks and config stay
# read-only and nothing new can be made directly in the home.
# shellcheck shell=bash disable=SC2016
. "${BASH_SOURCE[0]%/*}/_common.bash"

# A home $VH outside /tmp (the sandbox's private /tmp is writable to
# Landlock, and that right reaches whatever is mounted beneath it), with the
# usual dotfiles, a symlinked one, a project repository and a deeper one.
_home_setup() {
	VT=$(mktemp -d /var/tmp/rf-it-home.XXXXXX) || return 1
	chmod 755 "$VT"
	# shellcheck disable=SC2064
	trap "rm -rf '$VT'" EXIT
	VH="$VT/home"
	mkdir -p "$VH/.config/git" "$VH/.local/bin" "$VH/.claude" "$VH/bin" "$VH/dotfiles" "$VH/src/org" \
		"$VH/Documents" "$VH/.ssh"
	echo 'export OK=1' >"$VH/.bashrc"
	echo 'PATH="$HOME/bin:$PATH"' >"$VH/.profile"
	printf '[user]\n\tname = rf\n\temail = rf@example.invalid\n' >"$VH/.gitconfig"
	echo '{}' >"$VH/.claude/settings.json"
	echo SECRET-IN-VH >"$VH/.ssh/id_rsa"
	echo 'setopt x' >"$VH/dotfiles/zshrc"
	ln -s dotfiles/zshrc "$VH/.zshrc"
	echo notes >"$VH/Documents/notes.txt"
	git_repo "$VH/proj"
	git_repo "$VH/src/org/deep"
	MARKER="$VT/pwned"
}

# ringfence with HOME=$VH and the workspace $1; sets RC OUT ERR
_hrun() {
	local ws=$1
	shift
	rf_setup_bin
	(cd "$ws" && HOME="$VH" sb_raw run --workspace "$ws" --read-only "$RF_BIN" "$@"
		printf '%s\n' "$RC" >"$VT/rc"; printf '%s' "$OUT" >"$VT/out"; printf '%s' "$ERR" >"$VT/err")
	RC=$(cat "$VT/rc") OUT=$(cat "$VT/out") ERR=$(cat "$VT/err")
}

_dotfile_digest() {
	(cd "$VH" && find .bashrc .profile .gitconfig .config .local .claude bin dotfiles proj/.git/hooks \
		proj/.git/config src/org/deep/.git/config -printf '%y %p %l\n' 2>/dev/null | LC_ALL=C sort &&
		find .bashrc .profile .gitconfig .config .local .claude bin dotfiles proj/.git/config -type f \
			-print0 2>/dev/null | LC_ALL=C sort -z | xargs -0 -r sha256sum)
	ls -a "$VH"
}

t_homews_refused_without_flag() {
	_home_setup
	_hrun "$VH" -- sh -c "touch '$MARKER'"
	expect_rc 125 "the home as workspace"
	expect_err "it is your home directory" "the reason"
	expect_err "--allow-home-write" "the way out"
	expect_true test ! -e "$MARKER"
	expect_true test "$(printf '%s\n' "$ERR" | wc -l)" = 1
}

t_homews_writable_root_refused_without_flag() {
	_home_setup
	rf_setup_bin
	HOME="$VH" sb_raw run --workspace "$WS" --writable-root "$VH" -- sh -c "touch '$MARKER'"
	expect_rc 125 "the home as a writable root"
	expect_err "it is your home directory" "the reason"
	expect_true test ! -e "$MARKER"
}

t_homews_ancestor_refused_without_flag() {
	_home_setup
	_hrun "$VT" -- sh -c "touch '$MARKER'"
	expect_rc 125 "a directory that holds the home"
	expect_err "it holds your home directory" "the reason"
	rf_setup_bin
	HOME="$VH" sb_raw run --workspace "$WS" --writable-root "$VT" -- sh -c "touch '$MARKER'"
	expect_rc 125 "a writable root that holds the home"
	expect_true test ! -e "$MARKER"
}

t_homews_ancestor_with_flag_guarded() {
	# accepted with the flag: the dotfiles stay read-only, the home cannot
	# be renamed away; that nothing new can be made at its top does not
	# hold under a writable parent, and the run says so
	_home_setup
	_hrun "$VT" --allow-home-write -- sh -c "echo 'touch $MARKER' >> home/.bashrc; mv home home.old; echo RAN"
	expect_out "RAN" "it runs"
	expect_err "cannot be prevented" "the warning"
	expect_true test "$(cat "$VH/.bashrc")" = "export OK=1"
	expect_true test -d "$VH" -a ! -e "$VT/home.old"
}

t_homews_read_only_mode_not_refused() { # neighbour: nothing is writable
	_home_setup
	_hrun "$VH" --sandbox-mode read-only -- cat .bashrc
	expect_rc 0 "the home as workspace, read-only mode"
	expect_out "export OK=1" "reads it"
}

t_homews_startup_files_not_plantable() {
	_home_setup
	_hrun "$VH" --allow-home-write -- true # makes the package caches, once
	local before
	before=$(_dotfile_digest)
	local attempt
	for attempt in \
		"echo 'touch $MARKER' >> .bashrc" \
		"echo 'touch $MARKER' > .profile" \
		"printf '[core]\n\tfsmonitor = touch $MARKER\n' >> .gitconfig" \
		"echo 'touch $MARKER' > .bash_profile" \
		"echo 'touch $MARKER' > .bash_login" \
		"echo 'touch $MARKER' > .zshenv" \
		"ln -s dotfiles/evil .xsession" \
		"mkdir .vim" \
		"mkdir -p .config/autostart && echo x > .config/autostart/x.desktop" \
		"mkdir -p .config/systemd/user" \
		"printf '[core]\n\thooksPath = /x\n' > .config/git/config" \
		"echo x > .local/bin/git" \
		"echo x > bin/ls" \
		"echo '{\"permissions\":{\"allow\":[\"*\"]}}' > .claude/settings.json" \
		"mkdir -p .config/ringfence && echo 'trusted_workspaces = [\"/\"]' > .config/ringfence/config.toml" \
		"echo 'touch $MARKER' >> .zshrc" \
		"echo 'touch $MARKER' >> dotfiles/zshrc" \
		"printf '#!/bin/sh\ntouch $MARKER\n' > proj/.git/hooks/pre-commit" \
		"printf '[core]\n\tfsmonitor = touch $MARKER\n' >> src/org/deep/.git/config" \
		"mv proj proj.old" \
		"mv .config .config.old" \
		"mv '$VH' '$VH.old'"; do
		_hrun "$VH" --allow-home-write -- sh -c "$attempt"
		expect_denied "$attempt"
	done
	expect_true test "$(_dotfile_digest)" = "$before"
	(cd "$VH/proj" && HOME="$VH" git commit -q --allow-empty -m x && HOME="$VH" git status >/dev/null)
	(cd "$VH/src/org/deep" && HOME="$VH" git status >/dev/null 2>&1)
	expect_true test ! -e "$MARKER"
}

t_homews_honest_work_works() { # neighbour: the home's ordinary directories are the workspace
	_home_setup
	_hrun "$VH" --allow-home-write -- sh -c 'set -e
		echo more >> Documents/notes.txt
		cd proj && echo a > a.c && mkdir -p build && echo obj > build/a.o && git add a.c && git commit -qm a
		git checkout -q -b topic && git log --oneline -1 && cd ..
		mkdir -p src/org/deep/sub && echo x > src/org/deep/sub/x && git -C src/org/deep status --short
		echo cached > .cache/tool.db && cat .bashrc && cat .ssh/id_rsa 2>/dev/null || echo SSH-HIDDEN
		echo HONEST-OK'
	expect_rc 0 "work in the home's directories"
	expect_out "HONEST-OK" "all steps"
	expect_out "SSH-HIDDEN" "secrets still hidden"
	expect_not_out "SECRET-IN-VH" "the secret"
	expect_true test "$(tail -1 "$VH/Documents/notes.txt")" = more
	expect_true test "$(git -C "$VH/proj" log --oneline -1 --format=%s)" = a
	expect_true test ! -e "$VH/.cache/tool.db" # a private layer
}

t_homews_new_entries_refused_explained() {
	_home_setup
	_hrun "$VH" --allow-home-write -- sh -c 'mkdir newproject'
	expect_denied "a new directory directly in the home"
	rf_setup_bin
	(cd "$VH" && HOME="$VH" "$RINGFENCE" explain --allow-home-write "$VH/.bash_profile" "$VH/.bashrc" \
		>"$VT/explain" 2>&1)
	OUT=$(cat "$VT/explain")
	expect_out "nothing can be created directly in the writable home" "explain says why"
	expect_out "protected:~/.bashrc (writable home)" "explain names the rule"
}

t_homews_under_tmp_says_what_does_not_hold() {
	# beneath the private /tmp (the fake home of every other test) Landlock
	# cannot keep the home's top free of new files: the run says so
	rf_setup_bin
	cd "$FAKE_HOME" || return 1
	HOME="$FAKE_HOME" sb_raw run --workspace "$FAKE_HOME" --allow-home-write -- sh -c 'echo x >> .bashrc; echo RAN'
	cd "$WS" || return 1
	expect_out "RAN" "it runs"
	expect_err "cannot be prevented" "the warning"
	expect_true test "$(cat "$FAKE_HOME/.bashrc")" = "export OK=1" # the dotfile itself is protected
}

t_homews_config_writable_root_warns() { # neighbour: an explicit grant inside the home is taken, and named
	mkdir -p "$FAKE_HOME/.config/tool"
	sb --writable-root "$FAKE_HOME/.config/tool" -- sh -c "echo x > '$FAKE_HOME/.config/tool/state' && echo OK"
	expect_rc 0 "a writable root inside ~/.config"
	expect_out "OK" "writes there"
	expect_err "is configuration in your home" "the warning"
}
