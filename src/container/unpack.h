/* Unpacking an image into a tree of the cache: the job rootfs.c gives
 * (a tarball, or an OCI layout's layers, every archive already open as a
 * regular file), run in a child process confined to the tree it fills, so
 * that a code-execution bug in libarchive, a decompressor or untar.c
 * cannot reach the host:
 *  - it holds no fd but the archives, the sidecar and a pipe to nsx (no
 *    directory, no /proc), stdin to stderr are /dev/null, in a session of
 *    its own (root's terminal is out of reach);
 *  - a jail: mount, PID, IPC and network namespaces of its own (and a
 *    user namespace when not root), / the tree alone;
 *  - capabilities: CAP_DAC_OVERRIDE alone; no_new_privs; not dumpable;
 *  - Landlock (Linux 5.19) on top, so that writes stay in the tree
 *    whatever path or fd they take;
 *  - nsx's seccomp filter (container/seccomp.h).
 * Where namespaces cannot be made (an unprivileged user with user
 * namespaces disabled), Landlock alone; where neither, the capabilities
 * and filter alone (the front end says so). Errors as values; nothing here
 * prints. */
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
	int fd;			/* the tarball (a regular file); -1 for OCI */
	char hex[DIGEST_HEX_LEN + 1];	/* tarball: its sha256 */
	const struct oci_desc *layers;	/* OCI: lowest first, blobs open; NULL: a tarball */
	size_t nlayers;
	struct rootfs_limits lim;
};

/* Fill job->tree's root/ and write its meta; what it did into stats. */
int unpack_run(const struct unpack_job *job, struct rootfs_stats *stats, struct nsx_err *err);

/* Landlock's ABI version, 0 without it (or with NSX_TEST_NO_LANDLOCK). */
int unpack_landlock_abi(void);

#endif
