/* Container networking over rtnetlink with libmnl, never ip(8): one request
 * per socket (SOCK_CLOEXEC, closed on every path), the kernel's ack read,
 * its errno (and its extended-ack text, when it sends one) turned into a
 * message that names the interface. */
#define _GNU_SOURCE
#include "net/net.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/file.h"
#include "util/xalloc.h"

#define NL_RCVBUF 32768		/* a dump's part: the kernel's is at most 32 KiB */

/* ---- one request, its answer ---- */

struct nl_req {
	mnl_cb_t cb;		/* each reply message; NULL: none expected */
	void *data;
	char ext[200];		/* the kernel's extended-ack text, or "" */
};

static int
nl_data(const struct nlmsghdr *nlh, void *p)
{
	struct nl_req *r = p;

	return r->cb ? r->cb(nlh, r->data) : MNL_CB_OK;
}

static int
nl_ext_attr(const struct nlattr *a, void *p)
{
	struct nl_req *r = p;

	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		snprintf(r->ext, sizeof(r->ext), "%s", mnl_attr_get_str(a));
	return MNL_CB_OK;
}

/* The ack (error 0) ends a request; an error keeps the kernel's text, which
 * follows the request it echoes unless that was capped (NETLINK_CAP_ACK). */
static int
nl_error(const struct nlmsghdr *nlh, void *p)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (e->error == 0)
		return MNL_CB_STOP;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && mnl_nlmsg_size(off) <= nlh->nlmsg_len)
		mnl_attr_parse(nlh, (unsigned)off, nl_ext_attr, p);
	errno = -e->error;
	return MNL_CB_ERROR;
}

static int
nl_noop(const struct nlmsghdr *nlh, void *p)
{
	return MNL_CB_OK;
}

static int
nl_done(const struct nlmsghdr *nlh, void *p)
{
	return MNL_CB_STOP;
}

/* not const: mnl_cb_run2() takes a plain pointer */
static mnl_cb_t nl_ctl[NLMSG_MIN_TYPE] = {
	[NLMSG_NOOP] = nl_noop,
	[NLMSG_ERROR] = nl_error,
	[NLMSG_DONE] = nl_done,
	[NLMSG_OVERRUN] = nl_noop,
};

static int
nl_exchange(struct mnl_socket *nl, struct nlmsghdr *nlh, struct nl_req *r)
{
	unsigned int portid, seq = nlh->nlmsg_seq = 1;
	char buf[NL_RCVBUF];
	int one = 1, ret;

	/* both are extras (4.3, 4.12): ignore an old kernel's refusal */
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return -1;
	portid = mnl_socket_get_portid(nl);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	do {
		ret = (int)mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (ret < 0)
			return -1;
		ret = mnl_cb_run2(buf, (size_t)ret, seq, portid, nl_data, r, nl_ctl,
				  NLMSG_MIN_TYPE);
	} while (ret > MNL_CB_STOP);
	return ret < 0 ? -1 : 0;
}

/* Send nlh, read replies until its ack (or a dump's end): 0, or -1 with
 * errno (the kernel's error for the request). */
static int
nl_talk(struct nlmsghdr *nlh, struct nl_req *r)
{
	struct mnl_socket *nl;
	int rc, e;

	r->ext[0] = '\0';
	/* without NLM_F_ACK a good GET ends with its reply, which we cannot
	 * tell from the first of many: always ask for the ack (dumps end
	 * with NLMSG_DONE instead) */
	if ((nlh->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP)
		nlh->nlmsg_flags |= NLM_F_ACK;
	if (!(nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC)))
		return -1;
	rc = nl_exchange(nl, nlh, r);
	e = errno;
	mnl_socket_close(nl);
	errno = e;
	return rc;
}

static struct nlmsghdr *
nl_msg(char *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

/* A link request: an ifinfomsg (any family) and the link's name, which
 * names the link (or, with ifi_index set, is its new name). */
static struct ifinfomsg *
nl_link_msg(char *buf, uint16_t type, uint16_t flags, const char *name, struct nlmsghdr **nlh)
{
	struct ifinfomsg *ifi;

	*nlh = nl_msg(buf, type, flags);
	ifi = mnl_nlmsg_put_extra_header(*nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(*nlh, IFLA_IFNAME, name);
	return ifi;
}

/* "WHAT: strerror" and the kernel's own words when it gave some. */
static int __attribute__((format(printf, 4, 5)))
net_fail(struct nsx_err *err, int e, const struct nl_req *r, const char *fmt, ...)
{
	char what[360];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return nsx_error(err, e, "%s: %s%s%s%s", what, strerror(e), r && *r->ext ? " (" : "",
			 r ? r->ext : "", r && *r->ext ? ")" : "");
}

/* ---- links ---- */

/* The kernel's dev_valid_name(), checked before anything is sent; and no
 * '%': the kernel would take "veth%d" for a pattern and pick the name. */
static int
net_name_ok(const char *name, struct nsx_err *err)
{
	size_t n = strlen(name);

	if (n == 0 || n >= IFNAMSIZ)
		return nsx_error(err, 0, "interface name '%s': must be 1 to %d characters",
				 name, IFNAMSIZ - 1);
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return nsx_error(err, 0, "interface name '%s': not a valid name", name);
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == ':' || *p == '%' || isspace((unsigned char)*p))
			return nsx_error(err, 0, "interface name '%s': no '/', ':', '%%' or "
					 "spaces", name);
	return 0;
}

static int
net_index_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type == RTM_NEWLINK && nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(*ifi)))
		*(int *)data = ifi->ifi_index;
	return MNL_CB_OK;
}

/* The ifindex of name, by netlink (CLOEXEC like the rest); -1 and errno
 * (ENODEV) when there is none. */
static int
net_ifindex(const char *name, struct nl_req *r)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int index = 0;

	nl_link_msg(buf, RTM_GETLINK, 0, name, &nlh);
	r->cb = net_index_cb;
	r->data = &index;
	if (nl_talk(nlh, r) < 0)
		return -1;
	if (index <= 0) {
		errno = ENODEV;
		return -1;
	}
	return index;
}

bool
net_link_exists(const char *ifname)
{
	struct nl_req r = { 0 };

	return net_name_ok(ifname, NULL) == 0 && net_ifindex(ifname, &r) > 0;
}

static int
net_veth_fail(const char *host_if, const char *peer_if, pid_t peer_pid, int e,
	      const struct nl_req *r, struct nsx_err *err)
{
	switch (e) {
	case EEXIST:
		/* the same errno for the peer's name in the other namespace */
		if (net_link_exists(host_if))
			return nsx_error(err, e, "interface %s already exists", host_if);
		return nsx_error(err, e, "interface %s already exists in the network "
				 "namespace of process %d", peer_if, (int)peer_pid);
	case EPERM:
		return nsx_error(err, e, "creating a veth needs CAP_NET_ADMIN on the host "
				 "(run as root, or use the default --net, which needs no privilege)");
	case ESRCH:
		return nsx_error(err, e, "creating veth %s: no process %d (its network "
				 "namespace was to get %s)", host_if, (int)peer_pid, peer_if);
	case EOPNOTSUPP:
		return nsx_error(err, e, "creating veth %s: this kernel has no veth driver "
				 "(CONFIG_VETH; modprobe veth)", host_if);
	}
	return net_fail(err, e, r, "creating veth %s (peer %s in process %d's network namespace)",
			host_if, peer_if, (int)peer_pid);
}

int
net_veth_create(const char *host_if, const char *peer_if, pid_t peer_pid,
		struct nsx_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct nlattr *info, *data, *peer;
	struct nl_req r = { 0 };

	if (net_name_ok(host_if, err) < 0 || net_name_ok(peer_if, err) < 0)
		return -1;
	if (peer_pid <= 0)
		return nsx_error(err, 0, "creating veth %s: no process %d", host_if, (int)peer_pid);
	nl_link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, host_if, &nlh);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* the peer's attributes follow an ifinfomsg of its own */
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer_if);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_PID, (uint32_t)peer_pid);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	if (nl_talk(nlh, &r) < 0)
		return net_veth_fail(host_if, peer_if, peer_pid, errno, &r, err);
	return 0;
}

int
net_link_delete(const char *ifname, struct nsx_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct nl_req r = { 0 };

	if (net_name_ok(ifname, err) < 0)
		return -1;
	nl_link_msg(buf, RTM_DELLINK, 0, ifname, &nlh);
	/* ENODEV: it went with the container's network namespace */
	if (nl_talk(nlh, &r) < 0 && errno != ENODEV)
		return net_fail(err, errno, &r, "deleting interface %s", ifname);
	return 0;
}

int
net_link_up(const char *ifname, struct nsx_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct nl_req r = { 0 };

	if (net_name_ok(ifname, err) < 0)
		return -1;
	ifi = nl_link_msg(buf, RTM_NEWLINK, 0, ifname, &nlh);
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = IFF_UP;
	if (nl_talk(nlh, &r) < 0) {
		if (errno == ENODEV)
			return nsx_error(err, errno, "no interface %s", ifname);
		return net_fail(err, errno, &r, "setting %s up", ifname);
	}
	return 0;
}

int
net_link_rename(const char *ifname, const char *newname, struct nsx_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct nl_req r = { 0 };
	int index;

	if (net_name_ok(ifname, err) < 0 || net_name_ok(newname, err) < 0)
		return -1;
	if ((index = net_ifindex(ifname, &r)) < 0)
		return errno == ENODEV ? nsx_error(err, errno, "renaming %s: no interface %s",
						   ifname, ifname) :
		       net_fail(err, errno, &r, "renaming %s", ifname);
	ifi = nl_link_msg(buf, RTM_NEWLINK, 0, newname, &nlh);
	ifi->ifi_index = index;		/* found by index, so IFLA_IFNAME is the new name */
	if (nl_talk(nlh, &r) == 0)
		return 0;
	if (errno == EEXIST)
		return nsx_error(err, errno, "renaming %s to %s: interface %s already exists",
				 ifname, newname, newname);
	if (errno == EBUSY)	/* before Linux 6.2 */
		return nsx_error(err, errno, "renaming %s to %s: %s is up (this kernel renames "
				 "a link only while it is down)", ifname, newname, ifname);
	return net_fail(err, errno, &r, "renaming %s to %s", ifname, newname);
}

/* ---- the host end of a container's veth ---- */

/* IFLA_AF_SPEC { AF_INET6 { IFLA_INET6_ADDR_GEN_MODE: NONE } }: the kernel
 * makes no address of its own (link-local or other) when the link comes
 * up. Through netlink (Linux 4.1), not the sysctl (4.11). */
static int
net_addr_gen_none(const char *ifname, struct nl_req *r)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct nlattr *spec, *af;

	nl_link_msg(buf, RTM_NEWLINK, 0, ifname, &nlh);
	spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	af = mnl_attr_nest_start(nlh, AF_INET6);
	mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
	mnl_attr_nest_end(nlh, af);
	mnl_attr_nest_end(nlh, spec);
	return nl_talk(nlh, r);
}

/* /proc/sys/net/FAMILY/conf/IFNAME/KEY = val, for this network namespace
 * (the opener's). No such file under ipv6: a kernel without IPv6
 * (ipv6.disable=1), so nothing there to turn off. */
static int
net_conf_set(const char *family, const char *ifname, const char *key, const char *val,
	     struct nsx_err *err)
{
	char path[96];

	snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/%s", family, ifname, key);
	if (file_write_once(path, val) == 0 || (errno == ENOENT && strcmp(family, "ipv6") == 0))
		return 0;
	return net_fail(err, errno, NULL, "setting %s %s to %s on the host end %s (%s)", family, key,
			val, ifname, path);
}

int
net_host_end(const char *ifname, struct nsx_err *err)
{
	static const struct { const char *family, *key, *val; } conf[] = {
		/* a router advertisement from the container would give the host
		 * a default route and addresses (CVE-2020-13401) */
		{ "ipv6", "accept_ra", "0" },
		{ "ipv6", "autoconf", "0" },
		/* no IPv6 on it at all: it has nsx's IPv4 address and nothing else */
		{ "ipv6", "disable_ipv6", "1" },
		/* what the container sends stops at the host, even on a host
		 * that forwards (its own setting and its other links unchanged) */
		{ "ipv4", "forwarding", "0" },
	};
	struct nl_req r = { 0 };

	if (net_name_ok(ifname, err) < 0)
		return -1;
	/* EAFNOSUPPORT: no IPv6 in this kernel or on this link */
	if (net_addr_gen_none(ifname, &r) < 0 && errno != EAFNOSUPPORT)
		return net_fail(err, errno, &r, "turning off IPv6 address generation on %s", ifname);
	for (size_t i = 0; i < ARRAY_SIZE(conf); i++)
		if (net_conf_set(conf[i].family, ifname, conf[i].key, conf[i].val, err) < 0)
			return -1;
	return 0;
}

/* ---- addresses and routes ---- */

int
net_addr_add(const char *ifname, struct in_addr addr, int prefix, struct nsx_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], a[INET_ADDRSTRLEN];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	struct nl_req r = { 0 };
	int index;

	inet_ntop(AF_INET, &addr, a, sizeof(a));
	if (prefix < 1 || prefix > 32)
		return nsx_error(err, 0, "address %s/%d: the prefix length must be 1 to 32", a, prefix);
	if (net_name_ok(ifname, err) < 0)
		return -1;
	if ((index = net_ifindex(ifname, &r)) < 0)
		return errno == ENODEV ? nsx_error(err, errno, "adding %s/%d: no interface %s",
						   a, prefix, ifname) :
		       net_fail(err, errno, &r, "adding %s/%d to %s", a, prefix, ifname);
	nlh = nl_msg(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)index;
	/* LOCAL is ours, ADDRESS the peer's on point-to-point links: the same here */
	mnl_attr_put(nlh, IFA_LOCAL, sizeof(addr), &addr);
	mnl_attr_put(nlh, IFA_ADDRESS, sizeof(addr), &addr);
	if (nl_talk(nlh, &r) == 0)
		return 0;
	if (errno == EEXIST)
		return nsx_error(err, errno, "address %s/%d is already on %s", a, prefix, ifname);
	return net_fail(err, errno, &r, "adding %s/%d to %s", a, prefix, ifname);
}

int
net_route_default(struct in_addr gw, struct nsx_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], a[INET_ADDRSTRLEN];
	struct nlmsghdr *nlh = nl_msg(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	struct nl_req r = { 0 };

	inet_ntop(AF_INET, &gw, a, sizeof(a));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 0;			/* 0.0.0.0/0 */
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;	/* what `ip route add` marks */
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_GATEWAY, sizeof(gw), &gw);
	if (nl_talk(nlh, &r) == 0)
		return 0;
	if (errno == EEXIST)
		return nsx_error(err, errno, "default route via %s: there is a default route "
				 "already", a);
	if (errno == ENETUNREACH)
		return nsx_error(err, errno, "default route via %s: no link that is up has an "
				 "address in its subnet (add the address, set the link up)", a);
	return net_fail(err, errno, &r, "default route via %s", a);
}

/* ---- finding a route ---- */

struct route_find {
	struct in_addr dst;
	int plen;		/* -1: any route; 0: the default */
	bool found;
};

static int
route_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct route_find *q = data;
	const struct nlattr *a;
	struct in_addr dst = { 0 };

	if (nlh->nlmsg_type != RTM_NEWROUTE || nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*rtm)) ||
	    rtm->rtm_family != AF_INET || rtm->rtm_table != RT_TABLE_MAIN)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*rtm))
		if (mnl_attr_get_type(a) == RTA_DST && mnl_attr_get_payload_len(a) == sizeof(dst))
			memcpy(&dst, mnl_attr_get_payload(a), sizeof(dst));
	if (q->plen < 0 || (rtm->rtm_dst_len == q->plen && dst.s_addr == q->dst.s_addr))
		q->found = true;
	return MNL_CB_OK;
}

int
net_route_find(const struct cidr4 *dst, struct nsx_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_msg(buf, RTM_GETROUTE, NLM_F_DUMP);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	struct route_find q = { .plen = 0 };
	struct nl_req r = { .cb = route_cb, .data = &q };

	rtm->rtm_family = AF_INET;
	if (dst) {
		q.dst = dst->net;
		q.plen = dst->prefix;
	}
	if (nl_talk(nlh, &r) < 0)
		return net_fail(err, errno, &r, "listing routes");
	return q.found;
}

/* ---- choosing and parsing networks ---- */

struct net_addrs {
	struct { uint32_t a; int plen; } *v;	/* host byte order */
	size_t n, cap;
};

static void
net_addrs_add(struct net_addrs *s, const struct nlattr *attr, int plen)
{
	if (!attr || mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
		return;
	if (s->n == s->cap)
		s->v = xreallocarray(s->v, s->cap = s->cap ? 2 * s->cap : 16, sizeof(*s->v));
	s->v[s->n].a = ntohl(mnl_attr_get_u32(attr));
	s->v[s->n++].plen = plen;
}

static int
net_addr_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (type == IFA_LOCAL || type == IFA_ADDRESS)
		tb[type] = a;
	return MNL_CB_OK;
}

static int
net_addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1] = { 0 };

	if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifa), net_addr_attr, tb);
	/* both: ADDRESS is the peer's on point-to-point links */
	net_addrs_add(data, tb[IFA_LOCAL], ifa->ifa_prefixlen);
	net_addrs_add(data, tb[IFA_ADDRESS], ifa->ifa_prefixlen);
	return MNL_CB_OK;
}

/* Every IPv4 address of this network namespace; -1 and errno. */
static int
net_addrs_dump(struct net_addrs *s, struct nl_req *r)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int rc = -1;

	/* a dump that changed under us (NLM_F_DUMP_INTR: EINTR) is redone */
	for (int tries = 0; tries < 3 && rc < 0; tries++) {
		struct nlmsghdr *nlh = nl_msg(buf, RTM_GETADDR, NLM_F_DUMP);
		struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

		ifa->ifa_family = AF_INET;
		s->n = 0;
		r->cb = net_addr_cb;
		r->data = s;
		if ((rc = nl_talk(nlh, r)) < 0 && errno != EINTR)
			break;
	}
	return rc;
}

/* Do a/pa and b/pb share an address? Then the shorter prefix's network
 * holds both. */
static bool
net_overlap(uint32_t a, int pa, uint32_t b, int pb)
{
	int p = pa < pb ? pa : pb;
	uint32_t mask = p <= 0 ? 0 : p >= 32 ? ~0u : ~0u << (32 - p);

	return (a & mask) == (b & mask);
}

int
net_pick_cidr(struct cidr4 *c, struct nsx_err *err)
{
	struct net_addrs s = { 0 };
	struct nl_req r = { 0 };
	int rc = -1;

	if (net_addrs_dump(&s, &r) < 0) {
		free(s.v);
		return net_fail(err, errno, &r, "listing the addresses of this network namespace");
	}
	for (uint32_t n = 0; n < 256 && rc < 0; n++) {
		uint32_t net = 10u << 24 | 200u << 16 | n << 8;
		size_t i;

		for (i = 0; i < s.n && !net_overlap(net, 30, s.v[i].a, s.v[i].plen); i++)
			;
		if (i == s.n) {
			c->net.s_addr = htonl(net);
			c->prefix = 30;
			rc = 0;
		}
	}
	free(s.v);
	if (rc < 0)
		return nsx_error(err, EADDRINUSE, "no free network for the veth: every "
				 "10.200.N.0/30 overlaps an address of this network namespace "
				 "(give one explicitly)");
	return 0;
}

void
net_cidr_hosts(const struct cidr4 *c, struct in_addr *host, struct in_addr *cont)
{
	host->s_addr = htonl(ntohl(c->net.s_addr) + 1);
	cont->s_addr = htonl(ntohl(c->net.s_addr) + 2);
}
