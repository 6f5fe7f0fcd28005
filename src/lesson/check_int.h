/* The lesson checks' insides, shared by check.c (the table of predicates,
 * parsing and evaluating terms) and the predicates, grouped by subject in
 * check_ns.c, check_fs.c, check_net.c and check_cg.c. Not for use outside
 * src/lesson. */
#ifndef NSX_CHECK_INT_H
#define NSX_CHECK_INT_H

#include <stdio.h>

#include "lesson/lesson.h"
#include "model/nstype.h"

/* WHY gets the formatted reason a check failed; returns 0 (not true). */
int chk_say(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* /proc/PID/NAME of the student's level, through the /proc nsx started
 * with (reachable after pivot_root); NULL when it cannot be opened. */
FILE *chk_level_file(const struct lesson_env *e, const char *name);
/* The namespace inodes of the student's level: 0, or -1. */
int chk_self_ns(const struct lesson_env *e, unsigned long ino[NSX_NTYPES]);

/* The capability NAME ("sys_admin", "cap_net_admin"): its number, or -1. */
int chk_cap_value(const char *name);

/* The first MAX bytes of the file PATH, NUL-terminated (malloc'ed), or
 * NULL when it cannot be read. */
char *chk_file_text(const char *path, size_t max);

/* Predicates: 1 true, 0 not (WHY says why), each as the table in check.c
 * describes it; argv holds its arguments, checked by their kinds. */
#define CHK_PRED(name) int name(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)

/* namespaces, ids, capabilities, IPC, time, pins, the mystery (check_ns.c) */
CHK_PRED(chk_ns_new);
CHK_PRED(chk_ns_same);
CHK_PRED(chk_depth);
CHK_PRED(chk_hostname);
CHK_PRED(chk_hostname_unchanged);
CHK_PRED(chk_pid1);
CHK_PRED(chk_uid);
CHK_PRED(chk_gid);
CHK_PRED(chk_uid_map);
CHK_PRED(chk_gid_map);
CHK_PRED(chk_cap);
CHK_PRED(chk_msgq);
CHK_PRED(chk_shm);
CHK_PRED(chk_time_offset);
CHK_PRED(chk_pinned);
CHK_PRED(chk_mystery_ns);
CHK_PRED(chk_mystery_secret);

/* mounts, the root, /proc, files (check_fs.c) */
CHK_PRED(chk_proc_own);
CHK_PRED(chk_mount);
CHK_PRED(chk_mount_hidden);
CHK_PRED(chk_no_mount_under);
CHK_PRED(chk_propagation);
CHK_PRED(chk_chrooted);
CHK_PRED(chk_pivoted);
CHK_PRED(chk_exists);
CHK_PRED(chk_dir);
CHK_PRED(chk_symlink);
CHK_PRED(chk_chardev);
CHK_PRED(chk_static_elf);
CHK_PRED(chk_contains);

/* the network namespace (check_net.c) */
CHK_PRED(chk_links);
CHK_PRED(chk_link);
CHK_PRED(chk_link_up);
CHK_PRED(chk_addr);
CHK_PRED(chk_route);
CHK_PRED(chk_icmp_replies);

/* cgroups (check_cg.c) */
CHK_PRED(chk_cgroup_root);
CHK_PRED(chk_cgroup_limit);

#endif
