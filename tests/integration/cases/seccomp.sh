# The seccomp filter (and the layers under it): dangerous system calls are
# denied, their everyday neighbours work. rf-probe prints "DENIED <ERRNO>" and
# exits 1 on a refusal; a seccomp kill is exit 159 (128 + SIGSYS).
# shellcheck shell=bash disable=SC2016,SC2088,SC2119
. "${BASH_SOURCE[0]%/*}/_common.bash"

# _deny ERRNO ACTION [ARGS]: the probe must be refused with ERRNO (the filter says
# EPERM; the kernel without it would mostly say something else, e.g. EINVAL).
_deny() {
	local want=$1
	shift
	sbp -- "$PROBE" "$@"
	expect_rc 1 "$*"
	expect_out "DENIED ${want}" "$*"
	expect_not_out "ALLOWED" "$*"
}
_allow() {
	sbp -- "$PROBE" "$@"
	expect_rc 0 "$*"
	expect_out "ALLOWED" "$*"
}

# --- namespaces and mounts ---------------------------------------------------------
t_unshare_user_denied() { _deny EPERM unshare-user; }
t_unshare_other_ns_denied() {
	_deny EPERM unshare-net
	_deny EPERM unshare-mount
	_deny EPERM unshare-pid
}
t_clone_newuser_denied() { _deny EPERM clone-newuser; }
t_clone_newns_denied() { _deny EPERM clone-newns; }
t_clone3_enosys() { _deny ENOSYS clone3; }
t_clone3_newuser_enosys() { _deny ENOSYS clone3-newuser; }
t_fork_and_threads_work() { # neighbour of clone/clone3/unshare
	_allow fork
	_allow clone-plain
	_allow clone-thread
}
t_setns_denied() { _deny EPERM setns /proc/self/ns/net; }

# Targets are in the workspace, so that even a broken sandbox cannot touch the host.
t_mount_tmpfs_denied() {
	mkdir "$WS/mnt"
	_deny EPERM mount-tmpfs "$WS/mnt"
}
t_fsopen_denied() { _deny EPERM fsopen; }
t_open_tree_denied() { _deny EPERM open-tree /tmp; }
t_fspick_move_mount_setattr_denied() {
	_deny EPERM fspick /
	_deny EPERM move-mount
	_deny EPERM mount-setattr "$WS"
}
t_pivot_root_denied() { _deny EPERM pivot-root; }
t_chroot_denied() { _deny EPERM chroot /; }
t_umount_denied() { _deny EPERM umount "$WS"; }

# --- tracing and other processes' memory -----------------------------------------
t_ptrace_traceme_denied() { _deny EPERM ptrace-traceme; }
t_ptrace_attach_sibling_denied() {
	# a sibling in the same sandbox (same uid, no Yama exception needed)
	sbp -- sh -c "sleep 5 & pid=\$!; $PROBE ptrace-attach \$pid; rc=\$?; kill \$pid; exit \$rc"
	expect_rc 1 "ptrace-attach a sibling"
	expect_out "DENIED EPERM" "ptrace-attach a sibling"
	_deny EPERM ptrace-attach child
}
t_process_vm_readv_denied() {
	_deny EPERM process-vm-readv child
	_deny EPERM process-vm-readv self
}
t_kcmp_pidfd_getfd_denied() {
	_deny EPERM kcmp
	sbp -- sh -c "sleep 5 & pid=\$!; $PROBE pidfd-getfd \$pid 1; rc=\$?; kill \$pid; exit \$rc"
	expect_rc 1 "pidfd_getfd on a sibling"
}
t_read_own_proc_works() { # neighbour: /proc/self is fine
	sbp -- sh -c 'head -c 20 /proc/self/maps >/dev/null && cat /proc/self/stat >/dev/null && ps -o pid,comm >/dev/null 2>&1; echo done'
	expect_rc 0 "read /proc/self"
}

# --- kernel attack surface -------------------------------------------------------------
t_bpf_denied() { _deny EPERM bpf; }
t_perf_event_open_denied() { _deny EPERM perf-event-open; }
t_userfaultfd_denied() { _deny EPERM userfaultfd; }
t_keyctl_join_denied() { _deny EPERM keyctl-join; }
t_add_key_request_key_denied() {
	_deny EPERM add-key
	_deny EPERM request-key
}
t_io_uring_setup_denied() { _deny EPERM io-uring-setup; }
t_open_by_handle_at_denied() { _deny EPERM open-by-handle-at /etc/passwd; }
t_iopl_denied() { _deny EPERM iopl; }
t_mknod_char_denied() { _deny EPERM mknod-char "$WS/null2"; }
t_mkfifo_works() { _allow mkfifo "$WS/fifo"; } # neighbour of mknod

# --- personality ---------------------------------------------------------------------------
t_personality_addr_no_randomize_denied() { _deny EPERM personality-addr-no-randomize; }
t_personality_highbits_denied() { _deny EPERM personality-highbits; }
t_personality_linux_works() { # neighbours
	_allow personality-linux
	_allow personality-query
}

# --- terminals ----------------------------------------------------------------------------
# On a real terminal (script(1) gives ringfence a pty on stdin/stdout):
# --no-pty hands the caller's own terminal to the command (the dangerous case),
# --pty gives it ringfence's pty.
t_tiocsti_on_callers_pty_denied() {
	sb_tty --no-pty -- "$PROBE" tiocsti
	expect_rc 1 "TIOCSTI on the caller's terminal"
	expect_out "DENIED EPERM" "TIOCSTI"
	sb_tty --no-pty -- "$PROBE" tiocsti-highbits
	expect_rc 1 "TIOCSTI with high bits set in the request"
	expect_out "DENIED EPERM" "TIOCSTI high bits"
}
t_tiocsti_on_ringfence_pty_denied() {
	sb_tty --pty -- "$PROBE" tiocsti
	expect_rc 1 "TIOCSTI on ringfence's pty"
	expect_out "DENIED EPERM" "TIOCSTI"
	sb_tty --pty -- "$PROBE" tiocsti-highbits
	expect_rc 1 "TIOCSTI high bits on ringfence's pty"
	expect_out "DENIED EPERM" "TIOCSTI high bits"
}
t_tioclinux_denied() {
	sb_tty --no-pty -- "$PROBE" tioclinux
	expect_rc 1 "TIOCLINUX"
	expect_out "DENIED EPERM" "TIOCLINUX"
}
t_tcgets_on_pty_works() { # neighbour
	sb_tty --no-pty -- "$PROBE" tcgets
	expect_rc 0 "TCGETS on the caller's terminal"
	expect_out "ALLOWED TCGETS" "tcgets"
	sb_tty --pty -- "$PROBE" tcgets
	expect_rc 0 "TCGETS on ringfence's pty"
	expect_out "ALLOWED TCGETS" "tcgets"
}
t_tty_command_output_works() { # neighbour: an interactive-ish command on a pty
	sb_tty --pty -- sh -c 'test -t 0 && test -t 1 && stty size >/dev/null; echo tty-ok'
	expect_rc 0 "a shell on ringfence's pty"
	expect_out "tty-ok" "output through the pty"
}

# --- foreign system call ABIs: killed ------------------------------------------------------------
t_x32_syscall_killed() {
	sbp -- "$PROBE" x32-getpid
	expect_rc 159 "x32 getpid (SIGSYS)"
	expect_not_out "ALLOWED" "x32"
}
t_int80_syscall_killed() {
	sbp -- "$PROBE" int80-getpid
	expect_rc 159 "int 0x80 getpid (SIGSYS)"
	expect_not_out "ALLOWED" "int80"
}

# --- sockets (the kernel layers under seccomp) -----------------------------------------------------
t_socket_packet_denied() { _deny EPERM socket-packet; }
t_socketpair_unix_works() { _allow socketpair-unix; } # neighbour
t_socket_unix_works() { _allow socket-unix; }

# --- the same through a static binary (no libc wrappers from the host) --------------------------------
_sdeny() {
	sbp -- "$PROBE_STATIC" "$@"
	expect_rc 1 "static: $*"
	expect_out "DENIED EPERM" "static: $*"
}
t_static_unshare_user_denied() { _sdeny unshare-user; }
t_static_clone3_enosys() {
	sbp -- "$PROBE_STATIC" clone3
	expect_out "DENIED ENOSYS" "static clone3"
}
t_static_io_uring_bpf_ptrace_denied() {
	_sdeny io-uring-setup
	_sdeny bpf
	_sdeny ptrace-traceme
	mkdir -p "$WS/mnt"
	_sdeny mount-tmpfs "$WS/mnt"
	_sdeny keyctl-join
}
t_static_x32_int80_killed() {
	sbp -- "$PROBE_STATIC" x32-getpid
	expect_rc 159 "static x32"
	sbp -- "$PROBE_STATIC" int80-getpid
	expect_rc 159 "static int80"
}
t_static_fork_thread_works() { # neighbour
	sbp -- "$PROBE_STATIC" fork
	expect_rc 0 "static fork"
	sbp -- "$PROBE_STATIC" clone-thread
	expect_rc 0 "static thread"
	sbp -- "$PROBE_STATIC" personality-linux
	expect_rc 0 "static personality(PER_LINUX)"
}

# --- newer system calls ------------------------------------------------------------------
t_memfd_secret_denied() {
	rf_setup_bin
	sbp -- "$STRESS" memfd-secret
	expect_rc 1 "memfd_secret"
	expect_out "DENIED EPERM" "memfd_secret"
}
t_memfd_create_works() { # neighbour
	sbp -- "$HOST_PY" -c 'import os; fd = os.memfd_create("x"); os.write(fd, b"hi"); print("memfd ok")'
	expect_rc 0 "memfd_create"
	expect_out "memfd ok" "memfd_create"
}
