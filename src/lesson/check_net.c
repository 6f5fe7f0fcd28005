/* Checks of the network namespace: links, addresses, routes, ping
 * replies (see check.c). */
#define _GNU_SOURCE
#include "lesson/check_int.h"

#include <ctype.h>
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/net.h"

/* Interfaces and addresses of this level's network namespace. getifaddrs
 * asks the kernel over rtnetlink (RTM_GETLINK, RTM_GETADDR dumps) in the
 * calling process's namespace, which is the level's. */
static int
links_count(char *names, size_t n)
{
	struct ifaddrs *ifa, *i;
	int k = 0;
	size_t len = 0;

	if (getifaddrs(&ifa) < 0)
		return -1;
	names[0] = '\0';
	for (i = ifa; i; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_PACKET) {
			k++;
			if (len + strlen(i->ifa_name) + 2 < n)
				len += (size_t)snprintf(names + len, n - len, "%s%s", len ? " " : "", i->ifa_name);
		}
	freeifaddrs(ifa);
	return k;
}

int
chk_links(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	char names[256];
	int k = links_count(names, sizeof(names));

	if (k == atoi(argv[0]))
		return 1;
	return chk_say(why, n, "this network namespace has %d interface%s (%s), not %s", k, k == 1 ? "" : "s",
		   names, argv[0]);
}

static int
link_flags(const char *name)
{
	unsigned idx = if_nametoindex(name);
	struct ifaddrs *ifa, *i;
	int flags = -1;

	if (!idx || getifaddrs(&ifa) < 0)
		return -1;
	for (i = ifa; i; i = i->ifa_next)
		if (strcmp(i->ifa_name, name) == 0)
			flags = (int)i->ifa_flags;
	freeifaddrs(ifa);
	return flags;
}

int
chk_link(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	if (if_nametoindex(argv[0]))
		return 1;
	return chk_say(why, n, "there is no interface %s in this network namespace", argv[0]);
}

int
chk_link_up(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	int fl = link_flags(argv[0]);

	if (fl < 0)
		return chk_say(why, n, "there is no interface %s in this network namespace", argv[0]);
	if (fl & IFF_UP)
		return 1;
	return chk_say(why, n, "%s is down", argv[0]);
}

int
chk_addr(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	struct ifaddrs *ifa, *i;
	char want[64], have[80];
	int hit = 0;

	snprintf(want, sizeof(want), "%s", argv[0]);
	if (getifaddrs(&ifa) < 0)
		return chk_say(why, n, "cannot list addresses");
	for (i = ifa; i && !hit; i = i->ifa_next) {
		int fam = i->ifa_addr ? i->ifa_addr->sa_family : 0, bits = 0;
		char a[INET6_ADDRSTRLEN];
		const unsigned char *m;
		size_t mlen;

		if (fam != AF_INET && fam != AF_INET6)
			continue;
		if (fam == AF_INET) {
			inet_ntop(fam, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, a, sizeof(a));
			m = (const unsigned char *)&((struct sockaddr_in *)i->ifa_netmask)->sin_addr;
			mlen = 4;
		} else {
			inet_ntop(fam, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, a, sizeof(a));
			m = (const unsigned char *)&((struct sockaddr_in6 *)i->ifa_netmask)->sin6_addr;
			mlen = 16;
		}
		for (size_t b = 0; i->ifa_netmask && b < mlen; b++)
			bits += __builtin_popcount(m[b]);
		snprintf(have, sizeof(have), "%s/%d", a, bits);
		hit = strcmp(have, want) == 0;
	}
	freeifaddrs(ifa);
	if (hit)
		return 1;
	return chk_say(why, n, "no interface here has the address %s", want);
}

/* `route default` or `route 10.0.0.0/24`: an RTM_GETROUTE dump of this
 * level's network namespace */
int
chk_route(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	struct cidr4 c;
	struct nsx_err err;
	bool dflt = strcmp(argv[0], "default") == 0;
	int r;

	if (!dflt && parse_cidr4(argv[0], &c, &err) < 0)
		return chk_say(why, n, "%s", err.msg);
	r = net_route_find(dflt ? NULL : &c, &err);
	if (r < 0)
		return chk_say(why, n, "%s", err.msg);
	if (r)
		return 1;
	return chk_say(why, n, "this network namespace has no %s route", argv[0]);
}

int
chk_icmp_replies(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	FILE *f = chk_level_file(e, "net/snmp");
	char head[1024], vals[1024];
	long got = -1;

	if (!f)
		return chk_say(why, n, "cannot read net/snmp");
	/* "Icmp: InMsgs InErrors ..." then "Icmp: 3 0 ..." */
	while (fgets(head, sizeof(head), f) && fgets(vals, sizeof(vals), f)) {
		char *hs = NULL, *vs = NULL, *h, *v;

		if (strncmp(head, "Icmp:", 5) != 0)
			continue;
		h = strtok_r(head, " \n", &hs);
		v = strtok_r(vals, " \n", &vs);
		while ((h = strtok_r(NULL, " \n", &hs)) && (v = strtok_r(NULL, " \n", &vs)))
			if (strcmp(h, "InEchoReps") == 0)
				got = atol(v);
		break;
	}
	fclose(f);
	if (got > 0)
		return 1;
	return chk_say(why, n, "no ping reply has arrived in this network namespace yet");
}
