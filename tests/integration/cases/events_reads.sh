# --audit-reads: opens of hidden paths are reported too (by their cover's
# identity, so through symlinks and ".." as well); honest reads are not.
# shellcheck shell=bash disable=SC2016,SC2088
. "${BASH_SOURCE[0]%/*}/_events.bash"

H="$FAKE_HOME"

t_hidden_reads_reported() {
	ln -s "$H/.ssh/id_rsa" "$WS/key-link"
	ln -s "$H/.ssh" "$WS/dir-link"
	ln -s "$H/.netrc" "$WS/netrc-link"
	evsb --audit-reads -- sh -c "
		$PROBE read $H/.ssh/id_rsa; $PROBE list $H/.ssh; $PROBE read $H/.netrc; $PROBE read $H/.aws/credentials
		$PROBE read $WS/key-link; $PROBE read $WS/dir-link/id_rsa; $PROBE open RDONLY $H/.ssh/../.ssh/id_rsa
		cat $H/.netrc; $PROBE read $WS/netrc-link; $HOST_PY -c 'open(\"$H/.aws/credentials\")'
		true" 2>/dev/null
	expect_rc 0 "sandbox"
	expect_not_out "SECRET" "nothing leaked"
	expect_stream
	{
		row 2 read "$H/.ssh/id_rsa" 'hidden:~/.ssh' EACCES
		row 1 read "$H/.ssh" 'hidden:~/.ssh' EACCES
		row 3 read "$H/.netrc" 'hidden:~/.netrc' EACCES # the link's read names the file it reached
		row 2 read "$H/.aws/credentials" 'hidden:~/.aws' EACCES
		row 1 read "$WS/key-link" 'hidden:~/.ssh' EACCES
		row 1 read "$WS/dir-link/id_rsa" 'hidden:~/.ssh' EACCES
	} | expect_table "hidden reads"
}

t_system_secret_read_reported() {
	[ -e /etc/shadow ] || { echo "    # (no /etc/shadow on this host)" >&2; return 0; }
	evsb --audit-reads -- "$PROBE" read /etc/shadow
	expect_rc 1 "denied"
	row 1 read /etc/shadow 'hidden:/etc/shadow' EACCES | expect_table "/etc/shadow"
}

t_static_and_python_hidden_reads() {
	rf_setup_bin
	local P=$PROBE
	[ -x "$PROBE_STATIC" ] && P=$PROBE_STATIC
	evsb --audit-reads -- sh -c "$P read $H/.ssh/id_rsa; $HOST_PY -c 'import os; os.listdir(\"$H/.ssh\")'; true" 2>/dev/null
	expect_rc 0 "sandbox"
	{
		row 1 read "$H/.ssh/id_rsa" 'hidden:~/.ssh' EACCES
		row 1 read "$H/.ssh" 'hidden:~/.ssh' EACCES exe=*python3*
	} | expect_table "static and python"
}

t_honest_reads_report_nothing() { # neighbour
	git_repo
	evsb --audit-reads -- sh -c "
		set -e
		cat /etc/hostname >/dev/null; ls /usr/bin >/dev/null; cat $H/.bashrc >/dev/null
		git status >/dev/null; git log --oneline >/dev/null; $PROBE open PATH $H/.ssh; $PROBE stat $H/.ssh
		$HOST_PY -c 'import json, os; os.listdir(\"/etc\")'
		printf 'int main(void){return 0;}' > m.c && cc -o m m.c && ./m
		true" >/dev/null
	expect_rc 0 "honest reads"
	expect_stream
	expect_no_violation "honest reads, O_PATH and stat"
	expect_true test "$(evq get RunStarted audit)" = reads
}
