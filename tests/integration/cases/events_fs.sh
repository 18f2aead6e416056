# Violation events for file calls: a table of attempted operations (every
# write-intent syscall form, through C, a static binary, the shell and
# python) against the events that come out. Every denial is reported once,
# with the operation, target, rule and errno; allowed operations and
# failures that are not the sandbox's (ENOENT, EEXIST, EXDEV) report nothing.
# shellcheck shell=bash disable=SC2016,SC2088
. "${BASH_SOURCE[0]%/*}/_events.bash"

H="$FAKE_HOME"

# Files in the fake home for every row to act on (each its own target).
_home_files() {
	local i
	for i in $(seq 1 40); do echo "f$i" >"$H/file$i"; done
	mkdir -p "$H/sub" "$H/sub2" "$H/sub3" "$H/sub4" "$H/custom"
	echo secret >"$H/custom/data"
	echo "SECRET-PGPASS" >"$H/.pgpass"
	echo ws >"$WS/ws.txt"
}

# The C probe (dynamic or static) through every syscall form.
_c_table_script() {
	local P=$1 u g
	u=$(id -u) g=$(id -g)
	printf '%s' "
		$P append $H/.bashrc; $P write $H/new1; $P open WRONLY\|TRUNC $H/file1; $P creat $H/new2
		$P openat2 WRONLY\|CREAT $H/new3; $P open WRONLY\|TMPFILE $H; $P openat-in $H WRONLY\|CREAT new4
		$P mkdir $H/d1; $P mkdirat-in $H d2; $P mkfifo $H/fifo1; $P mknodat-fifo $H/fifo2
		$P unlink $H/file2; $P unlinkat-in $H file3; $P rmdir $H/sub; $P rmdirat $H/sub2
		$P rename $H/file4 $H/r4; $P renameat $H/file5 $H/r5; $P renameat2 $H/file6 $H/r6 noreplace
		$P link $H/file7 $H/l7; $P linkat $WS/ws.txt $H/l8; $P symlink x $H/s9; $P symlinkat x $H/s10
		$P chmod $H/file11 0600; $P fchmodat $H/file12 0600; $P fchmodat2 $H/file13 0600
		$P chown-self $H/file14; $P chown $H/file15 $u $g; $P fchownat-self $H/file16
		$P truncate $H/file17; $P utimes $H/file18; $P utime $H/file19; $P utimes-tv $H/file20
		$P futimesat $H/file21; $P setxattr $H/file22; $P setxattr-follow $H/file23
		$P setxattrat $H/file24; $P removexattr $H/file25; $P lremovexattr $H/file26
		$P removexattrat $H/file27; $P fd-chmod $H/file28; $P fd-chown $H/file29
		$P fd-setxattr $H/file30; $P fd-removexattr $H/file31; $P fd-utimens $H/file32
		$P append $WS/.git/config; $P write $WS/.git/hooks/pre-commit; $P unlink $WS/.git/hooks/h1
		$P rename $WS/.git/config $WS/.git/c2; $P rmdir $WS/.git/hooks; $P rename $WS/.git $WS/.git2
		$P mkdir $WS/.ringfence/x
		$P write $H/.ssh/new; $P append $H/.netrc; $P open WRONLY\|TRUNC $H/.pgpass; $P chmod $H/.ssh 0777
		$P unlink $H/.ssh/id_rsa; $P rename $H/.aws $H/aws2; $P write $H/custom/x
		$P write /usr/rf-x; $P unlink /etc/hostname; $P mkdir /rf-root-x
		true"
}

_c_table_run() {
	_home_files
	git_repo
	echo hook >"$WS/.git/hooks/h1"
	evsb --hide "$H/custom" -- sh -c "$(_c_table_script "$1")"
}

_c_table_expect() {
	local W=$WS
	expect_stream "C table"
	{
		row 1 write "$H/.bashrc" 'read-only:~' EROFS source=default
		row 1 create "$H/new1" 'read-only:~' EROFS
		row 1 write "$H/file1" 'read-only:~' EROFS
		row 1 create "$H/new2" 'read-only:~' EROFS
		row 1 create "$H/new3" 'read-only:~' EROFS
		row 1 create "$H" 'read-only:~' EROFS
		row 1 create "$H/new4" 'read-only:~' EROFS
		row 1 mkdir "$H/d1" 'read-only:~' EROFS
		row 1 mkdir "$H/d2" 'read-only:~' EROFS
		row 1 mknod "$H/fifo1" 'read-only:~' EROFS
		row 1 mknod "$H/fifo2" 'read-only:~' EROFS
		row 1 unlink "$H/file2" 'read-only:~' EROFS
		row 1 unlink "$H/file3" 'read-only:~' EROFS
		row 1 rmdir "$H/sub" 'read-only:~' EROFS
		row 1 rmdir "$H/sub2" 'read-only:~' EROFS
		row 1 rename "$H/file4" 'read-only:~' EROFS "destination=$H/r4"
		row 1 rename "$H/file5" 'read-only:~' EROFS
		row 1 rename "$H/file6" 'read-only:~' EROFS
		row 1 link "$H/l7" 'read-only:~' EROFS "destination=$H/file7"
		row 1 link "$H/l8" 'read-only:~' EROFS "destination=$W/ws.txt"
		row 1 symlink "$H/s9" 'read-only:~' EROFS destination=x
		row 1 symlink "$H/s10" 'read-only:~' EROFS
		row 1 chmod "$H/file11" 'read-only:~' EROFS
		row 1 chmod "$H/file12" 'read-only:~' EROFS
		row 1 chmod "$H/file13" 'read-only:~' EROFS
		row 1 chown "$H/file14" 'read-only:~' EROFS
		row 1 chown "$H/file15" 'read-only:~' EROFS
		row 1 chown "$H/file16" 'read-only:~' EROFS
		row 1 truncate "$H/file17" 'read-only:~' EROFS
		row 1 utimes "$H/file18" 'read-only:~' EROFS
		row 1 utimes "$H/file19" 'read-only:~' EROFS
		row 1 utimes "$H/file20" 'read-only:~' EROFS
		row 1 utimes "$H/file21" 'read-only:~' EROFS
		row 1 setxattr "$H/file22" 'read-only:~' EROFS
		row 1 setxattr "$H/file23" 'read-only:~' EROFS
		row 1 setxattr "$H/file24" 'read-only:~' EROFS
		row 1 removexattr "$H/file25" 'read-only:~' EROFS
		row 1 removexattr "$H/file26" 'read-only:~' EROFS
		row 1 removexattr "$H/file27" 'read-only:~' EROFS
		row 1 chmod "$H/file28" 'read-only:~' EROFS
		row 1 chown "$H/file29" 'read-only:~' EROFS
		row 1 setxattr "$H/file30" 'read-only:~' EROFS
		row 1 removexattr "$H/file31" 'read-only:~' EROFS
		row 1 utimes "$H/file32" 'read-only:~' EROFS
		row 1 write "$W/.git/config" 'protected:.git/config' EROFS
		row 1 create "$W/.git/hooks/pre-commit" 'protected:.git/hooks' EROFS
		row 1 unlink "$W/.git/hooks/h1" 'protected:.git/hooks' EROFS
		row 1 rename "$W/.git/config" 'protected:.git/config' EBUSY
		row 1 rmdir "$W/.git/hooks" 'protected:.git/hooks' EBUSY
		row 1 rename "$W/.git" 'protected-parent:*' EBUSY
		row 1 mkdir "$W/.ringfence/x" 'protected:.ringfence*' EROFS
		row 1 create "$H/.ssh/new" 'hidden:~/.ssh' EACCES
		row 1 write "$H/.netrc" 'hidden:~/.netrc' EACCES
		row 1 write "$H/.pgpass" 'hidden:~/.pgpass' EROFS
		row 1 chmod "$H/.ssh" 'hidden:~/.ssh' EROFS
		row 1 unlink "$H/.ssh/id_rsa" 'hidden:~/.ssh' EACCES
		row 1 rename "$H/.aws" 'hidden:~/.aws' EROFS
		row 1 create "$H/custom/x" 'hidden:~/custom' EACCES source=--hide
		row 1 create /usr/rf-x 'read-only:/usr' EROFS
		row 1 unlink /etc/hostname 'read-only:/etc' EROFS
		row 1 mkdir /rf-root-x 'read-only:/ *' EROFS
	} | expect_table "C table"
	# the command saw the errno the event names
	expect_out "DENIED EROFS" "the probe's errno"
	expect_not_out "ALLOWED" "every attempt is denied"
	# nothing changed on the host
	expect_true test "$(cat "$H/.bashrc")" = "export OK=1"
	expect_true test ! -e "$H/new1"
	expect_true test ! -e "$WS/.git/hooks/pre-commit"
	expect_true test -e "$WS/.git/config"
}

t_c_probe_every_syscall_form() {
	_c_table_run "$PROBE"
	expect_rc 0 "sandbox"
	_c_table_expect
}

t_static_probe_every_syscall_form() {
	rf_setup_bin
	if [ ! -x "$PROBE_STATIC" ]; then
		echo "    # (no static probe in this build: sanitizer builds use the release probes)" >&2
		return 0
	fi
	_c_table_run "$PROBE_STATIC"
	expect_rc 0 "sandbox"
	_c_table_expect
}

t_shell_table() {
	_home_files
	git_repo
	evsb -- sh -c "
		echo x >> $H/.bashrc; echo x > $H/sh-new; mkdir $H/sh-d; rm -f $H/file1; mv $H/file2 $H/sh-mv
		ln -s x $H/sh-s; ln $H/file3 $H/sh-l; chmod 600 $H/file4; truncate -s 0 $H/file5
		rmdir $H/sub; echo hook > .git/hooks/pre-commit; echo x >> .git/config; rm -rf .git/hooks
		touch $H/.ssh/k; echo y > /etc/rf-sh; mkdir /usr/rf-sh
		true" 2>/dev/null
	expect_rc 0 "sandbox"
	expect_stream "shell"
	local n_hooks
	n_hooks=$(find "$WS/.git/hooks" -mindepth 1 | wc -l)
	{
		row 1 write "$H/.bashrc" 'read-only:~' EROFS exe=*sh
		row 1 create "$H/sh-new" 'read-only:~' EROFS
		row 1 mkdir "$H/sh-d" 'read-only:~' EROFS exe=*mkdir
		row 1 unlink "$H/file1" 'read-only:~' EROFS exe=*rm
		row 1 rename "$H/file2" 'read-only:~' EROFS exe=*mv
		row 1 symlink "$H/sh-s" 'read-only:~' EROFS exe=*ln
		row 1 link "$H/sh-l" 'read-only:~' EROFS
		row 1 chmod "$H/file4" 'read-only:~' EROFS exe=*chmod
		row 1 write "$H/file5" 'read-only:~' EROFS exe=*truncate
		row 1 rmdir "$H/sub" 'read-only:~' EROFS
		row 1 create "$WS/.git/hooks/pre-commit" 'protected:.git/hooks' EROFS
		row 1 write "$WS/.git/config" 'protected:.git/config' EROFS
		row "$n_hooks" unlink "$WS/.git/hooks/*" 'protected:.git/hooks' EROFS exe=*rm
		row 1 create "$H/.ssh/k" 'hidden:~/.ssh' EACCES exe=*touch
		row 1 utimes "$H/.ssh/k" 'hidden:~/.ssh' EACCES exe=*touch
		row 1 create /etc/rf-sh 'read-only:/etc' EROFS
		row 1 mkdir /usr/rf-sh 'read-only:/usr' EROFS
	} | expect_table "shell"
	expect_true test "$(cat "$H/.bashrc")" = "export OK=1"
}

t_python_table() {
	_home_files
	git_repo
	evsb -- "$HOST_PY" -c "
import os
H = '$H'
def t(f, *a):
    try:
        f(*a)
        print('ALLOWED', f.__name__, a)
    except OSError as e:
        print('DENIED', e.errno, f.__name__)
t(open, H + '/.bashrc', 'a')
t(open, H + '/py-new', 'w')
t(os.mkdir, H + '/py-d')
t(os.remove, H + '/file1')
t(os.rename, H + '/file2', H + '/py-r')
t(os.replace, H + '/file3', H + '/py-r2')
t(os.symlink, 'x', H + '/py-s')
t(os.link, H + '/file4', H + '/py-l')
t(os.chmod, H + '/file5', 0o600)
t(os.chown, H + '/file6', os.getuid(), os.getgid())
t(os.truncate, H + '/file7', 0)
t(os.utime, H + '/file8')
t(os.setxattr, H + '/file9', 'user.x', b'1')
t(os.rmdir, H + '/sub')
t(os.mkfifo, H + '/py-fifo')
t(open, '.git/hooks/pre-commit', 'w')
t(open, H + '/.ssh/py', 'w')
t(os.open, H, os.O_WRONLY | os.O_TMPFILE)
"
	expect_rc 0 "sandbox"
	expect_stream "python"
	expect_not_out "ALLOWED" "every attempt is denied"
	{
		row 1 write "$H/.bashrc" 'read-only:~' EROFS exe=*python3*
		row 1 create "$H/py-new" 'read-only:~' EROFS
		row 1 mkdir "$H/py-d" 'read-only:~' EROFS
		row 1 unlink "$H/file1" 'read-only:~' EROFS
		row 1 rename "$H/file2" 'read-only:~' EROFS
		row 1 rename "$H/file3" 'read-only:~' EROFS
		row 1 symlink "$H/py-s" 'read-only:~' EROFS
		row 1 link "$H/py-l" 'read-only:~' EROFS
		row 1 chmod "$H/file5" 'read-only:~' EROFS
		row 1 chown "$H/file6" 'read-only:~' EROFS
		row 1 truncate "$H/file7" 'read-only:~' EROFS
		row 1 utimes "$H/file8" 'read-only:~' EROFS
		row 1 setxattr "$H/file9" 'read-only:~' EROFS
		row 1 rmdir "$H/sub" 'read-only:~' EROFS
		row 1 mknod "$H/py-fifo" 'read-only:~' EROFS
		row 1 create "$WS/.git/hooks/pre-commit" 'protected:.git/hooks' EROFS
		row 1 create "$H/.ssh/py" 'hidden:~/.ssh' EACCES
		row 1 create "$H" 'read-only:~' EROFS
	} | expect_table "python"
}

t_read_only_mode_and_grants_name_their_rule() {
	local ro
	ro=$(mktemp -d "$RF_TEST_TMP/ro.XXXXXX")
	chmod 755 "$ro"
	evsb --sandbox-mode read-only --read-only "$ro" -- sh -c "$PROBE write $WS/x; $PROBE write $ro/y; $PROBE write /tmp/ok"
	expect_rc 0 "sandbox"
	expect_stream
	{
		row 1 create "$WS/x" 'sandbox-mode:read-only' EROFS
		row 1 create "$ro/y" "read-only:$ro" EROFS source=--read-only
	} | expect_table "read-only mode"
}

t_allowed_operations_report_nothing() { # neighbour
	_home_files
	git_repo
	mkdir -p "$H/.cache" # a package cache: a private writable layer
	evsb -- sh -c "
		set -e
		$PROBE write $WS/a; $PROBE append $WS/a; $PROBE open WRONLY\|TRUNC $WS/a; $PROBE creat $WS/b
		$PROBE openat2 WRONLY\|CREAT $WS/c; $PROBE open WRONLY\|TMPFILE $WS; $PROBE mkdir $WS/d
		$PROBE mkfifo $WS/fifo; $PROBE rename $WS/b $WS/b2; $PROBE renameat2 $WS/b2 $WS/b3 noreplace
		$PROBE link $WS/a $WS/hl; $PROBE symlink a $WS/sl; $PROBE chmod $WS/a 0600; $PROBE chown-self $WS/a
		$PROBE truncate $WS/a; $PROBE utimes $WS/a; $PROBE fd-chmod $WS/a; $PROBE fd-utimens $WS/a
		$PROBE unlink $WS/hl; $PROBE rmdir $WS/d
		$PROBE write /tmp/t1; $PROBE mkdir /tmp/t2; $PROBE append /dev/null; $PROBE write /dev/shm/s1
		$PROBE open WRONLY /proc/self/fd/1; $PROBE open WRONLY /dev/stdout; $PROBE open WRONLY /dev/stderr
		echo to-stdout >> /dev/stdout; echo via-fd >&2
		git add a && git commit -qm test && git log --oneline >/dev/null && git status >/dev/null
		$PROBE write $WS/.git/refs/heads/rf-test; $PROBE write $WS/.git/objects/rf-test
		$PROBE write $H/.cache/from-sandbox
		$HOST_PY -c 'import os, tempfile; fd = os.memfd_create(\"m\"); os.write(fd, b\"x\"); tempfile.mkstemp(); r, w = os.pipe(); os.write(w, b\"p\")'
		printf 'int main(void){return 0;}' > m.c && cc -o m m.c && ./m
		true" >/dev/null
	expect_rc 0 "honest operations"
	expect_stream
	expect_no_violation "honest operations"
}

t_failures_not_of_the_sandbox_report_nothing() { # neighbour
	_home_files
	evsb -- sh -c "
		$PROBE mkdir $H/sub; $PROBE open WRONLY $H/nonexistent; $PROBE write $H/nodir/x
		$PROBE open WRONLY\|CREAT\|EXCL $H/.bashrc; $PROBE rename $WS/ws.txt /tmp/ws.txt
		$PROBE unlink $WS/nonexistent; $PROBE rmdir $WS/nonexistent; $PROBE open WRONLY\|DIRECTORY $H
		$PROBE read $H/.ssh/id_rsa; $PROBE list $H/.ssh; $PROBE stat $H/.ssh/id_rsa; true"
	expect_rc 0 "sandbox"
	expect_out "DENIED EEXIST" "mkdir of an existing directory"
	expect_out "DENIED ENOENT" "a missing name"
	expect_out "DENIED EXDEV" "a rename across mounts"
	expect_out "DENIED EACCES" "a hidden read"
	expect_stream
	expect_no_violation "ENOENT, EEXIST, EXDEV, and reads without --audit-reads"
}

t_audit_off_reports_nothing() { # the switch really switches
	evsb --audit off -- sh -c "$PROBE write $H/x; $PROBE append $H/.bashrc; true"
	expect_rc 0 "sandbox"
	expect_out "DENIED EROFS" "still denied (by the kernel)"
	expect_stream
	expect_no_violation "--audit off"
	expect_true test "$(evq get RunStarted audit)" = off
}

t_dac_refusal_is_not_reported() {
	# /etc/hostname belongs to root. For another user the kernel's own
	# permission check refuses first (EACCES, not the sandbox's doing: no
	# event); for root it is the read-only mount (EROFS, reported).
	evsb -- "$PROBE" append /etc/hostname
	expect_rc 1 "the probe"
	expect_stream
	if is_root; then
		expect_out "DENIED EROFS" "root: the mount refuses"
		row 1 write /etc/hostname 'read-only:/etc' EROFS | expect_table "root"
	else
		expect_out "DENIED EACCES" "DAC first"
		expect_no_violation "a DAC refusal"
	fi
}

t_plan_mode_writes_name_the_mode() {
	evsb --mode plan -- sh -c "echo x > $WS/plan-file; true" 2>/dev/null
	expect_rc 0 "sandbox"
	expect_stream
	row 1 create "$WS/plan-file" 'mode:plan' EROFS source=--mode | expect_table "plan mode"
	expect_true test ! -e "$WS/plan-file"
}

# The errno the command gets is the kernel's: the same table, and the
# calls whose order of checks is delicate, with the supervisor answering
# (--audit writes) and with only the kernel (--audit off), line by line.
t_errno_same_as_the_kernel() {
	_home_files
	git_repo
	echo hook >"$WS/.git/hooks/h1"
	mkdir -p "$WS/d"
	local P=$PROBE extra
	extra="
		$P chmod $H/file1/ 0644; $P append $H/file1/; $P unlink $H/file1/; $P rmdir $H/sub/; $P mkdir $H/sub/x/
		$P mkdir $H/sub; $P open WRONLY\\|CREAT\\|EXCL $H/.bashrc; $P open WRONLY $H/missing
		$P open WRONLY\\|CREAT $H/nodir/x; $P open WRONLY\\|DIRECTORY $H; $P open WRONLY $H; $P truncate $H/sub
		$P rename $H/file2 $WS/x; $P rename $WS/ws.txt $H/x; $P link $WS/ws.txt $H/l; $P link $H/file3 $WS/l
		$P renameat2 $H/file4 $H/file5 noreplace; $P renameat2 $H/file4 $H/nonexistent exchange
		$P rename $WS/.git/hooks $WS/hooks2; $P rename $WS/d $WS/.git/hooks; $P unlink $WS/.git/config
		$P rmdir $WS/.git; $P rename $WS/.git/config $WS/.git/hooks; $P symlink '' $H/empty-target
		$P write $H/.ssh; $P append $H/.ssh/id_rsa; $P chmod $H/.netrc 0600; $P unlink $H/.netrc
		$P open WRONLY\\|TRUNC $H/.netrc; $P open RDONLY\\|TRUNC $H/file6; $P utimes $H/.ssh/x
		$P mkfifo $H/.ssh; $P open WRONLY\\|TMPFILE $H/file7; $P open RDWR\\|TMPFILE $H/.ssh
		true"
	local script
	script="$(_c_table_script "$P") ; $extra"
	sbp --hide "$H/custom" --audit off -- sh -c "$script"
	local kernel_rc=$RC kernel_out=$OUT
	evsb --hide "$H/custom" -- sh -c "$script"
	expect_rc "$kernel_rc" "the same exit"
	if [ "$OUT" != "$kernel_out" ]; then
		_fail "errnos differ from the kernel's: $(diff <(printf '%s\n' "$kernel_out") <(printf '%s\n' "$OUT") | head -20 | tr '\n' ';')"
	fi
	expect_stream
	expect_true test "$(evq count)" -gt 60
	# the comparison covered every kind of answer
	local e
	for e in EROFS EACCES EBUSY EEXIST ENOENT ENOTDIR EISDIR EXDEV; do
		expect_out "DENIED $e" "the run has a $e"
	done
}
