/* The seccomp filter of DESIGN.md §2 step 6, built with libseccomp.
 *
 *   rf_seccomp_compile_fresh()  seccomp.c, at build time: libseccomp builds
 *                               every variant and exports it as classic BPF
 *                               (no hand-written BPF; tools/seccomp_gen.c);
 *   rf_seccomp_compile()        supervisor: a copy of the generated variant
 *                               (seccomp_prebuilt.c);
 *   rf_seccomp_load()           sandbox child, after PR_SET_NO_NEW_PRIVS: one
 *                               seccomp(2) call, no allocation (seccomp_load.c).
 * Only the generator and the unit test that checks the tables against
 * libseccomp link libseccomp; ringfence itself does not.
 */
#ifndef RF_SECCOMP_H
#define RF_SECCOMP_H

#include <stdbool.h>
#include <stdio.h>

struct rf_error;
struct sock_filter;

struct rf_seccomp_opts {
	/* Deny socket()/socketpair() for every address family except AF_UNIX and
	 * AF_NETLINK (used when the network is off but there is no network
	 * namespace: the Landlock-only fallback). */
	bool deny_inet;
	/* Also deny socket(AF_UNIX) (socketpair stays allowed): used in the
	 * fallback, where host path sockets (docker.sock, D-Bus) are visible and
	 * nothing else could stop a connect() to them. With deny_inet, socket()
	 * is then left only AF_NETLINK; without it, only AF_UNIX is denied.
	 * Denied socket()/socketpair() calls fail with EACCES. */
	bool deny_unix_socket;
	/* Send connect(), and sendto() with a destination address, to the
	 * supervisor's user-notification listener (supervisor.c): that is where
	 * unix path sockets outside the writable roots are refused, race-free. */
	bool notify_connect;
	/* Send write-intent file calls to the listener (notify_fs.c): open and
	 * openat when their flags ask for write, create or truncate (tested in
	 * the BPF, so read-only opens never leave the kernel), creat, openat2,
	 * mkdir, mknod, unlink, rmdir, rename, link, symlink, chmod, chown,
	 * truncate, utimes, setxattr, removexattr and their *at/f* forms.
	 * That is where denied writes are reported. */
	bool notify_fs;
	/* Send every open/openat/openat2 to the listener whatever its flags
	 * (--audit-reads): reads of hidden paths are reported too. */
	bool audit_reads;
	/* Send execve() and execveat() to the listener: plan/review modes check
	 * the program and its arguments against the tool list (notify_exec.c). */
	bool notify_exec;
};

struct rf_seccomp_prog {
	struct sock_filter *filter;
	unsigned short len;
};

/* Build the filter (o may be NULL: no socket rules) and fill *prog with a
 * malloc'ed copy of the classic BPF. Fails closed: a rule libseccomp refuses
 * is an error; only syscalls this libseccomp/arch does not know are skipped.
 * Free with rf_seccomp_prog_free(). */
/* The filter for `o`. Every combination of options is generated with
 * libseccomp when ringfence is built (tools/seccomp_gen.c): at run time
 * this is a copy, not a compilation. */
int rf_seccomp_compile(const struct rf_seccomp_opts *o, struct rf_seccomp_prog *prog, struct rf_error *e);
/* The same through libseccomp now (the build-time generator, and the unit
 * test that proves the generated tables match it). */
int rf_seccomp_compile_fresh(const struct rf_seccomp_opts *o, struct rf_seccomp_prog *prog, struct rf_error *e);

/* Index of an option combination in the generated tables: one bit an
 * option (add a bit: a line in each function, and double the count). */
#define RF_SECCOMP_VARIANTS 64
static inline unsigned rf_seccomp_variant(const struct rf_seccomp_opts *o)
{
	unsigned v = 0;
	if (!o)
		return 0;
	v |= o->deny_inet ? 1u << 0 : 0;
	v |= o->deny_unix_socket ? 1u << 1 : 0;
	v |= o->notify_connect ? 1u << 2 : 0;
	v |= o->notify_fs ? 1u << 3 : 0;
	v |= o->audit_reads ? 1u << 4 : 0;
	v |= o->notify_exec ? 1u << 5 : 0;
	return v;
}
static inline struct rf_seccomp_opts rf_seccomp_variant_opts(unsigned v)
{
	struct rf_seccomp_opts o = {0};
	o.deny_inet = (v & 1u << 0) != 0;
	o.deny_unix_socket = (v & 1u << 1) != 0;
	o.notify_connect = (v & 1u << 2) != 0;
	o.notify_fs = (v & 1u << 3) != 0;
	o.audit_reads = (v & 1u << 4) != 0;
	o.notify_exec = (v & 1u << 5) != 0;
	return o;
}
/* Sandbox child: install *prog with seccomp(SECCOMP_SET_MODE_FILTER, 0).
 * Refuses unless PR_SET_NO_NEW_PRIVS is already set. Async-signal-safe on
 * success; on failure it only formats *e. The filter applies to the calling
 * thread (the child is single-threaded at this point) and survives execve. */
int rf_seccomp_load(const struct rf_seccomp_prog *prog, struct rf_error *e);
/* Same, for a filter compiled with notify_connect: returns the listener fd
 * (close-on-exec) for the supervisor, or -1 with *e. */
int rf_seccomp_load_listener(const struct rf_seccomp_prog *prog, struct rf_error *e);
void rf_seccomp_prog_free(struct rf_seccomp_prog *prog);

#endif
