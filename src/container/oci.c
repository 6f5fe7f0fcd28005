/* OCI image layouts (oci.h): index.json -> manifest -> layers. Every
 * file of the layout is another user's (a student's directory): JSON is
 * bounded and validated, and blobs are checked against their digests. */
#define _GNU_SOURCE
#include "container/oci.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "util/json.h"
#include "util/xalloc.h"

#define JSON_MAX	(4 << 20)	/* index.json, manifests: a few KiB */

static const char *const oci_index_types[] = {
	"application/vnd.oci.image.index.v1+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
};

/* libarchive detects the compression itself; the type only says whether
 * this is a layer nsx can apply (not, e.g., an encrypted one). */
static const char *const oci_layer_types[] = {
	"application/vnd.oci.image.layer.v1.tar",
	"application/vnd.oci.image.layer.v1.tar+gzip",
	"application/vnd.oci.image.layer.v1.tar+zstd",
	"application/vnd.oci.image.layer.nondistributable.v1.tar",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
	"application/vnd.docker.image.rootfs.diff.tar.gzip",
	"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
};

static bool
oci_in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

/* OCI platforms spell architectures as Go does. */
static const char *
oci_host_arch(void)
{
	static const struct {
		const char *machine, *arch;
	} map[] = {
		{ "x86_64", "amd64" }, { "aarch64", "arm64" }, { "armv7l", "arm" },
		{ "armv6l", "arm" }, { "i686", "386" }, { "i386", "386" },
		{ "ppc64le", "ppc64le" }, { "s390x", "s390x" }, { "riscv64", "riscv64" },
	};
	struct utsname u;

	if (uname(&u) == 0)
		for (size_t i = 0; i < ARRAY_SIZE(map); i++)
			if (strcmp(u.machine, map[i].machine) == 0)
				return map[i].arch;
	return "amd64";
}

/* What a layout names (index.json, a blob): a regular file, opened
 * without waiting (O_NONBLOCK: a FIFO would wait for a writer forever, a
 * device may act on open) and checked before a byte is read, as the
 * tarball path does (rootfs.c). what names it in messages. */
static int
oci_open(const struct oci *o, const char *rel, const char *what, struct nsx_err *err)
{
	struct stat st;
	int fd = openat(o->dir, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT)
		return nsx_error(err, ENOENT, "OCI layout %s: %s is missing", o->src, what);
	if (fd < 0)
		return nsx_error(err, errno, "OCI layout %s: %s: %s", o->src, what, strerror(errno));
	if (fstat(fd, &st) < 0) {
		close(fd);
		return nsx_error(err, errno, "OCI layout %s: %s: %s", o->src, what, strerror(errno));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return nsx_error(err, EINVAL, "OCI layout %s: %s is not a regular file (%s): refused",
				 o->src, what, S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISDIR(st.st_mode) ?
				 "a directory" : S_ISSOCK(st.st_mode) ? "a socket" : "a device");
	}
	return fd;
}

int
oci_blob_open(const struct oci *o, const char *hex, struct nsx_err *err)
{
	char rel[32 + DIGEST_HEX_LEN], what[32 + DIGEST_HEX_LEN];

	snprintf(rel, sizeof(rel), "blobs/sha256/%s", hex);
	snprintf(what, sizeof(what), "blob sha256:%s", hex);
	return oci_open(o, rel, what, err);
}

/* A small file whole, NUL-terminated; NULL with errno (EFBIG: too big). */
static char *
oci_read_small(int fd, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = xmalloc(cap);
	ssize_t r;

	while ((r = read(fd, buf + n, cap - n - 1)) > 0 || (r < 0 && errno == EINTR)) {
		if (r > 0 && (n += (size_t)r) + 1 == cap) {
			if (cap >= JSON_MAX) {
				free(buf);
				errno = EFBIG;
				return NULL;
			}
			buf = xrealloc(buf, cap *= 2);
		}
	}
	if (r < 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Read a JSON file (what names it) and check its syntax. */
static char *
oci_json_load(int fd, const char *what, size_t *len, struct nsx_err *err)
{
	char *text = oci_read_small(fd, len);

	if (!text)
		nsx_error(err, errno, "%s: %s", what, strerror(errno));
	else if (strlen(text) != *len || !json_valid(text)) {
		nsx_error(err, EINVAL, "%s is not valid JSON", what);
		free(text);
		text = NULL;
	}
	return text;
}

/* An index or manifest blob, checked against its digest before use. */
static char *
oci_blob_json(const struct oci *o, const char *hex, struct nsx_err *err)
{
	char what[PATH_MAX + 128], got[DIGEST_HEX_LEN + 1];
	struct sha256_ctx c;
	char *text;
	size_t len;
	int fd = oci_blob_open(o, hex, err);

	if (fd < 0)
		return NULL;
	snprintf(what, sizeof(what), "OCI layout %s: blob sha256:%s", o->src, hex);
	text = oci_read_small(fd, &len);
	close(fd);
	if (!text) {
		nsx_error(err, errno, "%s: %s", what, strerror(errno));
		return NULL;
	}
	sha256_init(&c);
	sha256_update(&c, len, (const uint8_t *)text);
	digest_hex(&c, got);
	if (strcmp(got, hex) != 0)
		nsx_error(err, EINVAL, "%s: digest mismatch (its sha256 is %s)", what, got);
	else if (strlen(text) != len || !json_valid(text))
		nsx_error(err, EINVAL, "%s is not valid JSON", what);
	else
		return text;
	free(text);
	return NULL;
}

static int
oci_desc_read(const struct oci *o, const char *v, struct oci_desc *d, struct nsx_err *err)
{
	char digest[128];

	d->fd = -1;
	if (json_str(json_get(v, "mediaType"), d->type, sizeof(d->type)) < 0)
		d->type[0] = '\0';
	if (json_str(json_get(v, "digest"), digest, sizeof(digest)) < 0)
		return nsx_error(err, EINVAL, "OCI layout %s: a descriptor has no digest", o->src);
	if (strncmp(digest, "sha256:", 7) != 0 || strlen(digest) != 7 + DIGEST_HEX_LEN ||
	    !digest_is_hex(digest + 7, DIGEST_HEX_LEN))
		return nsx_error(err, EINVAL, "OCI layout %s: digest '%s' is not sha256:<64 hex>: "
				 "unsupported", o->src, digest);
	memcpy(d->hex, digest + 7, DIGEST_HEX_LEN + 1);
	return 0;
}

/* From an image index, the manifest for linux/<our arch>, else the first
 * that is not an attestation (platform unknown/unknown, as buildx adds). */
static int
oci_index_pick(const struct oci *o, const char *json, struct oci_desc *d, struct nsx_err *err)
{
	const char *m, *pick = NULL, *first = NULL, *arch = oci_host_arch();
	char os[64], a[64];

	for (m = json_first(json_get(json, "manifests")); m && !pick; m = json_next(m)) {
		const char *plat = json_get(m, "platform");

		if (json_str(json_get(plat, "os"), os, sizeof(os)) < 0)
			os[0] = '\0';
		if (json_str(json_get(plat, "architecture"), a, sizeof(a)) < 0)
			a[0] = '\0';
		if (strcmp(os, "linux") == 0 && strcmp(a, arch) == 0)
			pick = m;
		else if (!first && strcmp(os, "unknown") != 0)
			first = m;
	}
	if (!pick && !(pick = first))
		return nsx_error(err, EINVAL, "OCI layout %s: the index lists no manifest", o->src);
	return oci_desc_read(o, pick, d, err);
}

/* index.json -> the manifest's descriptor, through at most one nested
 * image index (a multi-platform image saved whole). */
int
oci_manifest(const struct oci *o, struct oci_desc *d, struct nsx_err *err)
{
	char what[PATH_MAX + 64], *text, *sub;
	size_t len;
	int fd, rc;

	snprintf(what, sizeof(what), "OCI layout %s: index.json", o->src);
	if ((fd = oci_open(o, "index.json", "index.json", err)) < 0)
		return -1;
	text = oci_json_load(fd, what, &len, err);
	close(fd);
	if (!text)
		return -1;
	rc = oci_index_pick(o, text, d, err);
	free(text);
	if (rc < 0 || !oci_in_list(d->type, oci_index_types, ARRAY_SIZE(oci_index_types)))
		return rc;
	if (!(sub = oci_blob_json(o, d->hex, err)))
		return -1;
	rc = oci_index_pick(o, sub, d, err);
	free(sub);
	if (rc == 0 && oci_in_list(d->type, oci_index_types, ARRAY_SIZE(oci_index_types)))
		return nsx_error(err, EINVAL, "OCI layout %s: image index sha256:%s lists another "
				 "index: nsx follows one level", o->src, d->hex);
	return rc;
}

/* The manifest's layers, lowest first; every blob is opened here, before
 * anything is unpacked: the unpacking child gets the blobs, never the
 * layout's directory (an fd from which "../.." leads out of any jail). */
int
oci_layers(const struct oci *o, const char *hex, struct oci_desc **out, size_t *n,
	   struct nsx_err *err)
{
	char *text = oci_blob_json(o, hex, err);
	struct oci_desc *l = NULL;
	size_t cnt = 0;
	const char *v;
	int rc = 0;

	if (!text)
		return -1;
	for (v = json_first(json_get(text, "layers")); v && rc == 0; v = json_next(v)) {
		if (cnt == OCI_MAX_LAYERS) {
			rc = nsx_error(err, EFBIG, "OCI layout %s: manifest sha256:%s has more than %d "
				       "layers, which nsx does not unpack (Docker makes at most 127)",
				       o->src, hex, OCI_MAX_LAYERS);
			break;
		}
		l = xreallocarray(l, cnt + 1, sizeof(*l));
		rc = oci_desc_read(o, v, &l[cnt], err);
		if (rc == 0 && !oci_in_list(l[cnt].type, oci_layer_types, ARRAY_SIZE(oci_layer_types)))
			rc = nsx_error(err, EINVAL, "OCI layout %s: layer sha256:%s has media type "
				       "'%s', which nsx cannot unpack", o->src, l[cnt].hex, l[cnt].type);
		if (rc == 0 && (l[cnt].fd = oci_blob_open(o, l[cnt].hex, err)) < 0)
			rc = -1;
		cnt++;
	}
	if (rc == 0 && cnt == 0)
		rc = nsx_error(err, EINVAL, "OCI layout %s: manifest sha256:%s has no layers",
			       o->src, hex);
	free(text);
	if (rc < 0) {
		oci_layers_free(l, cnt);
		return -1;
	}
	*out = l;
	*n = cnt;
	return 0;
}

void
oci_layers_free(struct oci_desc *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (l[i].fd >= 0)
			close(l[i].fd);
	free(l);
}
