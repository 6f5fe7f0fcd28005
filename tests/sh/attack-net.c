/* What container root tries in attack-net.t, compiled there with cc
 * -static so that it runs in any rootfs. Each command prints one word:
 * "ok" or the errno's name (or, for ra, how many it sent).
 *
 *   ra IFNAME        IPv6 router advertisements to all nodes on IFNAME:
 *                    a default route (lifetime 1800 s) and an on-link,
 *                    autonomous prefix 2001:db8:5::/64 (CVE-2020-13401)
 *   io_uring         io_uring_setup(1, {0})
 *   personality HEX  personality(HEX)
 *   packet           socket(AF_PACKET, SOCK_RAW, ETH_P_ALL)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int
result(long r)
{
	const char *s = r < 0 ? strerrorname_np(errno) : NULL;

	printf("%s\n", r >= 0 ? "ok" : s ? s : "error");
	return 0;
}

/* IFNAME's link-local address, bound: it must have finished duplicate
 * address detection (a tentative one cannot be bound), about a second
 * after the link came up */
static int
ra_socket(const char *ifname, unsigned idx)
{
	int s = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6), hops = 255;
	struct timespec tick = { 0, 100 * 1000 * 1000 };

	if (s < 0)
		return -1;
	setsockopt(s, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops));
	setsockopt(s, IPPROTO_IPV6, IPV6_MULTICAST_IF, &idx, sizeof(idx));
	for (int t = 0; t < 100; t++, nanosleep(&tick, NULL)) {
		struct ifaddrs *ifa, *i;
		int bound = -1;

		if (getifaddrs(&ifa) < 0)
			continue;
		for (i = ifa; i && bound < 0; i = i->ifa_next) {
			struct sockaddr_in6 a;

			if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET6 || strcmp(i->ifa_name, ifname))
				continue;
			memcpy(&a, i->ifa_addr, sizeof(a));
			if (IN6_IS_ADDR_LINKLOCAL(&a.sin6_addr))
				bound = bind(s, (struct sockaddr *)&a, sizeof(a));
		}
		freeifaddrs(ifa);
		if (bound == 0)
			return s;
	}
	close(s);
	return -1;
}

static int
ra(const char *ifname)
{
	struct {
		struct nd_router_advert ra;
		struct nd_opt_prefix_info pi;
	} m;
	struct sockaddr_in6 all = { .sin6_family = AF_INET6 };
	struct timespec gap = { 0, 300 * 1000 * 1000 };
	unsigned idx = if_nametoindex(ifname);
	int s = idx ? ra_socket(ifname, idx) : -1, sent = 0;

	if (s < 0)
		return result(-1);
	memset(&m, 0, sizeof(m));
	m.ra.nd_ra_type = ND_ROUTER_ADVERT;	/* the kernel fills the checksum */
	m.ra.nd_ra_curhoplimit = 64;
	m.ra.nd_ra_router_lifetime = htons(1800);
	m.pi.nd_opt_pi_type = ND_OPT_PREFIX_INFORMATION;
	m.pi.nd_opt_pi_len = 4;
	m.pi.nd_opt_pi_prefix_len = 64;
	m.pi.nd_opt_pi_flags_reserved = ND_OPT_PI_FLAG_ONLINK | ND_OPT_PI_FLAG_AUTO;
	m.pi.nd_opt_pi_valid_time = htonl(86400);
	m.pi.nd_opt_pi_preferred_time = htonl(14400);
	inet_pton(AF_INET6, "2001:db8:5::", &m.pi.nd_opt_pi_prefix);
	inet_pton(AF_INET6, "ff02::1", &all.sin6_addr);
	all.sin6_scope_id = idx;
	for (int i = 0; i < 5; i++, nanosleep(&gap, NULL))
		sent += sendto(s, &m, sizeof(m), 0, (struct sockaddr *)&all, sizeof(all)) == sizeof(m);
	close(s);
	printf("sent %d\n", sent);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "ra") == 0)
		return ra(argv[2]);
	if (argc == 2 && strcmp(argv[1], "io_uring") == 0) {
		long p[15] = { 0 };	/* struct io_uring_params: 120 bytes */

		return result(syscall(425, 1L, p));
	}
	if (argc == 3 && strcmp(argv[1], "personality") == 0)
		return result(syscall(SYS_personality, strtoul(argv[2], NULL, 16)));
	if (argc == 2 && strcmp(argv[1], "packet") == 0)
		return result(socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL)));
	fprintf(stderr, "usage: ra IFNAME | io_uring | personality HEX | packet\n");
	return 2;
}
