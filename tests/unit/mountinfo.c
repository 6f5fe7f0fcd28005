/* model/mountinfo.c: one line of /proc/PID/mountinfo split (every field,
 * the optional ones, escapes undone), and nsfs bind mounts found. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "model/mountinfo.h"
#include "model/nstype.h"

/* mountinfo_nsfs on a copy of LINE (it is split in place) */
static int
nsfs_of(const char *line, int *type, unsigned long *ino, char *path, size_t n)
{
	char *copy = strdup(line);
	int r = mountinfo_nsfs(copy, type, ino, path, n);

	free(copy);
	return r;
}

/* Every field of a line, as one string "ID|PARENT|ROOT|TARGET|OPTS|OPTIONAL|TYPE|SOURCE|SUPER",
 * or "-1" when it does not parse */
static void
fields(const char *line, const char *want, const char *what)
{
	char *copy = strdup(line), got[1024];
	struct mountinfo mi;

	if (mountinfo_parse(copy, &mi) < 0)
		snprintf(got, sizeof(got), "-1");
	else
		snprintf(got, sizeof(got), "%d|%d|%s|%s|%s|%s|%s|%s|%s", mi.id, mi.parent, mi.root,
			 mi.target, mi.opts, mi.optional, mi.fstype, mi.source, mi.superopts);
	is_str(got, want, "%s", what);
	free(copy);
}

static void
parse(void)
{
	fields("36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n",
	       "36|35|/mnt1|/mnt2|rw,noatime|master:1|ext3|/dev/root|rw,errors=continue",
	       "proc(5)'s example: every field");
	fields("22 1 0:21 / /sys rw,nosuid shared:7 master:2 unbindable - sysfs sysfs rw",
	       "22|1|/|/sys|rw,nosuid|shared:7 master:2 unbindable|sysfs|sysfs|rw",
	       "three optional fields, kept as one string");
	fields("25 1 0:22 / /proc rw - proc proc rw", "25|1|/|/proc|rw||proc|proc|rw",
	       "no optional field: \"\"");
	fields("40 25 0:40 /a\\040b /mnt/my\\040dir\\011x rw - tmpfs we\\134ird rw",
	       "40|25|/a b|/mnt/my dir\tx|rw||tmpfs|we\\ird|rw", "escapes undone in root, target and source");
	fields("41 25 0:41 / /x rw - -x -y rw", "41|25|/|/x|rw||-x|-y|rw",
	       "a type and source that start with \"-\" are not the separator");
	fields("42 25 0:42 / /y rw - fuse.sshfs host:", "42|25|/|/y|rw||fuse.sshfs|host:|",
	       "no super options: \"\"");
	fields("43 25 0:43 / /z rw shared:1", "-1", "no \"-\": not a line");
	fields("44 25 0:44 / /z", "-1", "too few fields");
	fields("x 25 0:44 / /z rw - a b c", "-1", "an id that is not a number");
	fields("45 25 0:45 / /w rw -", "-1", "nothing after \"-\"");
}

/* An nsfs line: returns 1 with type, inode and the unescaped path. */
static void
nsfs(const char *line, int want_type, unsigned long want_ino, const char *want_path,
     const char *what)
{
	char path[256];
	int type = -1;
	unsigned long ino = 0;

	memset(path, 'X', sizeof(path));
	is_int(nsfs_of(line, &type, &ino, path, sizeof(path)), 1, "%s: nsfs", what);
	is_int(type, want_type, "%s: type %s", what, nstype_table[want_type].name);
	is_int(ino, want_ino, "%s: inode", what);
	is_str(path, want_path, "%s: mount point", what);
}

static void
nsfs_lines(void)
{
	nsfs("611 28 0:4 net:[4026532288] /run/netns/foo rw,nosuid,nodev,noexec,relatime "
	     "shared:5 - nsfs nsfs rw",
	     NSX_NET, 4026532288ul, "/run/netns/foo", "ip netns add, one optional field");
	nsfs("611 28 0:4 net:[4026532288] /run/netns/foo rw,nosuid,nodev,noexec,relatime "
	     "shared:5 - nsfs nsfs rw\n",
	     NSX_NET, 4026532288ul, "/run/netns/foo", "with the newline getline keeps");
	nsfs("612 28 0:4 net:[4026532289] /run/netns/bar rw,relatime - nsfs nsfs rw\n",
	     NSX_NET, 4026532289ul, "/run/netns/bar", "no optional field");
	nsfs("613 28 0:4 uts:[4026532290] /run/utsns/u rw,relatime shared:6 master:2 "
	     "propagate_from:3 unbindable - nsfs nsfs rw\n",
	     NSX_UTS, 4026532290ul, "/run/utsns/u", "several optional fields");
	nsfs("614 28 0:4 user:[4026532291] /run/netns/my\\040net rw - nsfs nsfs rw\n",
	     NSX_USER, 4026532291ul, "/run/netns/my net", "\\040 is a space");
	nsfs("615 28 0:4 mnt:[4026532292] /a\\011b\\012c\\134d rw - nsfs nsfs rw\n",
	     NSX_MNT, 4026532292ul, "/a\tb\nc\\d", "tab, newline, backslash escapes");
	nsfs("616 28 0:4 pid:[4026532293] /x\\040 rw - nsfs nsfs rw\n",
	     NSX_PID, 4026532293ul, "/x ", "an escape that ends the mount point");
	nsfs("617 28 0:4 time:[4026532294] /x\\04 rw - nsfs nsfs rw\n",
	     NSX_TIME, 4026532294ul, "/x\\04", "a cut escape stays as typed");
	nsfs("618 28 0:4 cgroup:[4026532295] /x - nsfs nsfs rw\n",
	     NSX_CGROUP, 4026532295ul, "/x", "a line whose fields are all short");
}

static void
other_mounts(void)
{
	static const char *const other[] = {
		"22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n",
		"23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n",
		"24 22 0:22 / /run rw,nosuid,nodev - tmpfs tmpfs rw,size=100k\n",
		/* the nsfs root of a namespace file in an ordinary file system */
		"25 22 8:1 /net:[1] /tmp/x rw - ext4 /dev/sda1 rw\n",
		/* nsfs itself, but its root is not a namespace */
		"26 22 0:4 / /mnt/nsfs rw - nsfs nsfs rw\n",
		/* fstype that only starts like nsfs */
		"27 22 0:4 net:[4026532288] /x rw - nsfsx nsfs rw\n",
		"28 22 0:4 net:[4026532288] /x rw - fuse.nsfs nsfs rw\n",
	};

	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		char path[64] = "untouched";
		int type;
		unsigned long ino;

		is_int(nsfs_of(other[i], &type, &ino, path, sizeof(path)), 0,
		       "not an nsfs mount: %.40s...", other[i]);
	}
}

static void
malformed(void)
{
	static const char *const bad[] = {
		"", "\n", "611", "611 28 0:4 net:[4026532288]",
		"611 28 0:4 net:[4026532288]\n",
		/* no " - " separator */
		"611 28 0:4 net:[4026532288] /run/netns/foo rw nsfs nsfs rw\n",
		"611 28 0:4 net:[4026532288] /run/netns/foo rw -nsfs nsfs rw\n",
	};
	char path[64];
	int type;
	unsigned long ino;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_int(nsfs_of(bad[i], &type, &ino, path, sizeof(path)), -1,
		       "malformed line %zu is -1", i);

	/* a mount point longer than the caller's buffer */
	is_int(nsfs_of("1 2 0:4 net:[5] /run/netns/longer-than-eight rw - nsfs nsfs rw",
			      &type, &ino, path, 8), -1, "a path that does not fit is -1");
	is_int(nsfs_of("1 2 0:4 net:[5] /123456 rw - nsfs nsfs rw",
			      &type, &ino, path, 8), 1, "a path that just fits (7 bytes + NUL in 8)");
	is_str(path, "/123456", "... is whole");
	is_int(nsfs_of("1 2 0:4 net:[5] /1234567 rw - nsfs nsfs rw",
			      &type, &ino, path, 8), -1, "one more byte does not fit");
}

int
main(void)
{
	parse();
	nsfs_lines();
	other_mounts();
	malformed();
	return done_testing();
}
