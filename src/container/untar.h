/* Tar members into a tree, in this process: the archive reading and
 * writing of `run --image` (unpack.c runs it in a confined child; the
 * fuzz harness tests/fuzz/image.c drives it directly). Archives are
 * hostile: members with an absolute path or "..", and writes through a
 * symlink or hard link, are refused; whiteouts never follow a symlink;
 * device nodes are never made (counted); owners and modes the cache does
 * not keep go to the sidecar (meta.h); every member counts against the
 * bounds (struct rootfs_limits) and, in pass 1, the cache's free space.
 * An image is read twice: pass 1 (untar_scan) reads every header through
 * the archive's hash, pass 2 (untar_write) writes; nothing is written
 * before all of pass 1 passed. Errors as values in u->err; nothing here
 * prints. */
#ifndef NSX_UNTAR_H
#define NSX_UNTAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/statvfs.h>
#include <sys/types.h>

#include "container/meta.h"
#include "container/rootfs.h"
#include "util/digest.h"
#include "util/err.h"

struct archive_entry;

/* An archive read through its hash: pass 1 of a layer verifies a blob
 * before pass 2 writes anything of it. */
struct untar_src {
	int fd;
	off_t off;
	struct sha256_ctx sha;
	uint8_t buf[64 * 1024];
};

/* What an archive (all of an image's layers) declares: the bounds are
 * checked against it. */
struct untar_tally {
	unsigned long long bytes;	/* file data */
	unsigned long long disk;	/* of it, what is stored (not holes), in blocks */
	unsigned long long entries;
};

struct untar {
	const char *what;	/* names the archive in messages */
	const char *where;	/* the cache directory the tree goes to, for messages */
	bool layer;		/* an OCI layer: whiteouts; a file replaces a dir */
	int root;		/* the tree, also the cwd (libarchive writes there) */
	unsigned members;
	unsigned skipped;	/* device nodes not made */
	struct rootfs_limits lim;
	struct untar_tally t;	/* of the pass under way */
	bool scan;		/* pass 1: also against the free space */
	struct statvfs sv;	/* of the cache, when pass 1 began */
	unsigned long long avail, kept;
	struct meta meta;	/* the sidecar, as the image says it so far */
	struct nsx_err *err;
};

/* The free space of u->root's filesystem, for pass 1 (u->scan) to check
 * the archive's members against. */
void untar_space_init(struct untar *u);

/* Pass 1: headers only, reading the whole archive through its hash,
 * counting it against the bounds, and (wh not NULL: a layer) collecting
 * its whiteouts into *wh (*nwh of them, each malloc'ed). */
int untar_scan(struct untar *u, struct untar_src *s, char ***wh, size_t *nwh);

/* A whiteout of a layer, on the layers below: ".wh.NAME" deletes NAME,
 * ".wh..wh..opq" empties its directory. */
int untar_whiteout(struct untar *u, const char *member);

/* Pass 2: write every member into the tree (the cwd is u->root). */
int untar_write(struct untar *u, struct untar_src *s);

/* What a member's data takes on disk, for the free-space check: a sparse
 * member's extents, never more than its size (extents past it are the
 * archive's lie, which a libarchive that checks them drops: not all do). */
unsigned long long untar_disk(struct archive_entry *e);

/* The digest of all of s's file, what the passes did not read included. */
int untar_digest(struct untar_src *s, char hex[DIGEST_HEX_LEN + 1]);

/* untar_digest is want, else an error that says the digest mismatches. */
int untar_verify(struct untar *u, struct untar_src *s, const char *want);

#endif
