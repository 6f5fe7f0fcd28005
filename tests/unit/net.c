/* net.c: parsing and picking networks, and over rtnetlink a veth between
 * two network namespaces this test makes: the test process unshares its
 * own first (nothing here runs in the host's network namespace; without a
 * namespace of its own the test skips instead), a forked agent unshares a
 * second one and gets the peer. Addresses, link up, a default route, a
 * UDP datagram each way between the two, delete. Both namespaces die with
 * their processes, so nothing is left whatever fails. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>

#include "tap.h"
#include "net/net.h"
#include "util/xalloc.h"

/* a cleared error for each call, so a message shown is that call's */
#define E (memset(&err, 0, sizeof(err)), &err)

static struct in_addr
ip(const char *s)
{
	struct in_addr a = { 0 };

	inet_pton(AF_INET, s, &a);
	return a;
}

static const char *
ntoa(struct in_addr a, char *buf)
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

/* ---- parsing ---- */

static void
parse(void)
{
	static const struct { const char *s, *net; int prefix; } good[] = {
		{ "10.200.0.0/30", "10.200.0.0", 30 }, { "10.200.0.0/24", "10.200.0.0", 24 },
		{ "192.168.4.0/22", "192.168.4.0", 22 }, { "0.0.0.0/1", "0.0.0.0", 1 },
		{ "10.0.0.0/8", "10.0.0.0", 8 },
	};
	static const struct { const char *s, *why; } bad[] = {
		{ "10.200.0.1/24", "host bits are set (the network is 10.200.0.0/24)" },
		{ "10.200.0.0/31", "prefix length must be 1 to 30" },
		{ "10.200.0.0/32", "prefix length must be 1 to 30" },
		{ "10.200.0.0/0", "prefix length must be 1 to 30" },
		{ "10.200.0.0/99999999999999999999", "prefix length must be 1 to 30" },
		{ "10.200.0.0", "not an IPv4 network" }, { "10.200.0/24", "not an IPv4 network" },
		{ "10.200.0.0/", "not an IPv4 network" }, { "10.200.0.0/x", "not an IPv4 network" },
		{ "10.200.0.0/24x", "not an IPv4 network" }, { "abc", "not an IPv4 network" },
		{ "", "not an IPv4 network" }, { "10.200.0.0/-8", "not an IPv4 network" },
		{ "fd00::/64", "not an IPv4 network" }, { "300.1.1.0/24", "not an IPv4 network" },
		{ "10.200.0.0.0.0.0.0.0.0/24", "not an IPv4 network" },
	};
	struct in_addr h, c;
	struct cidr4 cidr;
	struct nsx_err err;
	char buf[INET_ADDRSTRLEN];

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		memset(&cidr, 0, sizeof(cidr));
		is_int(parse_cidr4(good[i].s, &cidr, E), 0, "%s parses", good[i].s);
		is_str(ntoa(cidr.net, buf), good[i].net, "%s: network", good[i].s);
		is_int(cidr.prefix, good[i].prefix, "%s: prefix", good[i].s);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(&cidr, 0, sizeof(cidr));
		memset(&err, 0, sizeof(err));
		is_int(parse_cidr4(bad[i].s, &cidr, E), -1, "'%s' refused", bad[i].s);
		ok(strncmp(err.msg, bad[i].s, strlen(bad[i].s)) == 0 && strstr(err.msg, bad[i].why),
		   "'%s': %s", bad[i].s, err.msg);
		is_int(cidr.prefix, 0, "'%s' changes nothing", bad[i].s);
	}
	parse_cidr4("10.200.3.4/30", &cidr, E);
	parse_cidr4("10.200.3.4/30", &cidr, E);
	net_cidr_hosts(&cidr, &h, &c);
	is_str(ntoa(h, buf), "10.200.3.5", "host = net + 1");
	is_str(ntoa(c, buf), "10.200.3.6", "container = net + 2");
	parse_cidr4("10.200.0.0/24", &cidr, E);
	net_cidr_hosts(&cidr, &h, &c);
	is_str(ntoa(c, buf), "10.200.0.2", "/24: container = net + 2");
}

static void
names(void)
{
	static const char *const bad[] = {
		"", "sixteen-chars-xx", "a/b", "a:b", "a b", "a\tb", ".", "..", "veth%d",
	};
	struct nsx_err err;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(&err, 0, sizeof(err));
		is_int(net_link_up(bad[i], E), -1, "interface name '%s' refused", bad[i]);
		ok(err.errnum == 0 && strstr(err.msg, "interface name") && strstr(err.msg, bad[i]),
		   "before anything is sent: %s", err.msg);
		ok(!net_link_exists(bad[i]), "'%s' does not exist", bad[i]);
	}
}

/* ---- the agent: a child in a network namespace of its own ---- */

enum { OP_EXISTS = 1, OP_RENAME, OP_ADDR, OP_UP, OP_ROUTE, OP_ROUTECHECK, OP_UDP, OP_QUIT };

struct req {
	int op;
	char a[32], b[32];
	struct in_addr ip;
	int n;
};

struct res {
	int rc, errnum;
	char msg[1024];
};

static int agent_fd = -1;
static pid_t agent_pid = -1;

/* /proc/net is the reading process's namespace's: a default route via gw
 * on ifname? (Gateway is the __be32 printed as a host-order number.) */
static int
route_check(const char *ifname, struct in_addr gw)
{
	char line[256], ifn[32];
	unsigned long dst, via;
	int found = 0;
	FILE *f = fopen("/proc/net/route", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%31s %lx %lx", ifn, &dst, &via) == 3 && strcmp(ifn, ifname) == 0 &&
		    dst == 0 && via == gw.s_addr)
			found = 1;
	fclose(f);
	return found;
}

/* "ping" to dst:port, the answer in buf: 0 when it is "pong". */
static int
udp_ping(struct in_addr dst, int port, char *buf, size_t n)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr = dst };
	struct timeval tv = { 5, 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ssize_t got = -1;

	if (s < 0)
		return -1;
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (sendto(s, "ping", 4, 0, (struct sockaddr *)&to, sizeof(to)) == 4)
		got = recv(s, buf, n - 1, 0);
	close(s);
	if (got < 0)
		return -1;
	buf[got] = '\0';
	return strcmp(buf, "pong") == 0 ? 0 : -1;
}

static void
agent_do(const struct req *q, struct res *r)
{
	struct nsx_err err = { 0 };

	switch (q->op) {
	case OP_EXISTS:
		r->rc = net_link_exists(q->a);
		break;
	case OP_RENAME:
		r->rc = net_link_rename(q->a, q->b, E);
		break;
	case OP_ADDR:
		r->rc = net_addr_add(q->a, q->ip, q->n, E);
		break;
	case OP_UP:
		r->rc = net_link_up(q->a, E);
		break;
	case OP_ROUTE:
		r->rc = net_route_default(q->ip, E);
		break;
	case OP_ROUTECHECK:
		r->rc = route_check(q->a, q->ip);
		break;
	case OP_UDP:
		r->rc = udp_ping(q->ip, q->n, r->msg, sizeof(r->msg));
		return;
	}
	r->errnum = err.errnum;
	snprintf(r->msg, sizeof(r->msg), "%s", err.msg);
}

static void __attribute__((noreturn))
agent(int fd)
{
	struct req q;
	struct res r = { 0 };

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	r.rc = unshare(CLONE_NEWNET);
	r.errnum = errno;
	if (send(fd, &r, sizeof(r), 0) < 0 || r.rc < 0)
		_exit(1);
	while (recv(fd, &q, sizeof(q), 0) == (ssize_t)sizeof(q) && q.op != OP_QUIT) {
		memset(&r, 0, sizeof(r));
		agent_do(&q, &r);
		if (send(fd, &r, sizeof(r), 0) < 0)
			break;
	}
	_exit(0);	/* no LeakSanitizer pass in the child */
}

static int
agent_start(void)
{
	struct timeval tv = { 10, 0 };
	struct res r = { -1, 0, "" };
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	fflush(NULL);
	if ((agent_pid = fork()) == 0) {
		close(sv[0]);
		agent(sv[1]);
	}
	close(sv[1]);
	agent_fd = sv[0];
	/* a hung agent fails the test instead of hanging it */
	setsockopt(agent_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (agent_pid < 0 || recv(agent_fd, &r, sizeof(r), 0) != (ssize_t)sizeof(r) || r.rc < 0)
		return -1;
	return 0;
}

static void
agent_stop(void)
{
	if (agent_pid > 0) {
		kill(agent_pid, SIGKILL);	/* our own child, by its PID */
		while (waitpid(agent_pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (agent_fd >= 0)
		close(agent_fd);
	agent_pid = agent_fd = -1;
}

static void
ask_send(int op, const char *a, const char *b, struct in_addr addr, int n)
{
	struct req q = { .op = op, .ip = addr, .n = n };

	snprintf(q.a, sizeof(q.a), "%s", a ? a : "");
	snprintf(q.b, sizeof(q.b), "%s", b ? b : "");
	if (send(agent_fd, &q, sizeof(q), 0) != (ssize_t)sizeof(q))
		printf("# agent: send: %s\n", strerror(errno));
}

static struct res
ask_recv(void)
{
	struct res r = { -99, 0, "no answer from the agent" };

	if (recv(agent_fd, &r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = (struct res){ -99, errno, "no answer from the agent" };
	return r;
}

static struct res
ask(int op, const char *a, const char *b, struct in_addr addr, int n)
{
	ask_send(op, a, b, addr, n);
	return ask_recv();
}

/* ---- in namespaces ---- */

static unsigned long
netns_ino(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) == 0 ? st.st_ino : 0;
}

static int
fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* With CAP_NET_ADMIN dropped from the effective set, in a child. */
static void
veth_eperm(const char *host, const char *peer)
{
	struct res r = { -99, 0, "" };
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return;
	fflush(NULL);
	if ((pid = fork()) == 0) {
		cap_value_t v = CAP_NET_ADMIN;
		cap_t caps = cap_get_proc();
		struct nsx_err err = { 0 };

		if (!caps || cap_set_flag(caps, CAP_EFFECTIVE, 1, &v, CAP_CLEAR) < 0 ||
		    cap_set_proc(caps) < 0)
			_exit(2);
		cap_free(caps);
		r.rc = net_veth_create(host, peer, agent_pid, E);
		r.errnum = err.errnum;
		snprintf(r.msg, sizeof(r.msg), "%s", err.msg);
		if (write(p[1], &r, sizeof(r)) < 0)
			_exit(3);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &r, sizeof(r)) != (ssize_t)sizeof(r))
		r.rc = -99;
	close(p[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	is_int(r.rc, -1, "without CAP_NET_ADMIN: net_veth_create fails");
	is_int(r.errnum, EPERM, "with EPERM");
	ok(strstr(r.msg, "creating a veth needs CAP_NET_ADMIN on the host (run as root, or use "
		  "the default --net, which needs no privilege)") != NULL, "%s", r.msg);
}

static void
veth_errors(const char *host, const char *peer)
{
	struct nsx_err err;
	char other[16];

	snprintf(other, sizeof(other), "vo%d", (int)getpid());
	memset(&err, 0, sizeof(err));
	is_int(net_veth_create(host, "unused0", agent_pid, E), -1, "the same host name again");
	is_int(err.errnum, EEXIST, "EEXIST");
	ok(strstr(err.msg, "interface ") && strstr(err.msg, host) &&
	   strstr(err.msg, "already exists") && !strstr(err.msg, "namespace"),
	   "names the host interface: %s", err.msg);
	memset(&err, 0, sizeof(err));
	is_int(net_veth_create(other, peer, agent_pid, E), -1, "a peer name taken there");
	ok(err.errnum == EEXIST && strstr(err.msg, peer) &&
	   strstr(err.msg, "already exists in the network namespace of process"),
	   "names the peer and where: %s", err.msg);
	ok(!net_link_exists(other), "and %s was not made", other);
	memset(&err, 0, sizeof(err));
	is_int(net_veth_create(other, "unused1", 0x3fffffff, E), -1, "a PID that cannot exist");
	ok(err.errnum == ESRCH && strstr(err.msg, "no process"), "%s", err.msg);
	memset(&err, 0, sizeof(err));
	is_int(net_veth_create(other, "fifteen-chars-x", 0x3fffffff, E), -1,
	       "a 15-character peer name...");
	ok(err.errnum == ESRCH, "...is sent to the kernel (%s)", err.msg);
	veth_eperm(other, "unused2");
	ok(!net_link_exists(other), "nothing made by the failures");
}

/* The UDP round trip: the agent pings our address, we answer. */
static void
udp_round_trip(struct in_addr here, struct in_addr there)
{
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_addr = here }, from;
	socklen_t len = sizeof(me);
	struct timeval tv = { 5, 0 };
	char buf[64] = "", a[INET_ADDRSTRLEN];
	ssize_t got = -1;
	struct res r;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (!ok(s >= 0 && bind(s, (struct sockaddr *)&me, sizeof(me)) == 0 &&
		getsockname(s, (struct sockaddr *)&me, &len) == 0, "a UDP socket on %s",
		ntoa(here, a))) {
		if (s >= 0)
			close(s);
		return;
	}
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ask_send(OP_UDP, NULL, NULL, here, ntohs(me.sin_port));
	len = sizeof(from);
	got = recvfrom(s, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &len);
	buf[got > 0 ? got : 0] = '\0';
	is_str(buf, "ping", "a datagram from the container's namespace arrived");
	ok(got > 0 && from.sin_addr.s_addr == there.s_addr, "from %s", ntoa(there, a));
	if (got > 0)
		sendto(s, "pong", 4, 0, (struct sockaddr *)&from, len);
	r = ask_recv();
	is_int(r.rc, 0, "and the answer went back (the agent got '%s')", r.msg);
	close(s);
}

/* Linux 6.2 renames a link that is up; before, EBUSY says it is up. */
static void
up_rename(const char *host)
{
	struct nsx_err err;
	struct utsname u;
	char tmp[16];
	int maj = 0, min = 0, rc;

	uname(&u);
	sscanf(u.release, "%d.%d", &maj, &min);
	snprintf(tmp, sizeof(tmp), "vr%d", (int)getpid());
	rc = net_link_rename(host, tmp, E);
	if (maj > 6 || (maj == 6 && min >= 2)) {
		is_int(rc, 0, "renaming %s while up (Linux %d.%d): %s", host, maj, min, err.msg);
		ok(net_link_exists(tmp) && !net_link_exists(host), "it is %s now", tmp);
		is_int(net_link_rename(tmp, host, E), 0, "and back: %s", err.msg);
	} else {
		is_int(rc, -1, "renaming %s while up fails before Linux 6.2", host);
		ok(err.errnum == EBUSY && strstr(err.msg, "is up"), "%s", err.msg);
	}
	ok(net_link_exists(host), "%s is there", host);
}

/* /proc/sys/net/FAMILY/conf/IFNAME/KEY, as an int; -1 when unreadable */
static int
conf_get(const char *family, const char *ifname, const char *key)
{
	char path[128];
	int v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/%s", family, ifname, key);
	if ((f = fopen(path, "re"))) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* Has ifname an IPv6 address (any scope)? /proc/net/if_inet6 names it. */
static bool
has_inet6(const char *ifname)
{
	char line[256], name[32];
	bool found = false;
	FILE *f = fopen("/proc/net/if_inet6", "re");

	while (f && !found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*s %*s %*s %*s %*s %31s", name) == 1 && strcmp(name, ifname) == 0;
	if (f)
		fclose(f);
	return found;
}

/* The host end: IPv6 and forwarding off, set while it is down; this
 * namespace's own settings as they were */
static void
host_end(const char *host)
{
	struct nsx_err err = { 0 };
	int all = conf_get("ipv4", "all", "forwarding"), dflt = conf_get("ipv6", "default", "accept_ra");

	is_int(net_host_end(host, E), 0, "net_host_end %s: %s", host, err.msg);
	is_int(conf_get("ipv6", host, "accept_ra"), 0, "%s: accept_ra 0", host);
	is_int(conf_get("ipv6", host, "autoconf"), 0, "%s: autoconf 0", host);
	is_int(conf_get("ipv6", host, "addr_gen_mode"), 1, "%s: addr_gen_mode 1 (none)", host);
	is_int(conf_get("ipv6", host, "disable_ipv6"), 1, "%s: disable_ipv6 1", host);
	is_int(conf_get("ipv4", host, "forwarding"), 0, "%s: IPv4 forwarding 0", host);
	is_int(conf_get("ipv4", "all", "forwarding"), all, "the namespace's own forwarding unchanged");
	is_int(conf_get("ipv6", "default", "accept_ra"), dflt, "and its default accept_ra");
	is_int(net_host_end(host, E), 0, "net_host_end again is fine: %s", err.msg);
	memset(&err, 0, sizeof(err));
	is_int(net_host_end("nosuch0", E), -1, "net_host_end on a missing link");
	ok(err.errnum == ENODEV && strstr(err.msg, "nosuch0"), "%s", err.msg);
}

static void
veth(void)
{
	char host[16], peer[16], a[INET_ADDRSTRLEN];
	struct nsx_err err = { 0 };
	struct cidr4 cidr;
	struct in_addr h, c;
	struct res r;
	int fds;

	snprintf(host, sizeof(host), "vh%d", (int)getpid());
	snprintf(peer, sizeof(peer), "vp%d", (int)getpid());
	fds = fd_count();
	is_int(net_pick_cidr(&cidr, E), 0, "net_pick_cidr in an empty namespace: %s", err.msg);
	is_str(ntoa(cidr.net, a), "10.200.0.0", "the first /30");
	is_int(cidr.prefix, 30, "a /30");
	net_cidr_hosts(&cidr, &h, &c);
	if (!ok(agent_start() == 0, "an agent in a network namespace of its own")) {
		agent_stop();
		return;
	}

	is_int(net_veth_create(host, peer, agent_pid, E), 0, "net_veth_create %s %s: %s",
	       host, peer, err.msg);
	ok(net_link_exists(host), "%s is here", host);
	ok(!net_link_exists(peer), "%s is not here", peer);
	is_int(ask(OP_EXISTS, peer, NULL, h, 0).rc, 1, "%s is in the agent's namespace", peer);
	veth_errors(host, peer);
	host_end(host);

	is_int(net_addr_add(host, h, 30, E), 0, "%s/30 on %s: %s", ntoa(h, a), host, err.msg);
	memset(&err, 0, sizeof(err));
	is_int(net_addr_add(host, h, 30, E), -1, "the same address again");
	ok(err.errnum == EEXIST && strstr(err.msg, "is already on"), "%s", err.msg);
	is_int(net_link_up(host, E), 0, "%s up: %s", host, err.msg);
	ok(!has_inet6(host), "%s is up with no IPv6 address, not even a link-local one", host);
	up_rename(host);

	r = ask(OP_RENAME, peer, "eth0", h, 0);
	is_int(r.rc, 0, "rename %s to eth0 there: %s", peer, r.msg);
	is_int(ask(OP_EXISTS, "eth0", NULL, h, 0).rc, 1, "eth0 is there");
	is_int(ask(OP_EXISTS, peer, NULL, h, 0).rc, 0, "%s is not", peer);
	r = ask(OP_RENAME, "eth0", "lo", h, 0);
	ok(r.rc == -1 && r.errnum == EEXIST && strstr(r.msg, "interface lo already exists"),
	   "renaming onto lo: %s", r.msg);
	r = ask(OP_ROUTE, NULL, NULL, h, 0);
	ok(r.rc == -1 && r.errnum == ENETUNREACH && strstr(r.msg, "default route via"),
	   "a default route before the address: %s", r.msg);
	r = ask(OP_ADDR, "eth0", NULL, c, 30);
	is_int(r.rc, 0, "%s/30 on eth0 there: %s", ntoa(c, a), r.msg);
	r = ask(OP_UP, "eth0", NULL, h, 0);
	is_int(r.rc, 0, "eth0 up: %s", r.msg);
	r = ask(OP_ROUTE, NULL, NULL, h, 0);
	is_int(r.rc, 0, "default route via %s there: %s", ntoa(h, a), r.msg);
	is_int(ask(OP_ROUTECHECK, "eth0", NULL, h, 0).rc, 1,
	       "/proc/net/route there: default via %s on eth0", ntoa(h, a));
	r = ask(OP_ROUTE, NULL, NULL, h, 0);
	ok(r.rc == -1 && r.errnum == EEXIST && strstr(r.msg, "already"), "again: %s", r.msg);
	is_int(route_check(host, h), 0, "no default route here");

	udp_round_trip(h, c);

	/* the /30 in use is skipped, and a /24 covering the next one */
	is_int(net_addr_add("lo", ip("10.200.1.77"), 24, E), 0, "10.200.1.77/24 on lo: %s",
	       err.msg);
	is_int(net_pick_cidr(&cidr, E), 0, "net_pick_cidr again");
	is_str(ntoa(cidr.net, a), "10.200.2.0", "skips 10.200.0.0/30 (veth) and 10.200.1.0 (/24)");

	is_int(net_link_delete(host, E), 0, "net_link_delete %s: %s", host, err.msg);
	ok(!net_link_exists(host), "%s is gone", host);
	is_int(ask(OP_EXISTS, "eth0", NULL, h, 0).rc, 0, "and its peer in the other namespace");
	is_int(net_link_delete(host, E), 0, "deleting it again is not an error (ENODEV)");

	memset(&err, 0, sizeof(err));
	is_int(net_link_up("nosuch0", E), -1, "up on a missing link");
	ok(err.errnum == ENODEV && strstr(err.msg, "no interface nosuch0"), "%s", err.msg);
	memset(&err, 0, sizeof(err));
	is_int(net_addr_add("nosuch0", h, 30, E), -1, "an address on a missing link");
	ok(err.errnum == ENODEV && strstr(err.msg, "nosuch0"), "%s", err.msg);
	memset(&err, 0, sizeof(err));
	is_int(net_link_rename("nosuch0", "x", E), -1, "renaming a missing link");
	ok(err.errnum == ENODEV && strstr(err.msg, "nosuch0"), "%s", err.msg);

	/* all of 10.0.0.0/8 taken: nothing to pick */
	net_addr_add("lo", ip("10.0.0.1"), 8, E);
	memset(&err, 0, sizeof(err));
	is_int(net_pick_cidr(&cidr, E), -1, "with 10.0.0.1/8 here, no 10.200.N.0/30 is free");
	ok(strstr(err.msg, "no free network") != NULL, "%s", err.msg);

	ask_send(OP_QUIT, NULL, NULL, h, 0);
	agent_stop();
	is_int(fd_count(), fds, "every netlink and UDP socket was closed");
}

static void
in_namespaces(void)
{
	unsigned long before = netns_ino();
	int flags = geteuid() == 0 ? CLONE_NEWNET : CLONE_NEWUSER | CLONE_NEWNET;

	/* Before any netlink request: the host's namespace is never touched.
	 * Not root: a user namespace gives CAP_NET_ADMIN over our own. */
	if (unshare(flags) < 0) {
		skip("net: needs root or unprivileged user namespaces (unshare CLONE_NEWNET)");
		return;
	}
	if (!ok(netns_ino() != before && before != 0, "in a network namespace of our own"))
		return;
	veth();
}

int
main(void)
{
	parse();
	names();		/* refused before anything is sent */
	in_namespaces();
	return done_testing();
}
