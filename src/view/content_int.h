/* Shared between the files of the viewer's content only (content.c: the
 * cache and labels; content_read.c: reading /proc/PID files and each
 * type's glance and detail; content_net.c: interfaces and addresses). */
#ifndef NSX_VIEW_CONTENT_INT_H
#define NSX_VIEW_CONTENT_INT_H

#include <ifaddrs.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/utsname.h>

#include "model/model.h"

/* Read /proc/PID/NAME (relative to the proc root) whole, up to size - 1
 * bytes, NUL-terminated: the length, or -1. Small files only. */
ssize_t ct_read(const struct nsx_model *m, pid_t pid, const char *name, char *buf, size_t size);
/* The same as a stream, for files of any size (mountinfo, fib_trie). */
FILE *ct_fopen(const struct nsx_model *m, pid_t pid, const char *name);
/* The next line of a buffer, cut in place; NULL at the end. */
char *ct_line(char **cursor);
/* Append word to buf, after sep when buf is not empty; truncates. */
void ct_join(char *buf, size_t n, const char *sep, const char *word);
/* The inode of the namespace a link under the proc root names, 0 when
 * it is no link to a namespace of that type. */
unsigned long ct_link_ino(const struct nsx_model *m, const char *path, int type);

/* Detail lines, malloc'ed. */
struct ct_lines {
	char **v;
	size_t n, cap;
};

void ct_lines_add(struct ct_lines *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ct_lines_free(struct ct_lines *l);

/* What is read from inside a uts or net namespace on the live system. */
struct ct_live {
	int type;
	int fd;			/* the namespace; -1: it is our own */
	int err;		/* why it could not be read */
	struct utsname uts;	/* NSX_UTS */
	struct ifaddrs *ifa;	/* NSX_NET: freeifaddrs() it */
};

/* Is ns the calling thread's own? Only on the live /proc. */
bool ct_ns_is_ours(const struct nsx_model *m, const struct nsx_ns *ns);
/* Read l from inside ns, never moving the calling thread (see
 * content_read.c). Returns 0, or -1 with l->err. */
int ct_live_read(const struct nsx_model *m, const struct nsx_ns *ns, struct ct_live *l);
/* Why ct_live_read failed, in words. */
const char *ct_live_why(const struct nsx_model *m, const struct ct_live *l);

/* Read the glance (into buf) or the detail lines of ns, by its type. */
void ct_glance(const struct nsx_model *m, const struct nsx_ns *ns, char *buf, size_t n);
void ct_detail(const struct nsx_model *m, const struct nsx_ns *ns, struct ct_lines *out);

void ct_net_glance(const struct nsx_model *m, const struct nsx_ns *ns, char *buf, size_t n);
void ct_net_detail(const struct nsx_model *m, const struct nsx_ns *ns, struct ct_lines *out);

#endif
