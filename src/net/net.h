/* Container networking through netlink (libmnl), never by running ip(8).
 * Each function works in the network namespace of the calling thread; each
 * opens its own SOCK_CLOEXEC netlink socket and closes it before returning.
 * Interface names are checked (1..15 characters, no '/', ':', '%' or
 * spaces) before anything is sent; errnum 0 then. Errors as values, with
 * the kernel's errno in errnum; nothing prints. */
#ifndef NSX_NET_H
#define NSX_NET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <sys/types.h>

#include "util/err.h"
#include "util/parse.h"

/* The default for --net=veth: the first 10.200.N.0/30 (N = 0..255) that
 * overlaps the subnet of no IPv4 address of this network namespace (an
 * RTM_GETADDR dump). Two runs starting at once can pick the same one. */
int net_pick_cidr(struct cidr4 *c, struct nsx_err *err);

/* host = net + 1, container = net + 2 */
void net_cidr_hosts(const struct cidr4 *c, struct in_addr *host, struct in_addr *cont);

/* A veth pair: host_if here, peer_if moved into the network namespace of
 * peer_pid (IFLA_NET_NS_PID), in one RTM_NEWLINK. EEXIST names host_if
 * ("interface X already exists"), or peer_if when the name is taken over
 * there; EPERM says CAP_NET_ADMIN is needed. */
int net_veth_create(const char *host_if, const char *peer_if, pid_t peer_pid,
		    struct nsx_err *err);
/* Make the host end of a container's veth take nothing from it but IPv4
 * to the host: IPv6 off (addr_gen_mode none by netlink, accept_ra 0,
 * autoconf 0, disable_ipv6 1: no router advertisement, autoconfigured
 * address or route reaches the host) and IPv4 forwarding off on this link
 * alone. Before the link goes up, so there is no moment without it. A
 * kernel without IPv6 is no error. */
int net_host_end(const char *ifname, struct nsx_err *err);
/* ENODEV is not an error (it went when the container's netns died). */
int net_link_delete(const char *ifname, struct nsx_err *err);
int net_link_up(const char *ifname, struct nsx_err *err);
/* Rename a link of this namespace (veth peer -> "eth0"). Before Linux 6.2
 * the link must be down (EBUSY otherwise). */
int net_link_rename(const char *ifname, const char *newname, struct nsx_err *err);
int net_addr_add(const char *ifname, struct in_addr addr, int prefix, struct nsx_err *err);
/* 0.0.0.0/0 via gw, table main, proto boot: ENETUNREACH until a link that
 * is up has an address in gw's subnet. */
int net_route_default(struct in_addr gw, struct nsx_err *err);
/* Is there an IPv4 route in the main table to dst (NULL: the default
 * route)? 1, 0, or -1 with err. An RTM_GETROUTE dump. */
int net_route_find(const struct cidr4 *dst, struct nsx_err *err);
/* by RTM_GETLINK (not if_nametoindex(), whose socket is not ours) */
bool net_link_exists(const char *ifname);

#endif
