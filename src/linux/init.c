/* pid 1 of the sandbox (DESIGN.md §2 step 7).
 *
 * A pid namespace's init must reap orphans (or they stay zombies) and, as
 * pid 1, gets no default signal actions: a signal it has no handler for is
 * simply dropped. So init blocks the signals it forwards and waits for them
 * with sigwaitinfo(); when the command exits it kills everything left in the
 * namespace (kill(-1) from pid 1 reaches every other process in it) and
 * returns the command's status. */
#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"

static const int forwarded[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGCONT, SIGWINCH, 0};

int rf_init_run(pid_t command)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (int i = 0; forwarded[i]; i++)
		sigaddset(&set, forwarded[i]);
	sigprocmask(SIG_BLOCK, &set, NULL);

	int status = 0;
	bool command_done = false;
	for (;;) {
		/* reap everything that is ready */
		for (;;) {
			int st;
			pid_t pid = waitpid(-1, &st, WNOHANG);
			if (pid <= 0)
				break;
			if (pid == command) {
				status = st;
				command_done = true;
			}
		}
		if (command_done)
			break;
		siginfo_t si;
		int sig = sigwaitinfo(&set, &si);
		if (sig < 0 || sig == SIGCHLD)
			continue;
		/* to the command's process group, as a terminal would */
		if (kill(-command, sig) < 0)
			(void)kill(command, sig);
	}
	/* whatever the command left behind dies with it */
	(void)kill(-1, SIGKILL);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	return status;
}
