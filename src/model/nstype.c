#define _GNU_SOURCE
#include "model/nstype.h"

#include <sched.h>
#include <string.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080	/* Linux 5.6 */
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000	/* Linux 4.6 */
#endif

/* Alphabetical, like the type list in error messages. */
const struct nstype_info nstype_table[NSX_NTYPES] = {
	[NSX_CGROUP] = { "cgroup", CLONE_NEWCGROUP,
		"cgroup root: the process sees its own cgroup as /" },
	[NSX_IPC]    = { "ipc", CLONE_NEWIPC,
		"System V IPC objects and POSIX message queues" },
	[NSX_MNT]    = { "mnt", CLONE_NEWNS,
		"the mount table: what is mounted where" },
	[NSX_NET]    = { "net", CLONE_NEWNET,
		"network devices, addresses, routes, firewall, ports" },
	[NSX_PID]    = { "pid", CLONE_NEWPID,
		"process IDs: a new tree with its own PID 1" },
	[NSX_TIME]   = { "time", CLONE_NEWTIME,
		"boottime and monotonic clock offsets" },
	[NSX_USER]   = { "user", CLONE_NEWUSER,
		"user and group IDs, capabilities, keyrings" },
	[NSX_UTS]    = { "uts", CLONE_NEWUTS,
		"hostname and NIS domain name" },
};

int
nstype_from_name(const char *name)
{
	for (int t = 0; t < NSX_NTYPES; t++)
		if (strcmp(nstype_table[t].name, name) == 0)
			return t;
	return -1;
}

int
nstype_from_clone(int flag)
{
	for (int t = 0; t < NSX_NTYPES; t++)
		if (nstype_table[t].clone_flag == flag)
			return t;
	return -1;
}

const char *
nstype_names(void)
{
	return "cgroup ipc mnt net pid time user uts";
}

int
nstype_parse_link(const char *s, size_t len, int *type, unsigned long *ino)
{
	const char *colon = memchr(s, ':', len);
	unsigned long v = 0;
	size_t i;
	char name[8];

	if (!colon || (size_t)(colon - s) >= sizeof(name))
		return -1;
	memcpy(name, s, colon - s);
	name[colon - s] = '\0';
	i = colon - s + 1;
	if (i >= len || s[i] != '[')
		return -1;
	for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		v = v * 10 + (unsigned long)(s[i] - '0');
	if (i + 1 != len || s[i] != ']' || v == 0)
		return -1;
	if ((*type = nstype_from_name(name)) < 0)
		return -1;
	*ino = v;
	return 0;
}
