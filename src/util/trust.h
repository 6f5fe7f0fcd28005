/* Whom nsx works for, and which paths it may trust.
 *
 * Root (euid 0 whose root is the host's, see trust_root) is never steered
 * by a file another user can change: every path nsx takes from the
 * environment or an option as root (NSX_CACHE_DIR, NSX_STATE_DIR,
 * NSX_BUSYBOX, NSX_LESSONS, --lessons, XDG_STATE_HOME, HOME, INPUTRC, a
 * lesson file) goes through trust_require, which refuses it unless root
 * alone can change every component of it. A normal user's (also when
 * they are uid 0 in a user namespace of their own) are that user's own
 * business: the check passes.
 *
 * Root stays root in every level (trust_root), and a level in namespaces
 * it entered from outside (another user's, a container's) takes no path
 * at all (trust_entered): who owns a file there, and what a path names,
 * is decided by whoever made them.
 *
 * Per-user state is keyed by the host uid (trust_host_uid), not the uid
 * inside a user namespace: every student is root in their own `unshare
 * -r`, and /tmp/nsx-0 would be one directory for all of them. */
#ifndef NSX_TRUST_H
#define NSX_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/err.h"

/* At start, before any level unshares: note who we are (levels are forks
 * and keep it) and export NSX_HOST_UID for the nsx processes started
 * inside them. Everything below works without it (computed on first use). */
void trust_init(void);

/* Root with the host's privileges: euid 0 in the initial user namespace,
 * or in one where the host's root is uid 0 too (root's own `unshare -r`),
 * as seen at the first look (trust_init) and never again: the host's root
 * after setns into a student's user namespace reads euid 65534 there but
 * owns every file root owns, so it stays root (and its levels too); a
 * normal user who is uid 0 in a user namespace of their own, or who
 * started nsx inside one, is that user: false. */
bool trust_root(void);

/* This process (a level, and the levels it opens) is in namespaces
 * entered from outside, a mount or user namespace that is not where nsx
 * started: why says which ("level 1 is in namespaces entered with 'enter
 * 1234'"). From then on, as root, trust_require refuses every path. */
void trust_entered(const char *why);

/* That reason, or NULL at a level in nsx's own namespaces. */
const char *trust_foreign(void);

/* The uid of this user on the host: geteuid() in the initial user
 * namespace; inside one, what nsx noted at start, else NSX_HOST_UID (set by
 * an outer nsx; a false value only misleads its user: a directory named
 * after another uid is theirs and fails the ownership check), else the
 * outer uid of /proc/self/uid_map (exact one level down). */
uid_t trust_host_uid(void);

/* The uid outside (in the parent namespace) of id inside, from the text of
 * a uid_map; -1 when id is not mapped. */
long long trust_map_outer(const char *map, unsigned long id);

/* 0 when nothing but uid owner can change path: every component from /
 * (symlinks followed as the kernel does, each link owned by owner) is
 * owned by owner and not writable by group or others. A sticky directory
 * writable by others (/tmp) may be a component on the way, as others can
 * neither rename nor remove what owner has in it. A missing tail is fine
 * when nobody else can make it first. Else -1, err saying which component
 * and why (a relative path is taken from the working directory). */
int trust_path(const char *path, uid_t owner, struct nsx_err *err);

/* As root (trust_root), trust_path for root, with the error every caller
 * gives: "LABEL: WHY: as root, nsx only uses paths that root alone can
 * change; TODO". Refused whole at a level trust_entered marked, and where
 * root's files do not show as uid 0 (root's own user namespace that does
 * not map it). Always 0 when not root. */
int trust_require(const char *label, const char *path, const char *todo, struct nsx_err *err);

/* trust_require for a path from environment variable var. */
int trust_env(const char *var, const char *path, struct nsx_err *err);

/* trust_env for each directory of a colon-separated list (NSX_LESSONS,
 * TERMINFO_DIRS; empty entries are nothing). */
int trust_env_list(const char *var, const char *list, struct nsx_err *err);

/* dir is a directory (not a link) of this user (st_uid == geteuid(), which
 * inside a user namespace is the host uid's) with none of the mode bits
 * forbid: another user's, pre-created in a shared place, is refused, never
 * used; todo says what to do instead. */
int trust_dir_ours(const char *dir, mode_t forbid, const char *todo, struct nsx_err *err);

/* The directory of nsx's per-user state (history, lesson progress):
 * $XDG_STATE_HOME/nsx, ~/.local/state/nsx, or without HOME, that under the
 * host user's home in the passwd file. Made (0700) if missing; checked
 * (trust_require, trust_dir_ours) first. ENOENT when there is no place. */
int trust_state_home(char *buf, size_t n, struct nsx_err *err);

/* $HOME when absolute, else the home of the host user in the passwd file
 * (a user namespace's uid 0 would find root's); NULL when neither. The
 * returned label ("HOME=/home/a" or "the home of uid 1000 (/home/a)")
 * names it in errors. */
const char *trust_home(char *label, size_t n);

/* Before the terminal is set up (readline, curses): as root, the terminfo
 * ncurses would read before the system's ($TERMINFO, ~/.terminfo,
 * $TERMINFO_DIRS) must be root's alone; what an entry holds is written to
 * root's terminal. */
int trust_terminal(struct nsx_err *err);

#endif
