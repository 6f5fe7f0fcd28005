/* Where a container's root filesystem comes from: the built-in busybox tree,
 * a directory, a tarball or an OCI image layout. Everything that is unpacked
 * or built goes into a cache, once, keyed by content, and is reused. Errors
 * as values (util/err.h); nothing here prints.
 *
 * The cache (CACHE below), its layout version (.v2) in every tree's name:
 *   CACHE/rootfs/busybox-<16 hex>.v2  the built-in tree (sha256 of busybox)
 *   CACHE/images/<64 hex>.v2          an image (tarball sha256, or OCI
 *                                     manifest digest)
 *   each of them: root/ (the tree) and meta (the sidecar: the owners and
 *   modes the tree does not keep, see rootfs_meta_load)
 *   CACHE/stamps/<dev>-<ino>-<size>-<mtime>-<ctime> -> <64 hex>
 *                                  a file's sha256 by its identity, so a warm
 *                                  start is a stat and a readlink, not a hash
 *   CACHE/layers/.tmp-*            a container's overlay upper layer on disk
 *                                  (rootfs_layer_make), flocked by its run,
 *                                  removed when it ends, swept as below
 *   CACHE/{rootfs,images}/.tmp-*   a build in progress, flocked by its
 *                                  builder, renamed into place when whole;
 *                                  removed on error, and swept by the next
 *                                  build once nobody holds it locked (a
 *                                  build killed by SIGKILL); mode 0700
 *                                  until it is whole
 * Nothing ever changes a tree once it has its final name. A tree of an
 * older layout (without .v2: it may hold device nodes, a 1777 tmp, the
 * archive's owners) is never used: the next build makes it 0700 at once
 * and removes it a day later (a container of the older nsx may still run
 * on it meanwhile).
 *
 * Trees in the cache hold no device node, no setuid, setgid or sticky bit,
 * nothing writable by group or others, and nothing owned by anyone but
 * their builder; root's are readable by all (a container with a user
 * namespace, --user or --uid-map, reads them as a mapped uid).
 *
 * Environment:
 *   NSX_CACHE_DIR  an absolute path used as CACHE (tests, or a shared cache)
 *   NSX_BUSYBOX    the static busybox to build from (default /bin/busybox)
 */
#ifndef NSX_ROOTFS_H
#define NSX_ROOTFS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

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

/* How the unpacking process was kept inside its tree, besides
 * libarchive's checks and its capabilities (container/unpack.h): bits. */
enum rootfs_confine {
	CONFINE_NONE = 0,	/* nothing could: said in a note and by doctor */
	CONFINE_MOUNTNS = 1 << 0,	/* a jail: namespaces of its own, / the tree alone */
	CONFINE_LANDLOCK = 1 << 1,	/* Landlock ABI >= 2 (Linux 5.19) */
};

/* What rootfs_image_ex did, for the front end to mention. */
struct rootfs_stats {
	bool unpacked;			/* false: it was in the cache already */
	unsigned devices_skipped;	/* device nodes never made */
	unsigned confined;		/* CONFINE_*, when unpacked */
	char probe[512];		/* NSX_TEST_UNPACK_PROBE: what it found; "" not tried */
};

/* Bounds on unpacking an image: what a classroom machine's /var takes.
 * Checked on every member's header before anything of the image is
 * written, then again while writing. 0: the default. */
struct rootfs_limits {
	unsigned long long bytes;	/* file data, as the archive declares it */
	unsigned long long entries;	/* members, of every layer */
	unsigned long long depth;	/* path components of a member */
};

#define ROOTFS_MAX_BYTES	(4ULL << 30)
#define ROOTFS_MAX_ENTRIES	300000ULL
#define ROOTFS_MAX_DEPTH	256ULL

/* --image-max-entries N, --image-max-depth N: a positive count. */
int rootfs_parse_count(const char *opt, const char *s, unsigned long long *n,
		       struct nsx_err *err);

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
 * nodes are never made (counted); owners and modes go to the sidecar (see
 * above); unpacking is bounded (struct rootfs_limits) and refused at once
 * when the cache's filesystem lacks the room; it runs in a child process
 * confined to the tree (container/unpack.h: a jail whose / is the tree,
 * no capability but CAP_DAC_OVERRIDE, no fd of nsx's, seccomp, Landlock
 * on top where the kernel has it).
 * On any error nothing is left in the cache. The unpacked path goes into
 * out. */
int rootfs_image(const char *src, char *out, size_t n, struct nsx_err *err);

/* rootfs_image, within lim (NULL: the defaults), telling what it did;
 * stats may be NULL. */
int rootfs_image_ex(const char *src, const struct rootfs_limits *lim,
		    struct rootfs_stats *stats, char *out, size_t n,
		    struct nsx_err *err);

/* The sidecar of a tree in the cache: for each path whose owner or mode
 * the tree does not keep, what the image says. */
struct rootfs_meta_rec {
	unsigned mode, uid, gid;
	const char *path;		/* relative to the tree; "" its root */
};

struct rootfs_meta {
	size_t n;
	struct rootfs_meta_rec *rec;
	char *strings;
};

/* Read the sidecar of tree (a path rootfs_builtin or rootfs_image gave). */
int rootfs_meta_load(const char *tree, struct rootfs_meta *m, struct nsx_err *err);
void rootfs_meta_free(struct rootfs_meta *m);

/* The overlay's upper and work directories of one container, on disk: in a
 * user namespace overlayfs keeps its marks (whiteouts, opaque directories)
 * in user.* xattrs, which tmpfs keeps only from Linux 6.6 on; before, the
 * layer goes into CACHE/layers/.tmp-XXXXXX (0700; upper/ and work/ in it,
 * all owned by uid:gid, who the container's root is on the host). The
 * run holds it flocked (lock) until rootfs_layer_remove; one whose run
 * was killed is swept by the next rootfs_layer_make (as .tmp- trees are).
 * -1 with err saying why when the cache's file system keeps no user.*
 * xattrs either, or cannot hold it; nothing is left then. */
struct rootfs_layer {
	char path[PATH_MAX];		/* "" when none */
	int lock;			/* flocked fd of path, or -1 */
};

int rootfs_layer_make(uid_t uid, gid_t gid, struct rootfs_layer *l, struct nsx_err *err);

/* Remove it with the safe tree removal (tree.h), then unlock it. Safe to
 * call twice. */
void rootfs_layer_remove(struct rootfs_layer *l);

/* --rootfs DIR: exists, is a directory, is not the host's "/" (by device
 * and inode, so "/." or a bind mount of / are refused too), is not empty.
 * The message names the path and what to do. */
int rootfs_check_dir(const char *dir, struct nsx_err *err);

#endif
