/* Which process inside the sandbox made a connection the proxy refused.
 *
 * The proxy accepted the connection on a socket that lives in the sandbox's
 * network namespace, so the client's socket is in that namespace's TCP
 * table: /proc/<sandbox init>/net/tcp (readable although init is not
 * dumpable) has a line whose local end is our peer and whose remote end is
 * us, with the client socket's inode. The process holding that inode is
 * found among the processes in the same network namespace (their
 * /proc/PID/fd); the namespace is the accepted socket's own (SIOCGSKNS:
 * init's /proc/PID/ns is closed to an unprivileged supervisor, init being
 * non-dumpable). Socket inodes are unique on the host, so the answer cannot
 * be another process's. Used for refusals only, and rate-limited by the
 * caller: a /proc walk is cheap, but not free. */
#include "peer.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static bool v4_of(const struct sockaddr_storage *ss, unsigned *addr, unsigned *port)
{
	if (ss->ss_family != AF_INET)
		return false;
	const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
	memcpy(addr, &in->sin_addr, 4); /* /proc/net/tcp prints the raw 32 bits */
	*port = ntohs(in->sin_port);
	return true;
}

static unsigned long client_inode(pid_t init, int fd)
{
	struct sockaddr_storage peer, self;
	socklen_t pl = sizeof peer, sl = sizeof self;
	unsigned paddr, pport, saddr, sport;
	if (getpeername(fd, (struct sockaddr *)&peer, &pl) < 0 || getsockname(fd, (struct sockaddr *)&self, &sl) < 0 ||
	    !v4_of(&peer, &paddr, &pport) || !v4_of(&self, &saddr, &sport))
		return 0;
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/net/tcp", (int)init);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	char line[512];
	unsigned long found = 0;
	while (!found && fgets(line, sizeof line, f)) {
		unsigned la, lp, ra, rp;
		unsigned long inode;
		if (sscanf(line, " %*d: %8X:%4X %8X:%4X %*x %*x:%*x %*x:%*x %*x %*u %*d %lu", &la, &lp, &ra, &rp,
			   &inode) == 5 &&
		    la == paddr && lp == pport && ra == saddr && rp == sport)
			found = inode;
	}
	fclose(f);
	return found;
}

static bool holds_inode(const char *pid, const char *want)
{
	char dir[300];
	snprintf(dir, sizeof dir, "/proc/%s/fd", pid);
	DIR *d = opendir(dir);
	if (!d)
		return false;
	bool yes = false;
	struct dirent *de;
	while (!yes && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char link[600], target[64];
		snprintf(link, sizeof link, "%s/%s", dir, de->d_name);
		ssize_t n = readlink(link, target, sizeof target - 1);
		if (n > 0) {
			target[n] = '\0';
			yes = strcmp(target, want) == 0;
		}
	}
	closedir(d);
	return yes;
}

pid_t rf_net_peer_pid(pid_t init, int fd)
{
	if (init <= 0)
		return 0;
	unsigned long inode = client_inode(init, fd);
	if (!inode)
		return 0;
	char want[48];
	snprintf(want, sizeof want, "socket:[%lu]", inode);
	int ns = ioctl(fd, SIOCGSKNS);
	if (ns < 0)
		return 0;
	struct stat nst;
	int rc = fstat(ns, &nst);
	close(ns);
	if (rc < 0)
		return 0;
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	pid_t found = 0;
	struct dirent *de;
	while (!found && (de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		char nspath[300];
		struct stat st;
		snprintf(nspath, sizeof nspath, "/proc/%s/ns/net", de->d_name);
		if (stat(nspath, &st) < 0 || st.st_ino != nst.st_ino || st.st_dev != nst.st_dev)
			continue;
		if (holds_inode(de->d_name, want))
			found = (pid_t)atoi(de->d_name);
	}
	closedir(d);
	return found;
}
