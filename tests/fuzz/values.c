/* The small values options and lesson checks take: id maps
 * (--map-users, --uid-map INNER:OUTER:COUNT), sizes and limits (--memory
 * 64m, --pids, --cpus 0.5), --net veth:CIDR, PIDs, namespace links
 * "net:[4026531840]" and type names, lesson file names, and the container
 * labels of cgroup paths. The first byte picks the parser, the rest is
 * its argument. */
#include "fuzz.h"

#include <arpa/inet.h>

#include "cmd/cmd.h"
#include "cgroup/cgroup.h"
#include "net/net.h"
#include "lesson/lesson.h"
#include "level/level.h"
#include "model/nstype.h"
#include "view/content.h"

static void
f_idmap(const char *s)
{
	struct idmap m;

	if (idmap_parse(s, &m) == 0)
		fz_assert(m.count > 0 && m.inner + m.count <= 4294967295UL &&
			  m.outer + m.count <= 4294967295UL);
}

static void
f_memory(const char *s)
{
	struct nsx_err err = { 0 };
	long long v = -1;

	if (parse_memory(s, &v, &err) == 0)
		fz_assert(v > 0);
	else
		fz_assert(err.msg[0]);
}

static void
f_pids(const char *s)
{
	struct nsx_err err = { 0 };
	long long v = -1;

	if (parse_pids(s, &v, &err) == 0)
		fz_assert(v > 0 && v <= 4194304);
}

static void
f_cpus(const char *s)
{
	struct nsx_err err = { 0 };
	long long v = -1;

	if (parse_cpus(s, &v, &err) == 0)
		fz_assert(v >= 10);
}

static void
f_cidr(const char *s)
{
	struct nsx_err err = { 0 };
	struct cidr4 c;
	struct in_addr h, k;

	if (parse_cidr4(s, &c, &err) == 0) {
		fz_assert(c.prefix >= 1 && c.prefix <= 30);
		fz_assert((ntohl(c.net.s_addr) & ~(~0u << (32 - c.prefix))) == 0);
		net_cidr_hosts(&c, &h, &k);
	}
}

static void
f_pid(const char *s)
{
	pid_t pid;

	if (cmd_parse_pid(s, &pid) == 0)
		fz_assert(pid > 0);
}

static void
f_nslink(const char *s)
{
	unsigned long ino;
	int type;

	if (nstype_parse_link(s, strlen(s), &type, &ino) == 0)
		fz_assert(type >= 0 && type < NSX_NTYPES);
	type = nstype_from_name(s);
	fz_assert(type >= -1 && type < NSX_NTYPES);
}

static void
f_lesson_name(const char *s)
{
	char name[64];
	int num;

	if (lesson_file_name(s, &num, name, sizeof(name)) == 0)
		fz_assert(strlen(name) < 48);
}

static void
f_label(const char *s)
{
	char buf[64];

	if (content_label_from_cgroup(s, buf, sizeof(buf)) == 1)
		fz_assert(buf[0] && strlen(buf) < sizeof(buf));
}

static void (*const parsers[])(const char *) = {
	f_idmap, f_memory, f_pids, f_cpus, f_cidr, f_pid, f_nslink, f_lesson_name, f_label,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1)
		return 0;
	s = fz_str(data + 1, size - 1);
	parsers[data[0] % (sizeof(parsers) / sizeof(parsers[0]))](s);
	free(s);
	return 0;
}
