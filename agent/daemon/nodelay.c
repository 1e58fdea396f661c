/* SPDX-License-Identifier: MIT */
/* nodelay: TCP_NODELAY on the broker connection. Paho MQTT C offers no hook
 * for socket options and never sets TCP_NODELAY, so a QoS 1 command's PUBACK
 * followed by its result waited ~40 ms for the broker's delayed ACK (Nagle);
 * measured by tests/bench/bench.py ("publish -> result received").
 *
 * Paho calls connect() through the PLT; the executable's definition wins, so
 * this one sets the option on every TCP socket and then does the real call.
 * It adds no behaviour besides the option; non-TCP sockets pass untouched.
 *
 * Why not something cleaner: Debian 12's Paho (1.3.12) has no socket
 * callback and no connect option for it (upstream issue #530 asks for one);
 * the connection is made on Paho's own thread, out of our reach. It is
 * linked on purpose (agent/CMakeLists.txt lists it with this reason) and
 * mqtt_link.c's start_connect() points here. Remove it once the Paho the
 * agent builds against can set the option itself. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	int one = 1;

	if (addr && (addr->sa_family == AF_INET || addr->sa_family == AF_INET6)) {
		int type = 0;
		socklen_t tl = sizeof type;
		if (!getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) && type == SOCK_STREAM)
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	}
	/* The raw system call: no libc symbol lookup, and the same semantics
	 * (errno, EINPROGRESS for Paho's non-blocking connect). */
	return (int)syscall(SYS_connect, fd, addr, len);
}
