/* A pseudo-terminal for interactive commands.
 *
 * The command gets its own pty (its own session and controlling terminal),
 * never the caller's terminal: with the caller's tty it could TIOCSTI
 * keystrokes into the caller's shell. The caller's terminal is switched to
 * raw mode, so Ctrl-C arrives as a byte that the sandbox's line discipline
 * turns into SIGINT for the command, not for ringfence. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "sandbox.h"
#include "util.h"

_Static_assert(sizeof(struct termios) <= sizeof(((struct rf_pty *)0)->saved_termios), "termios fits");

/* The new pty starts with the caller's terminal settings and size; the
 * caller's settings are kept to restore them after raw mode. */
static void inherit_terminal(struct rf_pty *p, int pty_fd)
{
	struct termios t;
	if (tcgetattr(p->tty, &t) == 0) {
		memcpy(p->saved_termios, &t, sizeof t);
		(void)tcsetattr(pty_fd, TCSANOW, &t);
	}
	rf_pty_sync_winsize(p);
}

int rf_pty_open(struct rf_pty *p, struct rf_error *e)
{
	char name[128];
	p->master = p->slave = -1;
	p->raw = false;
	p->tty = 0;
	p->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (p->master < 0)
		return rf_fail(e, errno, "cannot open a pseudo-terminal");
	if (grantpt(p->master) < 0 || unlockpt(p->master) < 0 || ptsname_r(p->master, name, sizeof name) != 0) {
		rf_fail(e, errno, "cannot set up the pseudo-terminal");
		goto fail;
	}
	p->slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (p->slave < 0) {
		rf_fail(e, errno, "cannot open %s", name);
		goto fail;
	}
	inherit_terminal(p, p->slave);
	return 0;
fail:
	if (p->master >= 0)
		close(p->master);
	if (p->slave >= 0)
		close(p->slave);
	p->master = p->slave = -1;
	return -1;
}

int rf_pty_adopt(struct rf_pty *p, int master)
{
	p->master = master;
	p->slave = -1;
	p->raw = false;
	p->tty = 0;
	inherit_terminal(p, p->master);
	return 0;
}

int rf_pty_open_inside(int *master, int *slave)
{
	char name[64];
	*master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*master < 0)
		return -1;
	if (unlockpt(*master) < 0 || ptsname_r(*master, name, sizeof name) != 0)
		return -1;
	*slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	return *slave < 0 ? -1 : 0;
}

int rf_pty_make_controlling(int slave)
{
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return -1;
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return -1;
	if (slave > 2)
		close(slave);
	return 0;
}

void rf_pty_enter_raw(struct rf_pty *p)
{
	struct termios t;
	memcpy(&t, p->saved_termios, sizeof t);
	cfmakeraw(&t);
	if (tcsetattr(p->tty, TCSADRAIN, &t) == 0)
		p->raw = true;
}

void rf_pty_restore(struct rf_pty *p)
{
	if (p->raw) {
		struct termios t;
		memcpy(&t, p->saved_termios, sizeof t);
		(void)tcsetattr(p->tty, TCSADRAIN, &t);
		p->raw = false;
	}
}

void rf_pty_sync_winsize(struct rf_pty *p)
{
	struct winsize ws;
	if (p->master >= 0 && ioctl(p->tty, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(p->master, TIOCSWINSZ, &ws);
}
