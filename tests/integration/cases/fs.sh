# Filesystem write policy: the writable set, read-only mode, --writable-root,
# --read-only, --hide and danger-full-access.
# shellcheck shell=bash disable=SC2016,SC2088,SC2119
. "${BASH_SOURCE[0]%/*}/_common.bash"

_mark() { echo "rf-fs-${WS##*.}"; } # unique per test

# --- writes outside the writable set are denied ---------------------------

t_write_etc_denied() {
	local m; m=$(_mark)
	sbp -- "$PROBE" write "/etc/$m"
	expect_denied "create /etc/$m"
	expect_out "DENIED" "write /etc"
	expect_true test ! -e "/etc/$m"
	rm -f "/etc/$m" 2>/dev/null
}

t_append_etc_file_denied() {
	# open for appending only, never write: harmless even if the sandbox failed
	sbp -- sh -c ": >> /etc/hostname"
	expect_denied "open /etc/hostname for appending"
}

t_write_usr_denied() {
	local m; m=$(_mark)
	sbp -- sh -c "$PROBE write /usr/$m || $PROBE write /usr/bin/$m && exit 0; exit 1"
	expect_denied "create in /usr and /usr/bin"
	expect_true test ! -e "/usr/$m" -a ! -e "/usr/bin/$m"
	rm -f "/usr/$m" "/usr/bin/$m" 2>/dev/null
}

t_write_home_bashrc_denied() {
	sbp -- "$PROBE" append "$FAKE_HOME/.bashrc"
	expect_denied "append ~/.bashrc"
	sbp -- "$PROBE" write "$FAKE_HOME/.profile"
	expect_denied "create ~/.profile"
	expect_true test ! -e "$FAKE_HOME/.profile"
	expect_true grep -qx 'export OK=1' "$FAKE_HOME/.bashrc"
	expect_true test "$(wc -c <"$FAKE_HOME/.bashrc")" = 12
}

t_write_root_dir_denied() {
	local m; m=$(_mark)
	sbp -- "$PROBE" write "/$m"
	expect_denied "create /$m"
	sbp -- "$PROBE" mkdir "/$m.d"
	expect_denied "mkdir /$m.d"
	expect_true test ! -e "/$m" -a ! -e "/$m.d"
	rm -rf "/${m:?}" "/${m:?}.d" 2>/dev/null
}

t_write_proc_sys_denied() {
	# open for writing only, never write: harmless even if the sandbox failed
	sbp -- sh -c ": >> /proc/sys/kernel/domainname"
	expect_denied "open /proc/sys/kernel/domainname for writing"
	sbp -- sh -c ": >> /sys/kernel/uevent_helper"
	expect_denied "open /sys/kernel/uevent_helper for writing"
}

t_read_proc_sys_works() { # neighbour of the above
	sbp -- cat /proc/sys/kernel/ostype
	expect_rc 0 "read /proc/sys/kernel/ostype"
	expect_out "Linux" "ostype"
}

t_outside_dir_not_writable_by_default() {
	local d; d=$(mktemp -d "$RF_TEST_TMP/outside.XXXXXX")
	sbp -- "$PROBE" write "$d/f"
	expect_denied "write to a host temp dir outside the workspace"
	expect_true test ! -e "$d/f"
}

# --- the writable set works -------------------------------------------------

t_write_workspace_works() {
	sbp -- sh -c "$PROBE write '$WS/new' && $PROBE mkdir '$WS/d' && echo hi > d/f && mv d/f d/g && $PROBE rename d/g d/h && $PROBE unlink d/h && $PROBE rmdir d && $PROBE truncate new && ln -s new sl && $PROBE chmod new 600"
	expect_rc 0 "create/mkdir/rename/unlink/rmdir/truncate/symlink/chmod in the workspace"
	expect_true test -f "$WS/new" -a -L "$WS/sl" -a ! -e "$WS/d"
}

t_write_tmp_works_and_is_private() {
	local m; m=$(_mark)
	sbp -- sh -c "echo tmpdata > /tmp/$m && cat /tmp/$m && mkdir /tmp/$m.d && ls -d /tmp/$m.d"
	expect_rc 0 "write in /tmp"
	expect_out "tmpdata" "read back from /tmp"
	expect_true test ! -e "/tmp/$m" # private: not the host's /tmp
	rm -rf "/tmp/$m" "/tmp/$m.d" 2>/dev/null
}

t_write_dev_null_works() {
	sbp -- sh -c 'echo x > /dev/null && head -c 4 /dev/urandom | wc -c'
	expect_rc 0 "/dev/null and /dev/urandom"
	expect_out "4" "urandom"
}

# --- read-only mode -----------------------------------------------------------

t_readonly_mode_workspace_not_writable() {
	echo keep >"$WS/existing"
	sbp --sandbox-mode read-only -- "$PROBE" write "$WS/new"
	expect_denied "create in the workspace in read-only mode"
	expect_true test ! -e "$WS/new"
	sbp --sandbox-mode read-only -- "$PROBE" append "$WS/existing"
	expect_denied "append in the workspace in read-only mode"
	sbp --sandbox-mode read-only -- "$PROBE" unlink "$WS/existing"
	expect_denied "unlink in the workspace in read-only mode"
	expect_true grep -qx keep "$WS/existing"
}

t_readonly_mode_workspace_readable_tmp_writable() {
	echo content >"$WS/existing"
	local m; m=$(_mark)
	sbp --sandbox-mode read-only -- sh -c "cat '$WS/existing' && $PROBE write /tmp/$m && ls '$WS'"
	rm -f "/tmp/$m" 2>/dev/null
	expect_rc 0 "read the workspace, write /tmp in read-only mode"
	expect_out "content" "workspace readable"
	expect_out "ALLOWED" "/tmp writable"
}

# --- --writable-root ------------------------------------------------------------

t_writable_root_works() {
	local d; d=$(mktemp -d "$RF_TEST_TMP/wroot.XXXXXX")
	sbp --writable-root "$d" -- sh -c "$PROBE write '$d/f' && mkdir '$d/sub' && echo x > '$d/sub/g'"
	expect_rc 0 "write in a --writable-root"
	expect_true test -f "$d/f" -a -f "$d/sub/g"
}

t_writable_root_sibling_not_writable() {
	local d e; d=$(mktemp -d "$RF_TEST_TMP/wroot.XXXXXX") e=$(mktemp -d "$RF_TEST_TMP/wsib.XXXXXX")
	sbp --writable-root "$d" -- "$PROBE" write "$e/f"
	expect_denied "write next to, not in, the writable root"
	expect_true test ! -e "$e/f"
}

# --- --read-only ------------------------------------------------------------------

t_read_only_path_readable() {
	local d; d=$(mktemp -d "$RF_TEST_TMP/ro.XXXXXX")
	echo visible-data >"$d/f"
	sbp --read-only "$d" -- sh -c "cat '$d/f' && ls '$d'"
	expect_rc 0 "read a --read-only path"
	expect_out "visible-data" "content"
}

t_read_only_path_not_writable() {
	local d; d=$(mktemp -d "$RF_TEST_TMP/ro.XXXXXX")
	echo visible-data >"$d/f"
	sbp --read-only "$d" -- "$PROBE" write "$d/new"
	expect_denied "create in a --read-only dir"
	sbp --read-only "$d" -- "$PROBE" append "$d/f"
	expect_denied "append to a file in a --read-only dir"
	sbp --read-only "$d" -- "$PROBE" unlink "$d/f"
	expect_denied "unlink in a --read-only dir"
	expect_true test ! -e "$d/new"
	expect_true grep -qx visible-data "$d/f"
}

t_read_only_inside_workspace_not_writable() {
	mkdir "$WS/vendor" && echo v >"$WS/vendor/lib"
	sbp --read-only "$WS/vendor" -- "$PROBE" append "$WS/vendor/lib"
	expect_denied "append to a --read-only subdir of the workspace"
	sbp --read-only "$WS/vendor" -- "$PROBE" write "$WS/other"
	expect_rc 0 "rest of the workspace stays writable"
}

# --- --hide ------------------------------------------------------------------------

t_hide_path_hidden() {
	local d; d=$(mktemp -d "$RF_TEST_TMP/hid.XXXXXX")
	echo HIDDEN-CONTENT >"$d/hiddenfile"
	sbp --read-only "$d" --hide "$d" -- sh -c "cat '$d/hiddenfile'; ls '$d'"
	expect_denied "read a hidden dir"
	expect_not_out "HIDDEN-CONTENT" "hidden content"
	expect_not_out "hiddenfile" "hidden listing"
}

t_hide_file_in_home() {
	echo MYAPP-TOKEN >"$FAKE_HOME/.myapp-token"
	sbp --hide "$FAKE_HOME/.myapp-token" -- cat "$FAKE_HOME/.myapp-token"
	expect_denied "read a hidden file in the home"
	expect_not_out "MYAPP-TOKEN" "content"
	sbp -- cat "$FAKE_HOME/.myapp-token" # neighbour: without --hide, the home is readable
	expect_rc 0 "read the same file without --hide"
	expect_out "MYAPP-TOKEN" "content without --hide"
}

t_hide_inside_workspace() {
	mkdir "$WS/secret" && echo WS-SECRET >"$WS/secret/key"
	echo public >"$WS/pub"
	sbp --hide "$WS/secret" -- sh -c "cat '$WS/secret/key'"
	expect_denied "read a hidden workspace subdir"
	expect_not_out "WS-SECRET" "hidden content"
	sbp --hide "$WS/secret" -- "$PROBE" write "$WS/secret/planted"
	expect_denied "write into a hidden workspace subdir"
	expect_true test ! -e "$WS/secret/planted"
}

t_hide_neighbour_visible() {
	mkdir "$WS/secret" && echo WS-SECRET >"$WS/secret/key"
	echo public >"$WS/pub"
	sbp --hide "$WS/secret" -- sh -c "cat '$WS/pub' && echo more >> '$WS/pub'"
	expect_rc 0 "the rest of the workspace next to a hidden dir"
	expect_out "public" "content"
}

t_hide_tilde_expands() {
	mkdir -p "$FAKE_HOME/.myapp" && echo TILDE-SECRET >"$FAKE_HOME/.myapp/token"
	sbp --hide '~/.myapp' -- cat "$FAKE_HOME/.myapp/token"
	expect_denied "--hide ~/.myapp"
	expect_not_out "TILDE-SECRET" "content"
}

# --- danger-full-access ---------------------------------------------------------------

t_danger_full_access_writes_outside() {
	local d; d=$(mktemp -d "$RF_TEST_TMP/danger.XXXXXX")
	sbp --sandbox-mode danger-full-access --result "$RF_TEST_TMP/danger.json" -- "$PROBE" write "$d/f"
	expect_rc 0 "write outside the workspace in danger-full-access"
	expect_true test -f "$d/f"
	expect_true grep -q '"sandbox_mode": *"danger-full-access"' "$RF_TEST_TMP/danger.json"
}

t_danger_full_access_sees_host_tmp() {
	local f; f=$(mktemp "${TMPDIR:-/tmp}/rf-danger.XXXXXX")
	echo host-tmp-file >"$f"
	sbp --sandbox-mode danger-full-access -- cat "$f"
	rm -f "$f"
	expect_rc 0 "danger-full-access sees the host /tmp"
	expect_out "host-tmp-file" "content"
}

t_package_cache_writable_not_persistent() {
	# ~/.npm exists: tools may write their cache, nothing survives the run
	mkdir -p "$FAKE_HOME/.npm/_cacache"
	echo keep >"$FAKE_HOME/.npm/_cacache/old"
	sb -- sh -c 'echo new > "$HOME/.npm/_cacache/new" && echo poisoned > "$HOME/.npm/_cacache/old" && cat "$HOME/.npm/_cacache/new"'
	expect_rc 0 "write into the package cache"
	expect_out "new" "written inside"
	expect_true test ! -e "$FAKE_HOME/.npm/_cacache/new"
	expect_true grep -qx keep "$FAKE_HOME/.npm/_cacache/old"
}

t_home_outside_caches_still_read_only() {
	mkdir -p "$FAKE_HOME/.npm"
	sb -- sh -c 'echo x > "$HOME/.profile-evil"'
	expect_denied "write in \$HOME next to a cache"
	expect_true test ! -e "$FAKE_HOME/.profile-evil"
}

t_sys_not_writable() {
	sbp -- sh -c 'for f in /sys/kernel/mm/transparent_hugepage/enabled /sys/class/net/lo/mtu /sys/fs/cgroup/cgroup.procs /sys/kernel/uevent_helper /sys/power/state; do [ -e "$f" ] && (echo 1 > "$f") 2>/dev/null && echo "WROTE $f"; done; touch /sys/rf-new 2>/dev/null && echo CREATED; true'
	expect_rc 0 "write attempts on /sys"
	expect_not_out "WROTE" "a /sys file written"
	expect_not_out "CREATED" "a file created in /sys"
	sbp -- cat /sys/class/net/lo/mtu # neighbour: reading works
	expect_rc 0 "read /sys"
}
