/* /proc/PID/mountinfo (proc(5)), one line at a time: the one parser every
 * reader of it uses (the holders of namespaces in ls, the lesson checks,
 * the viewer's glance, the cgroup module, a lesson's lab). nsx's own
 * rather than libmount's: the scanner reads the mountinfo of every mount
 * namespace, and a split in place costs no allocation per line. */
#ifndef NSX_MOUNTINFO_H
#define NSX_MOUNTINFO_H

#include <stddef.h>

/* "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue" */
struct mountinfo {
	int id, parent;
	char *root;		/* the root of the mount in its file system */
	char *target;		/* the mount point, as this process sees it */
	char *opts;		/* per-mount options */
	char *optional;		/* "shared:1 master:2", "" when none */
	char *fstype, *source, *superopts;
};

/* Split LINE (a line of mountinfo, its newline included or not) in place:
 * MI's strings point into it, NUL-terminated, root, target and source
 * with their octal escapes (\040 a blank, \011, \012, \134) undone.
 * 0, or -1 when it is not a mountinfo line (too few fields, no "-"). */
int mountinfo_parse(char *line, struct mountinfo *mi);

/* Undo mountinfo's octal escapes in the LEN bytes at S into OUT (N
 * bytes; OUT may be S): 0, or -1 when it does not fit. */
int mountinfo_unescape(const char *s, size_t len, char *out, size_t n);

/* Is LINE an nsfs mount (a namespace bind-mounted to a path)? 1 with its
 * type, inode and mount point (path, n bytes), 0 when not, -1 when the
 * line does not parse or the path does not fit. LINE is split as by
 * mountinfo_parse. */
int mountinfo_nsfs(char *line, int *type, unsigned long *ino, char *path, size_t n);

#endif
