/* A cgroup of nsx's own from the user's systemd: a transient scope with
 * Delegate=yes that nsx moves itself into, asked of the user's manager
 * (user@UID.service) over D-Bus, as `systemd-run --user --scope -p
 * Delegate=yes` asks it for a command and as rootless podman and crun's
 * systemd cgroup manager ask it for theirs. cgroup.c asks for one when a
 * user's nsx shares its cgroup with other processes (a login's shell), so
 * that no cgroup below it can have controllers (cgroup v2's no internal
 * processes rule). The scope, alone with nsx in it, is the user's to
 * divide: cgroup.c then makes the containers' cgroups there.
 *
 * The manager is found where systemctl --user finds it: its own socket,
 * $XDG_RUNTIME_DIR/systemd/private ($XDG_RUNTIME_DIR unset: /run/user/UID),
 * else the user's D-Bus session bus ($DBUS_SESSION_BUS_ADDRESS, else
 * $XDG_RUNTIME_DIR/bus). Callers ask only for a user in the initial user
 * namespace (cgroup.c): never root, whom a user's socket must not answer.
 * libsystemd is loaded on first use (util/sdbus_dl.h). Errors as values;
 * nothing prints. */
#ifndef NSX_SCOPE_H
#define NSX_SCOPE_H

#include <stddef.h>

#include "util/err.h"

/* Does the user's systemd manager answer? 0, "systemd VERSION" in what
 * and its own cgroup (ControlGroup: "/user.slice/.../user@UID.service",
 * a path in the cgroup v2 tree) in cgroup; or -1 and why not. Nothing is
 * asked of it but these two properties. */
int scope_reachable(char *what, size_t n, char *cgroup, size_t cgn, struct nsx_err *err);

/* Ask it for the scope nsx-PID.scope holding the calling process (PIDs=0:
 * systemd takes the caller's PID from the connection, in its own PID
 * namespace), delegated (Delegate=yes) and collected when it ends or
 * fails, and wait (at most 10 s) until the process is in it. -1 and
 * systemd's words when it refused or failed: nothing moved (e.g. it may
 * not move a process out of a cgroup not its own: the system manager is
 * asked for that, over the system bus); -2 when it did not answer in time:
 * it may yet move the process. */
int scope_enter(struct nsx_err *err);

#endif
