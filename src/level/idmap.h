/* uid/gid maps: what `unshare --map-users`, `run --uid-map` and the image
 * unpacker's jail write for a new user namespace, parsed, checked and
 * written in one place (levels and run share it). A map the kernel lets
 * the caller write goes to /proc/PID/uid_map directly; any other goes
 * through the setuid newuidmap(1)/newgidmap(1), whose complaint becomes
 * part of the one line said. */
#ifndef NSX_IDMAP_H
#define NSX_IDMAP_H

#include <stdbool.h>
#include <sys/types.h>

#include "util/err.h"

/* One map line: INNER OUTER COUNT (as in /proc/PID/uid_map). */
struct idmap {
	unsigned long inner, outer, count;
};

#define IDMAP_MAX 8

/* A user namespace's maps (none: nuid and ngid 0). */
struct idmaps {
	struct idmap uidmap[IDMAP_MAX], gidmap[IDMAP_MAX];
	int nuid, ngid;
	bool deny_setgroups;	/* write "deny" to setgroups before gid_map */
};

/* Who writes a map: the writer's ids outside the new user namespace (read
 * before any unshare: after it, until the map is written, the process is
 * the overflow id there), and whether it is root on the host. */
struct idmap_who {
	uid_t uid;
	gid_t gid;
	bool priv;
};
void idmap_who_now(struct idmap_who *w);

/* Write m for pid, a process in a new user namespace (pid may be the
 * caller, after its own unshare); w: as idmap_who_now said before that
 * unshare, NULL for now. setgroups is denied first where the kernel asks
 * it (CVE-2014-8989). 0, or -1 with the one line saying what was refused
 * and why (userns.h's causes, newuidmap's words). */
int idmap_write(const struct idmaps *m, pid_t pid, const struct idmap_who *w, struct nsx_err *err);

/* Before anything is made: do m's maps need newuidmap or newgidmap (a
 * range, or an id not the caller's, when not root), and is it installed?
 * 0, or -1 with the one line saying what is missing; uopt and gopt name
 * the options in it ("--map-users"). */
int idmap_check_tools(const struct idmaps *m, const char *uopt, const char *gopt,
		      struct nsx_err *err);

/* Parse "INNER:OUTER:COUNT" into m; -1 when it does not parse (the ends
 * past 2^32 - 1 included). */
int idmap_parse(const char *s, struct idmap *m);

#endif
