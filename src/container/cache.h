/* The cache's mechanics, shared by the files that fill it (busybox.c,
 * rootfs.c): where it is, its subdirectories, the stamps that name a
 * file's content by its identity, and the life of a tree in it (made in
 * DIR/.tmp-XXXXXX under an flock, renamed into place whole; a dead
 * builder's .tmp- swept, an older layout's trees retired). The layout and
 * what its trees may hold: rootfs.h. Also the container's layer on disk
 * (rootfs_layer_make, declared in rootfs.h), a .tmp- tree never published.
 * Errors as values (util/err.h); nothing here prints. */
#ifndef NSX_CACHE_H
#define NSX_CACHE_H

#include <stddef.h>
#include <sys/stat.h>

#include "util/digest.h"
#include "util/err.h"

/* The cache layout's version, in every tree's name: a tree without it is
 * of an older layout and never used (cache_retire). */
#define CACHE_LAYOUT	".v2"

/* The cache's path (rootfs.h says which), without changing the
 * filesystem; trailing slashes dropped. -1 when there is none or it is
 * not trusted (NSX_CACHE_DIR as root: util/trust.h). */
int cache_path(char *buf, size_t n, struct nsx_err *err);

/* Create path and its parents (0700, 0755 as root, whatever the umask);
 * path is modified while it works and restored. One stat(2) when it is
 * there already; -1 when something on the way is not a directory. */
int cache_mkdir_p(char *path, struct nsx_err *err);

/* CACHE/sub, created when missing (as cache_mkdir_p's last component),
 * into buf. */
int cache_sub(const char *cache, const char *sub, char *buf, size_t n, struct nsx_err *err);

/* The sha256 remembered for the file st (its stamp, a symlink in
 * CACHE/stamps): 0, or -1 when there is none or it is junk. */
int cache_stamp_get(const char *cache, const struct stat *st, char hex[DIGEST_HEX_LEN + 1]);

/* Remember hex for st; best effort (a missing stamp costs a hash). */
void cache_stamp_put(const char *cache, const struct stat *st, const char *hex);

/* A new DIR/.tmp-XXXXXX (0700) into tmp, with sub/ (0755) in it unless
 * sub is NULL, on the filesystem of its final name. Returns an fd of it
 * holding its flock (the caller closes it when done; a child may share
 * it), or -1 with nothing left. */
int cache_tmp_make(const char *dir, const char *sub, char *tmp, size_t n, struct nsx_err *err);

/* Rename the whole tmp to final (opened to cache_mkdir_p's mode first).
 * Losing the race to a concurrent build of the same content is success.
 * On error tmp is removed. */
int cache_tmp_publish(const char *tmp, const char *final, struct nsx_err *err);

/* Remove the .tmp- trees in dir whose builder died (nobody holds their
 * lock; a few seconds' grace; a day where flock is not shared between
 * machines). The slow path only. */
void cache_tmp_sweep(const char *dir);

/* The trees in dir of an older layout (no CACHE_LAYOUT in their name),
 * ours: made 0700 at once, removed a day later. The slow path only. */
void cache_retire(const char *dir);

#endif
