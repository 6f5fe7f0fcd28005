/* The eight namespace types: the single table every other file uses. */
#ifndef NSX_NSTYPE_H
#define NSX_NSTYPE_H

#include <stdbool.h>
#include <stddef.h>

enum nsx_nstype {
	NSX_CGROUP,
	NSX_IPC,
	NSX_MNT,
	NSX_NET,
	NSX_PID,
	NSX_TIME,
	NSX_USER,
	NSX_UTS,
	NSX_NTYPES
};

#define NSX_ALLTYPES ((1u << NSX_NTYPES) - 1)

struct nstype_info {
	const char *name;	/* as in /proc/PID/ns/NAME and lsns -t */
	int clone_flag;		/* CLONE_NEW* */
	const char *isolates;	/* one line: what this type gives its own copy of */
};

extern const struct nstype_info nstype_table[NSX_NTYPES];

/* Returns the type for a name ("net"), or -1. */
int nstype_from_name(const char *name);
/* Returns the type for a CLONE_NEW* flag, or -1. */
int nstype_from_clone(int flag);
/* "cgroup ipc mnt net pid time user uts", for error messages. */
const char *nstype_names(void);

/* Parse a namespace link text such as "net:[4026531840]" (what readlink of
 * /proc/PID/ns/net or of an nsfs fd gives) into type and inode.
 * Returns 0, or -1 when the text is not a namespace link. */
int nstype_parse_link(const char *s, size_t len, int *type, unsigned long *ino);

#endif
