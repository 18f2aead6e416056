/* Network namespace set-up (DESIGN.md §2 step 4): the new namespace has
 * only a loopback device, and it starts down. */
#include <errno.h>
#include <net/if.h>
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
