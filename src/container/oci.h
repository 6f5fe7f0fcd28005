/* OCI image layouts (`run --image DIR`): index.json -> manifest -> layers,
 * following one level of image index and picking linux/<this machine's
 * arch>, else the first manifest that is not an attestation. The layout is
 * hostile input (another user's directory): JSON is read bounded and
 * validated, blobs are checked against their digests before use. Errors
 * as values; nothing here prints. */
#ifndef NSX_OCI_H
#define NSX_OCI_H

#include <stddef.h>

#include "util/digest.h"
#include "util/err.h"

struct oci {
	const char *src;	/* the layout directory as given, for messages */
	int dir;
};

/* A content descriptor: what a manifest or index says a blob is. */
struct oci_desc {
	char type[128];
	char hex[DIGEST_HEX_LEN + 1];
	int fd;			/* a layer's blob, open (oci_layers); else -1 */
};

/* At most this many layers (each one open fd while unpacking); Docker
 * makes at most 127. */
#define OCI_MAX_LAYERS	256

/* blobs/sha256/<hex>, opened for reading: a regular file (a FIFO or a
 * device there is refused, never waited on). */
int oci_blob_open(const struct oci *o, const char *hex, struct nsx_err *err);

/* index.json -> the manifest's descriptor (d->hex names the image). */
int oci_manifest(const struct oci *o, struct oci_desc *d, struct nsx_err *err);

/* The layers of manifest hex, lowest first (*out, malloc'ed: *n of
 * them); each a type nsx unpacks, each blob open in its fd: the unpacking
 * child gets these fds, never the layout's directory. */
int oci_layers(const struct oci *o, const char *hex, struct oci_desc **out, size_t *n,
	       struct nsx_err *err);

/* Close the blobs of oci_layers' n layers and free l. */
void oci_layers_free(struct oci_desc *l, size_t n);

#endif
