/* NETNSID: the id our network namespace gives another one (RTM_GETNSID with
 * NETNSA_FD), as `ip netns list-id` and lsns show it. Through libmnl. */
#define _GNU_SOURCE
#include "model/internal.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int
nsid_attr(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == NETNSA_NSID &&
	    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
		*(int *)data = (int)mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

static int
nsid_reply(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type != RTM_NEWNSID)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(struct rtgenmsg), nsid_attr, data);
	return MNL_CB_OK;
}

static int
query(int sock, int nsfd)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtgenmsg *g;
	int nsid = -2;
	ssize_t n;

	nlh->nlmsg_type = RTM_GETNSID;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = 1;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NETNSA_FD, (uint32_t)nsfd);
	if (send(sock, nlh, nlh->nlmsg_len, 0) < 0)
		return -2;
	n = recv(sock, buf, sizeof(buf), 0);
	if (n <= 0 || mnl_cb_run(buf, (size_t)n, 1, 0, nsid_reply, &nsid) < 0)
		return -2;
	return nsid;
}

int
model_netnsid(struct nsx_model *m, struct nsx_ns *ns)
{
	int fd;

	if (ns->type != NSX_NET)
		return -2;
	if (ns->flags & NSF_NETNSID)
		return ns->netnsid;
	ns->flags |= NSF_NETNSID;
	if (m->nlfd < 0) {
		m->nlfd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
		if (m->nlfd < 0)
			return ns->netnsid = -2;
	}
	fd = model_ns_open(m, ns);
	if (fd < 0)
		return ns->netnsid = -2;
	ns->netnsid = query(m->nlfd, fd);
	close(fd);
	/* NETNSA_NSID_NOT_ASSIGNED is -1: "unassigned" */
	return ns->netnsid;
}
