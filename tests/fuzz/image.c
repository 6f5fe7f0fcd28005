/* Image handling for `run --image`: the OCI index and manifest JSON
 * (syntax, descriptors, platforms, digests), and tar members unpacked as a
 * tarball or as an OCI layer (paths with ".." or "/", symlinks and hard
 * links out of the tree, .wh. whiteouts and opaque dirs, a file over a
 * directory). Input byte 0: bit 0 set, the rest is JSON; else the rest is
 * an archive, unpacked (bit 1: as a layer) into a scratch tree beside a
 * canary directory that must come out untouched. The unpacking runs in
 * this process (untar.c), without the confined child of the real job
 * (unpack.c): what is checked is that the code alone keeps everything
 * inside the tree. */
#define _GNU_SOURCE
#include "fuzz.h"

/* the OCI index and descriptor readers are static */
#include "../../src/container/oci.c"

#include <dirent.h>
#include <sys/mman.h>

#include "container/tree.h"
#include "container/untar.h"
#include "util/archive_dl.h"
#include "util/file.h"

static char base[64];
static int basefd = -1, treefd = -1, cwdfd = -1, memfd = -1;
static struct untar_src *src;

/* the scratch directory goes when the fuzzer or the replay ends */
static void
cleanup(void)
{
	if (cwdfd >= 0 && fchdir(cwdfd) == 0)
		tree_remove(base);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct nsx_err err;

	snprintf(base, sizeof(base), "%s/nsx-fuzz-image-XXXXXX", fz_tmp());
	if (!mkdtemp(base) || archive_dl_load(&err) < 0)
		abort();
	basefd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mkdirat(basefd, "tree", 0755) < 0 || mkdirat(basefd, "outside", 0755) < 0)
		abort();
	int fd = openat(basefd, "outside/canary", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, "canary\n", 7) != 7)
		abort();
	close(fd);
	treefd = openat(basefd, "tree", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cwdfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	memfd = memfd_create("nsx-fuzz-image", MFD_CLOEXEC);
	src = xmalloc(sizeof(*src));
	if (treefd < 0 || cwdfd < 0 || memfd < 0)
		abort();
	atexit(cleanup);
	return 0;
}

static void
fuzz_json(const char *text)
{
	struct oci o = { "fuzz", -1 };
	struct nsx_err err = { 0 };
	struct oci_desc d;
	char buf[256];

	if (!json_valid(text))
		return;
	if (oci_index_pick(&o, text, &d, &err) == 0)
		fz_assert(strlen(d.hex) == DIGEST_HEX_LEN && digest_is_hex(d.hex, DIGEST_HEX_LEN));
	for (const char *v = json_first(json_get(text, "layers")); v; v = json_next(v))
		if (oci_desc_read(&o, v, &d, &err) == 0)
			oci_in_list(d.type, oci_layer_types, ARRAY_SIZE(oci_layer_types));
	if (json_str(json_get(text, "mediaType"), buf, sizeof(buf)) == 0)
		fz_assert(strlen(buf) < sizeof(buf));
	json_str(json_get(json_get(text, "config"), "digest"), buf, sizeof(buf));
}

/* base holds tree and outside, outside only its canary, as they were */
static void
check_confined(void)
{
	char text[16] = "";
	struct stat st;
	int fd, n = 0;
	DIR *d;
	struct dirent *e;

	fd = openat(basefd, "outside/canary", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	fz_assert(fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1);
	fz_assert(read(fd, text, sizeof(text)) == 7 && memcmp(text, "canary\n", 7) == 0);
	close(fd);
	fz_assert(fstatat(basefd, "outside", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode));
	fz_assert(fstatat(basefd, "tree", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode));
	fz_assert((d = opendir(base)));
	while ((e = readdir(d)))
		n += !file_is_dots(e->d_name);
	closedir(d);
	fz_assert(n == 2);
}

static void
fuzz_tar(const uint8_t *data, size_t size, bool layer)
{
	struct nsx_err err = { 0 };
	struct untar u = { .what = "fuzz", .layer = layer, .root = treefd, .err = &err,
			    .lim = { ROOTFS_MAX_BYTES, ROOTFS_MAX_ENTRIES, ROOTFS_MAX_DEPTH } };
	char **wh = NULL;
	size_t nwh = 0;
	int rc = 0;

	if (ftruncate(memfd, 0) < 0 || pwrite(memfd, data, size, 0) != (ssize_t)size)
		abort();
	src->fd = memfd;
	if (fchdir(treefd) < 0)
		abort();
	/* as unpack_child does: pass 1 (headers, bounds, whiteouts), then pass 2
	 * with the tally reset; the free-space check is the cache's, not here */
	rc = untar_scan(&u, src, layer ? &wh : NULL, &nwh);
	memset(&u.t, 0, sizeof(u.t));
	for (size_t i = 0; i < nwh && rc == 0; i++)
		rc = untar_whiteout(&u, wh[i]);
	for (size_t i = 0; i < nwh; i++)
		free(wh[i]);
	free(wh);
	if (rc == 0)
		rc = untar_write(&u, src);
	meta_free(&u.meta);
	if (rc < 0)
		fz_assert(err.msg[0]);
	if (fchdir(cwdfd) < 0)
		abort();
	check_confined();
	fchmod(treefd, 0755);
	fz_assert(tree_clear(treefd) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1) {
		char *s = fz_str(data + 1, size - 1);

		fuzz_json(s);
		free(s);
	} else
		fuzz_tar(data + 1, size - 1, data[0] & 2);
	return 0;
}
