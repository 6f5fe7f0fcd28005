/* Where a container's root filesystem comes from: the built-in busybox tree,
 * a directory, a tarball or an OCI image layout. Everything that is unpacked
 * or built goes into a cache, once, keyed by content, and is reused. Errors
 * as values (util/err.h); nothing here prints.
 *
 * The cache (CACHE below):
 *   CACHE/rootfs/busybox-<16 hex>  the built-in tree (sha256 of busybox)
 *   CACHE/images/<64 hex>          an image (tarball sha256, or OCI manifest
 *                                  digest)
 *   CACHE/stamps/<dev>-<ino>-<size>-<mtime>-<ctime> -> <64 hex>
 *                                  a file's sha256 by its identity, so a warm
 *                                  start is a stat and a readlink, not a hash
 *   CACHE/{rootfs,images}/.tmp-*   a build in progress, flocked by its
 *                                  builder, renamed into place when whole;
 *                                  removed on error, and swept by the next
 *                                  build once nobody holds it locked (a
 *                                  build killed by SIGKILL)
 * Nothing ever changes a tree once it has its final name.
 *
 * Environment:
 *   NSX_CACHE_DIR  an absolute path used as CACHE (tests, or a shared cache)
 *   NSX_BUSYBOX    the static busybox to build from (default /bin/busybox)
 */
#ifndef NSX_ROOTFS_H
#define NSX_ROOTFS_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/* The cache: $NSX_CACHE_DIR; else /var/cache/nsx as root, $XDG_CACHE_HOME/nsx
 * (default ~/.cache/nsx) otherwise; created (0700 when not root) on demand.
 * When it exists this is one stat(2). */
int rootfs_cache_dir(char *buf, size_t n, struct nsx_err *err);

/* The built-in default: a minimal tree from the host's static busybox
 * (busybox and one symlink per applet in bin/; sbin, usr/bin and usr/sbin
 * link to bin; /etc/passwd with root and nobody, /etc/group with root, tty
 * and nogroup, /etc/hostname, /tmp 1777, /root 0700, empty /proc /dev
 * /sys), built offline once into CACHE/rootfs/busybox-<sha256 of the busybox
 * binary, 16 hex> and reused. Warm, it costs three syscalls (stat busybox,
 * readlink its stamp, stat the tree; a geteuid too without NSX_CACHE_DIR):
 * the sha256 is computed only when building. Built in a
 * temporary directory and renamed into place, so a failed or concurrent
 * build leaves nothing half made. A missing or dynamically linked busybox
 * is an error that says to install busybox-static. */
int rootfs_builtin(char *out, size_t n, struct nsx_err *err);

/* What rootfs_image_ex did, for the front end to mention. */
struct rootfs_stats {
	bool unpacked;			/* false: it was in the cache already */
	unsigned devices_skipped;	/* device nodes not made (not root) */
};

/* --image SRC: a tarball (tar in any variant, compressed with anything
 * libarchive reads: gzip, xz, zstd, bzip2...; e.g. `docker export`) or an
 * OCI image layout directory (index.json -> manifest, following one level
 * of image index and picking linux/<this machine's arch>, else the first ->
 * layers in order, with .wh. whiteouts and .wh..wh..opq opaque dirs).
 * Unpacked once into CACHE/images/<sha256 hex>, keyed by the tarball's
 * digest (hashed once, then found by its stamp) or the manifest's digest
 * (read from index.json, no blob read when cached); blobs are checked
 * against their digests
 * before anything of them is written. The archive is hostile: members with
 * an absolute path or "..", and writes through a symlink or hard link, are
 * refused (the whole image fails); whiteouts never follow a symlink; device
 * nodes are skipped (counted) when not root; owners are kept only as root;
 * unpacking runs in a child process that Landlock (where the kernel has it)
 * keeps from writing outside the tree. On any error nothing is left in the
 * cache. The unpacked path goes into out. */
int rootfs_image(const char *src, char *out, size_t n, struct nsx_err *err);

/* rootfs_image, telling what it did; stats may be NULL. */
int rootfs_image_ex(const char *src, struct rootfs_stats *stats, char *out,
		    size_t n, struct nsx_err *err);

/* --rootfs DIR: exists, is a directory, is not the host's "/" (by device
 * and inode, so "/." or a bind mount of / are refused too), is not empty.
 * The message names the path and what to do. */
int rootfs_check_dir(const char *dir, struct nsx_err *err);

#endif
