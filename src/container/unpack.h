/* Unpacking an image into a tree of the cache: the job rootfs.c gives
 * (a tarball, or an OCI layout's layers), run in a child process that is
 * confined to the tree it fills, so that a bug in libarchive, in a
 * decompressor or in untar.c cannot reach the host. Errors as values;
 * nothing here prints. */
#ifndef NSX_UNPACK_H
#define NSX_UNPACK_H

#include <stddef.h>

#include "container/oci.h"
#include "container/rootfs.h"
#include "util/digest.h"
#include "util/err.h"

/* What the unpacking child does. */
struct unpack_job {
	const char *src;	/* as the user gave it, for messages */
	const char *tree;	/* the temporary directory to fill (its root/ and meta) */
	const char *where;	/* the cache directory, for messages */
	int fd;			/* the tarball, or the layout directory */
	char hex[DIGEST_HEX_LEN + 1];	/* tarball: its sha256 */
	const struct oci_desc *layers;	/* OCI: lowest first; NULL: a tarball */
	size_t nlayers;
	struct rootfs_limits lim;
};

/* Fill job->tree's root/ and write its meta; what it did into stats. */
int unpack_run(const struct unpack_job *job, struct rootfs_stats *stats, struct nsx_err *err);

/* Landlock's ABI version, 0 without it (or with NSX_TEST_NO_LANDLOCK). */
int unpack_landlock_abi(void);

#endif
