/* Network namespace set-up (DESIGN.md §2 step 4): the new namespace has
 * only a loopback device, and it starts down. */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sandbox.h"
#include "util.h"

int rf_net_loopback_up(struct rf_error *e)
{
	cleanup_fd int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return rf_fail(e, errno, "cannot open a socket to configure loopback");
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return rf_fail(e, errno, "cannot read loopback flags");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return rf_fail(e, errno, "cannot bring loopback up");
	return 0;
}

int rf_net_listen_loopback(int port, struct rf_error *e)
{
	/* Made by pid 1 inside the sandbox's network namespace and handed to the
	 * supervisor: the socket stays in this namespace, so the supervisor
	 * accepts connections from inside without any process in here. */
	cleanup_fd int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return rf_fail(e, errno, "cannot create a listening socket for 127.0.0.1:%d", port);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (bind(s, (struct sockaddr *)&a, sizeof a) < 0)
		return rf_fail(e, errno, "cannot listen on 127.0.0.1:%d in the sandbox", port);
	if (listen(s, SOMAXCONN) < 0)
		return rf_fail(e, errno, "cannot listen on 127.0.0.1:%d in the sandbox", port);
	return rf_steal_fd(&s);
}
