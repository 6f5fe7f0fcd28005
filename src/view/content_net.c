/* A net namespace's interfaces and addresses: from inside it on the live
 * system (getifaddrs in a thread that entered it, see ct_live_read), else
 * from its process's /proc/PID/net files, which need no privilege:
 * net/dev for the names, net/if_inet6 for IPv6, net/fib_trie's local
 * entries for IPv4, placed on an interface by net/route. */
#define _GNU_SOURCE
#include "view/content_int.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

struct iface {
	char name[IFNAMSIZ];
	unsigned flags;
	bool have_flags;
	char addrs[1024];
};

struct ifaces {
	struct iface *v;
	size_t n, cap;
	char other[512];	/* addresses no interface was found for */
};

static struct iface *
iface_get(struct ifaces *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 8;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	memset(&l->v[l->n], 0, sizeof(l->v[l->n]));
	snprintf(l->v[l->n].name, sizeof(l->v[l->n].name), "%s", name);
	return &l->v[l->n++];
}

static int
mask_bits(const unsigned char *b, size_t len)
{
	int bits = 0;

	for (size_t i = 0; i < len; i++)
		bits += __builtin_popcount(b[i]);
	return bits;
}

static void
iface_addr(struct iface *i, int af, const void *addr, int plen)
{
	char text[INET6_ADDRSTRLEN + 8];

	if (!inet_ntop(af, addr, text, INET6_ADDRSTRLEN))
		return;
	snprintf(text + strlen(text), sizeof(text) - strlen(text), "/%d", plen);
	ct_join(i->addrs, sizeof(i->addrs), " ", text);
}

/* getifaddrs' list: one AF_PACKET entry per interface, in index order,
 * then the addresses. */
static void
ifaces_from_ifaddrs(struct ifaces *l, struct ifaddrs *ifa)
{
	for (; ifa; ifa = ifa->ifa_next) {
		struct iface *i = iface_get(l, ifa->ifa_name);
		int af = ifa->ifa_addr ? ifa->ifa_addr->sa_family : AF_UNSPEC;

		i->flags = ifa->ifa_flags;
		i->have_flags = true;
		if (af == AF_INET && ifa->ifa_netmask)
			iface_addr(i, af, &((struct sockaddr_in *)ifa->ifa_addr)->sin_addr,
				   mask_bits((void *)&((struct sockaddr_in *)ifa->ifa_netmask)->sin_addr, 4));
		else if (af == AF_INET6 && ifa->ifa_netmask)
			iface_addr(i, af, &((struct sockaddr_in6 *)ifa->ifa_addr)->sin6_addr,
				   mask_bits((void *)&((struct sockaddr_in6 *)ifa->ifa_netmask)->sin6_addr, 16));
	}
}

/* /proc/PID/net/dev: two header lines, then "  NAME: counters". A host
 * may have thousands of interfaces: its files are read as streams. */
static void
ifaces_from_dev(const struct nsx_model *m, pid_t pid, struct ifaces *l)
{
	FILE *f = ct_fopen(m, pid, "net/dev");
	char *line = NULL;
	size_t cap = 0;

	if (!f)
		return;
	for (int k = 0; getline(&line, &cap, f) > 0; k++) {
		char *colon = strchr(line, ':');

		if (k < 2 || !colon)
			continue;
		*colon = '\0';
		iface_get(l, line + strspn(line, " "));
	}
	free(line);
	fclose(f);
}

static void
inet6_line(struct ifaces *l, const char *line)
{
	char hex[33], name[IFNAMSIZ];
	unsigned char a[16];
	unsigned idx, plen, scope, flags;

	if (sscanf(line, "%32s %x %x %x %x %15s", hex, &idx, &plen, &scope, &flags, name) != 6 ||
	    strlen(hex) != 32)
		return;
	for (int k = 0; k < 16; k++) {
		unsigned byte = 0;

		sscanf(hex + 2 * k, "%2x", &byte);
		a[k] = (unsigned char)byte;
	}
	iface_addr(iface_get(l, name), AF_INET6, a, (int)plen);
}

/* net/if_inet6: "ADDR32HEX IFINDEX PLEN SCOPE FLAGS NAME", hex fields. */
static void
ifaces_from_inet6(const struct nsx_model *m, pid_t pid, struct ifaces *l)
{
	FILE *f = ct_fopen(m, pid, "net/if_inet6");
	char *line = NULL;
	size_t cap = 0;

	if (!f)
		return;
	while (getline(&line, &cap, f) > 0)
		inet6_line(l, line);
	free(line);
	fclose(f);
}

#define LOCAL4_MAX 256

/* The addresses of the "/32 host LOCAL" entries of net/fib_trie: this
 * namespace's own IPv4 addresses (the trie lists them twice, Main and
 * Local). Readable without privilege, unlike an RTM_GETADDR dump in it. */
static size_t
local4_read(const struct nsx_model *m, pid_t pid, struct in_addr *out)
{
	FILE *f = ct_fopen(m, pid, "net/fib_trie");
	char *line = NULL, last[INET_ADDRSTRLEN] = "";
	size_t cap = 0, n = 0;

	if (!f)
		return 0;
	while (getline(&line, &cap, f) > 0 && n < LOCAL4_MAX) {
		char *leaf = strstr(line, "|-- ");
		struct in_addr a;
		size_t k;

		if (leaf) {
			sscanf(leaf + 4, "%15s", last);
			continue;
		}
		if (!strstr(line, "/32 host LOCAL") || inet_pton(AF_INET, last, &a) != 1)
			continue;
		for (k = 0; k < n && out[k].s_addr != a.s_addr; k++)
			;
		if (k == n)
			out[n++] = a;
	}
	free(line);
	fclose(f);
	return n;
}

struct route4 {
	char dev[IFNAMSIZ];
	uint32_t dst, mask;	/* as in memory: network byte order */
};

/* Which interface an IPv4 address is on: the one with the most specific
 * route of net/route covering it (its subnet's), lo for 127/8. */
static void
local4_place(struct ifaces *l, struct in_addr a, const struct route4 *r, size_t nr)
{
	const struct route4 *best = NULL;

	for (size_t i = 0; i < nr; i++)
		if ((a.s_addr & r[i].mask) == r[i].dst &&
		    (!best || __builtin_popcount(r[i].mask) > __builtin_popcount(best->mask)))
			best = &r[i];
	if (best)
		iface_addr(iface_get(l, best->dev), AF_INET, &a, __builtin_popcount(best->mask));
	else if ((ntohl(a.s_addr) >> 24) == 127)
		iface_addr(iface_get(l, "lo"), AF_INET, &a, 8);
	else {
		char text[INET_ADDRSTRLEN];

		ct_join(l->other, sizeof(l->other), " ", inet_ntop(AF_INET, &a, text, sizeof(text)));
	}
}

#define ROUTE4_MAX 256

/* net/route: "IFACE DEST GW FLAGS REFCNT USE METRIC MASK ...", the
 * addresses as the hex of their in-memory value; the default route (mask
 * 0) places nothing. */
static size_t
route4_read(const struct nsx_model *m, pid_t pid, struct route4 *r)
{
	FILE *f = ct_fopen(m, pid, "net/route");
	char *line = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return 0;
	while (getline(&line, &cap, f) > 0 && n < ROUTE4_MAX) {
		unsigned dst, mask;

		if (sscanf(line, "%15s %x %*x %*x %*d %*d %*d %x", r[n].dev, &dst, &mask) != 3 || !mask)
			continue;
		r[n].dst = dst;
		r[n].mask = mask;
		n++;
	}
	free(line);
	fclose(f);
	return n;
}

static void
ifaces_from_v4(const struct nsx_model *m, pid_t pid, struct ifaces *l)
{
	struct route4 *r = xcalloc(ROUTE4_MAX, sizeof(*r));
	struct in_addr *local = xcalloc(LOCAL4_MAX, sizeof(*local));
	size_t nr = route4_read(m, pid, r), nl = local4_read(m, pid, local);

	for (size_t i = 0; i < nl; i++)
		local4_place(l, local[i], r, nr);
	free(local);
	free(r);
}

void
ct_net_glance(const struct nsx_model *m, const struct nsx_ns *ns, char *buf, size_t n)
{
	struct ifaces l = { 0 };
	struct ct_live live;

	if (ns->rep)
		ifaces_from_dev(m, ns->rep, &l);
	else if (ct_live_read(m, ns, &live) == 0) {
		/* held by a mount or fd only: no /proc/PID/net to read */
		ifaces_from_ifaddrs(&l, live.ifa);
		freeifaddrs(live.ifa);
	}
	for (size_t i = 0; i < l.n; i++)
		ct_join(buf, n, " ", l.v[i].name);
	free(l.v);
}

static const char *
iface_state(const struct iface *i)
{
	if (!i->have_flags)
		return "";
	if (!(i->flags & IFF_UP))
		return "  down";
	return (i->flags & IFF_RUNNING) ? "  up" : "  up, no carrier";
}

void
ct_net_detail(const struct nsx_model *m, const struct nsx_ns *ns, struct ct_lines *out)
{
	struct ifaces l = { 0 };
	struct ct_live live;

	if (ct_live_read(m, ns, &live) == 0) {
		ifaces_from_ifaddrs(&l, live.ifa);
		freeifaddrs(live.ifa);
	} else if (ns->rep) {
		/* no privilege to enter it: what its process's /proc/PID/net shows */
		ifaces_from_dev(m, ns->rep, &l);
		ifaces_from_v4(m, ns->rep, &l);
		ifaces_from_inet6(m, ns->rep, &l);
	} else {
		ct_lines_add(out, "interfaces: not readable (%s)", ct_live_why(m, &live));
		return;
	}
	for (size_t i = 0; i < l.n; i++)
		ct_lines_add(out, "%s%s%s%s", l.v[i].name, iface_state(&l.v[i]),
			  l.v[i].addrs[0] ? "  " : "", l.v[i].addrs);
	if (l.other[0])
		ct_lines_add(out, "other addresses: %s", l.other);
	if (!l.n)
		ct_lines_add(out, "no interfaces");
	free(l.v);
}

