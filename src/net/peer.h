/* The process behind a connection accepted from inside the sandbox. */
#ifndef RF_NET_PEER_H
#define RF_NET_PEER_H

#include <sys/types.h>

/* The host pid of the sandbox process holding the other end of `fd`, a TCP
 * connection accepted on a listener in the network namespace of `init`
 * (the sandbox's pid 1, as the host sees it). 0 when it cannot be told
 * (the process is gone, or `init` is 0). */
pid_t rf_net_peer_pid(pid_t init, int fd);

#endif
