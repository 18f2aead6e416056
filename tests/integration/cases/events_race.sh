# Time of check, time of use: a second thread rewrites the path buffer
# while the supervisor reads and checks it. Whatever the supervisor saw,
# the access the command gets is never more than the kernel layers allow
# (the supervisor only refuses, or lets the kernel decide on what it reads
# then), and no violation names a path that was allowed.
# shellcheck shell=bash disable=SC2016,SC2088
. "${BASH_SOURCE[0]%/*}/_events.bash"

H="$FAKE_HOME"
N=4000

# Every violation names $1 (nothing else was refused).
_only_target() {
	local others
	others=$(evq list | awk -v t="$1" '$2 != t' | head -5)
	[ -z "$others" ] || _fail "violations for other targets: $others"
}

# The fake home, less the package caches ringfence itself makes there
# (~/.npm, ~/.cache, ~/.cargo/... are created empty on first use).
_home_listing() {
	find "$H" -mindepth 1 -printf '%p %y %s %m %T@\n' |
		grep -v -E "^$H/(\.cache|\.cargo|\.npm|go|\.m2|\.gradle|\.local/share/pnpm|\.yarn)( |/)" | sort
}

t_race_append_never_writes_the_read_only_file() {
	echo ok >"$WS/ok"
	local before
	before=$(_home_listing)
	evsb -- "$PROBE" race append "$WS/ok" "$H/.bashrc" "$N"
	expect_rc 0 "race ran"
	expect_out "ALLOWED race append" "probe"
	expect_stream
	expect_true test "$(cat "$H/.bashrc")" = "export OK=1"
	expect_true test "$before" = "$(_home_listing)"
	expect_true grep -q RACE "$WS/ok" # the allowed path was written: the race really ran both ways
	_only_target "$H/.bashrc"
}

t_race_create_never_plants_a_hook() {
	git_repo
	evsb -- "$PROBE" race create "$WS/new-a" "$WS/.git/hooks/pre-commit" "$N"
	expect_rc 0 "race ran"
	expect_stream
	expect_true test ! -e "$WS/.git/hooks/pre-commit"
	_only_target "$WS/.git/hooks/pre-commit"
}

t_race_read_never_leaks_a_hidden_file() {
	echo public >"$WS/public"
	evsb --audit-reads -- "$PROBE" race read "$WS/public" "$H/.ssh/id_rsa" "$N"
	expect_rc 0 "race ran"
	expect_not_out "LEAK" "the secret was never read"
	expect_stream
	_only_target "$H/.ssh/id_rsa"
}

t_race_chmod_never_changes_the_read_only_file() {
	echo f >"$WS/f"
	chmod 644 "$H/.bashrc"
	evsb -- "$PROBE" race chmod "$WS/f" "$H/.bashrc" "$N"
	expect_rc 0 "race ran"
	expect_stream
	expect_true test "$(stat -c %a "$H/.bashrc")" = 644
	expect_true test "$(stat -c %a "$WS/f")" = 600
	_only_target "$H/.bashrc"
}
