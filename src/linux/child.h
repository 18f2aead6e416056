/* The sandbox side of a run: everything between clone/fork and execve. */
#ifndef RF_CHILD_H
#define RF_CHILD_H

#include <stdbool.h>
#include <stdio.h>

#include "plan.h"
#include "ringfence.h"
#include "rf_seccomp.h"
#include "util.h"

struct rf_limits_run;

/* Marks an exec failure on the error pipe (as opposed to a setup failure). */
#define RF_EXEC_FAILURE_MARK '\x01'

struct rf_child_args {
	const struct rf_policy *policy;
	const struct rf_plan *plan;
	char *const *argv;
	char *const *envp;
	const char *cwd;
	const struct rf_seccomp_prog *seccomp;
	const char *private_tmp; /* Landlock-only fallback: stands in for /tmp */
	int landlock_abi;        /* 0: Landlock unavailable */
	int sync_rd;             /* namespaces: supervisor writes a byte once the id maps are in */
	int err_wr;              /* setup/exec failure reason; closed by exec */
	int status_wr;           /* namespaces: init reports the command's wait status */
	int pty_slave;           /* -1: no pty, fds 0/1/2 pass through */
	int notify_sock;         /* -1, or where to send the seccomp listener fd */
	bool pty_inside;         /* namespaces: make the pty in the sandbox's devpts, send the master */
	const struct rf_limits_run *limits; /* rlimits to set; the tmpfs cap; NULL = none */
	const int *net_ports;    /* namespaces: listen on 127.0.0.1:PORT inside, send each socket */
	size_t n_net_ports;      /*   (the proxy, host ports), before the pty master */
	char *const *exec_allow; /* plan/review: the only files Landlock lets execute (NULL = any) */
	FILE *verbose;
	double t0; /* rf_now() when the run began: --verbose shows elapsed ms */
};

/* pid 1 in fresh namespaces: mounts, loopback, restrictions, then forks the
 * command and becomes its init. */
RF_NORETURN void rf_child_namespaces(const struct rf_child_args *a);
/* Landlock + seccomp only: restricts itself and execs the command. */
RF_NORETURN void rf_child_landlock_only(const struct rf_child_args *a);
/* backend = none: just the command. */
RF_NORETURN void rf_child_unsandboxed(const struct rf_child_args *a);

#endif
