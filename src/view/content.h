/* What the viewer shows about a namespace beyond lsns's columns: a label
 * (the container or unit it belongs to), a one-line glance at its content,
 * and the lines of the detail screen. Read through the model's proc root
 * (m->procfd), so fixture trees work; what needs the live machine (setns,
 * in a thread of its own, for a UTS namespace's hostname and a net
 * namespace's addresses; nsx's container records) is done only when
 * m->real_proc. Results are cached per (type, inode) for CONTENT_TTL_MS:
 * a refresh re-reads only what may have changed. Errors as values; nothing
 * here prints. */
#ifndef NSX_VIEW_CONTENT_H
#define NSX_VIEW_CONTENT_H

#include <stddef.h>

#include "model/model.h"

#define CONTENT_TTL_MS 5000

/* The label of ns: a container named by the cgroup path of its
 * representative process (docker:ID12, podman:ID12, containerd:ID12,
 * crio:ID12, kubepods:POD12, lxc:NAME, nspawn:NAME, nsx:NAME), else the
 * name of a /run/netns bind mount holding it (netns:NAME), else a running
 * nsx container whose init is in it (nsx:NAME), else the systemd unit of
 * that cgroup path (NAME.service or NAME.scope), else user@UID; "" when
 * none. */
void content_label(const struct nsx_model *m, const struct nsx_ns *ns, char *buf, size_t n);

/* The label a cgroup path names (one line's path of /proc/PID/cgroup):
 * a container's "docker:ID12"..."nsx:NAME" from the deepest component that
 * names one, else the deepest systemd unit ("cron.service", not
 * init.scope), else "user@UID". Returns 1 when found, else 0 with "". Pure:
 * no file is read. */
int content_label_from_cgroup(const char *path, char *buf, size_t n);

/* One line: uts the hostname; net the interfaces ("lo eth0"); mnt the root
 * mount ("ext4 /dev/vda1"); time the offsets ("boot +86400s"); user the
 * uid map ("0->1000 (1)"); pid the command of its PID 1; cgroup the path
 * of its root; ipc "" (not readable from outside). "" when unreadable. */
void content_glance(const struct nsx_model *m, const struct nsx_ns *ns, char *buf, size_t n);

/* Lines for the detail screen, appended to *lines (malloc'ed strings):
 * uts hostname and domain name; net interfaces with state and addresses;
 * mnt the mounts (mount point, type, source, propagation), at most 200;
 * user uid_map, gid_map, setgroups, the owner uid and the capabilities its
 * processes have in it; pid its PID 1 and how many processes; time the
 * offsets; cgroup the root path. */
void content_detail(const struct nsx_model *m, const struct nsx_ns *ns, char ***lines, size_t *n);

/* Drop what is cached (a new scan model: inodes reused). */
void content_forget(void);

#endif
