/* The sidecar: what the image cache does not keep of an image.
 * A tree in the cache holds no setuid, setgid or sticky bit, nothing
 * writable by group or others, and every file is its builder's (root's in
 * root's cache): other users of the host can neither plant files in it nor
 * own anything in it. What the image said instead (a directory owned by
 * www-data, /tmp 1777) is kept in TREE/../meta, written by nsx alone in the
 * private staging directory, and given back to the container in its
 * overlay's upper layer (container/setup.c, through rootfs_meta_load).
 * Setuid and setgid bits of files are not kept at all (no_new_privs makes
 * them inert anyway). */
#ifndef NSX_META_H
#define NSX_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"

struct meta_rec {
	uint32_t mode, uid, gid;
	char *path;		/* NULL: removed */
};

/* What the image says so far, by path: a table built while unpacking. */
struct meta {
	struct meta_rec *rec;
	size_t n, cap;
	size_t *slot;		/* hash of paths: record index + 1; 0 empty */
	size_t nslot, used;	/* slots, and slots ever filled */
};

/* What the cache keeps of a member's permissions. */
mode_t meta_cache_perm(mode_t perm);

/* What the container gets: all of it, but a file's setuid and setgid. */
mode_t meta_image_perm(bool dir, mode_t perm);

/* Remember what the image says of path (normalised: "a/b", "" the root),
 * or forget it when the cache already has it right (keep false): a later
 * layer's word wins. */
void meta_set(struct meta *m, const char *path, bool keep, mode_t mode, uid_t uid, gid_t gid);

/* Forget what lies under dir ("" the root) and, with self, dir itself: a
 * whiteout or a replaced directory removed them from the tree. */
void meta_purge(struct meta *m, const char *dir, bool self);

void meta_free(struct meta *m);

/* Create TMP/meta (beside TMP/root) for meta_write: a new file, never one
 * that is there already. */
int meta_open(const char *tmp, struct nsx_err *err);

/* Write m to fd and fsync it: a published tree is trusted as it is. */
int meta_write(const struct meta *m, int fd);

#endif
