/* nstype_parse_link: the text of /proc/PID/ns/TYPE and of nsfs fds. */
#include <string.h>

#include "tap.h"
#include "model/nstype.h"

static int
parse(const char *s, int *type, unsigned long *ino)
{
	return nstype_parse_link(s, strlen(s), type, ino);
}

static void
good_links(void)
{
	static const struct { const char *s; int type; unsigned long ino; } good[] = {
		{ "cgroup:[4026531835]", NSX_CGROUP, 4026531835ul },
		{ "ipc:[4026531839]", NSX_IPC, 4026531839ul },
		{ "mnt:[4026531841]", NSX_MNT, 4026531841ul },
		{ "net:[4026531840]", NSX_NET, 4026531840ul },
		{ "pid:[4026531836]", NSX_PID, 4026531836ul },
		{ "time:[4026531834]", NSX_TIME, 4026531834ul },
		{ "user:[4026531837]", NSX_USER, 4026531837ul },
		{ "uts:[4026531838]", NSX_UTS, 4026531838ul },
		{ "net:[1]", NSX_NET, 1 },
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int type = -1;
		unsigned long ino = 0;

		is_int(parse(good[i].s, &type, &ino), 0, "'%s' parses", good[i].s);
		is_int(type, good[i].type, "'%s' has type %s", good[i].s,
		       nstype_table[good[i].type].name);
		is_int(ino, good[i].ino, "'%s' has inode %lu", good[i].s, good[i].ino);
	}
}

static void
bad_links(void)
{
	static const char *const bad[] = {
		"socket:[1]", "pipe:[77]", "anon_inode:[eventfd]",
		"net:[]", "net:[12", "net:[0]", "net:", "net", ":[1]", "",
		"/path", "/run/netns/foo", "nett:[1]", "ne:[1]", "NET:[1]",
		"net:[1]x", "net:[1] ", "net:[1]]", " net:[1]", "net:[1x]",
		"net:[-1]", "net:[+1]", "net:1]", "net;[1]", "net:[[1]",
		"pid_for_children:[4026531836]",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int type = 12345;
		unsigned long ino = 12345;

		is_int(parse(bad[i], &type, &ino), -1, "'%s' is not a namespace link", bad[i]);
		is_int(ino, 12345, "'%s' leaves the inode alone", bad[i]);
	}
}

/* readlink does not NUL-terminate: only len bytes count. */
static void
length_bounded(void)
{
	const char *s = "net:[4026531840]garbage";
	int type = -1;
	unsigned long ino = 0;

	is_int(nstype_parse_link(s, 16, &type, &ino), 0, "only the first len bytes are read");
	is_int(type, NSX_NET, "... type net");
	is_int(ino, 4026531840ul, "... inode before the garbage");
	is_int(nstype_parse_link(s, 15, &type, &ino), -1, "a link cut before ']' is refused");
	is_int(nstype_parse_link(s, 4, &type, &ino), -1, "a link cut after ':' is refused");
	is_int(nstype_parse_link(s, 0, &type, &ino), -1, "an empty link is refused");
}

static void
names(void)
{
	for (int t = 0; t < NSX_NTYPES; t++) {
		is_int(nstype_from_name(nstype_table[t].name), t, "nstype_from_name(%s)",
		       nstype_table[t].name);
		is_int(nstype_from_clone(nstype_table[t].clone_flag), t,
		       "nstype_from_clone(%#x) is %s", nstype_table[t].clone_flag,
		       nstype_table[t].name);
	}
	is_int(nstype_from_name("network"), -1, "nstype_from_name(network) is -1");
	is_int(nstype_from_clone(0), -1, "nstype_from_clone(0) is -1");
}

int
main(void)
{
	good_links();
	bad_links();
	length_bounded();
	names();
	return done_testing();
}
