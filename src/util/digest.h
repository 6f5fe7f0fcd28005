/* sha256 as the image cache names things by it: 64 lowercase hex digits
 * (a tarball's digest, an OCI blob's, the busybox binary's). */
#ifndef NSX_DIGEST_H
#define NSX_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <nettle/sha2.h>

#define DIGEST_HEX_LEN	(2 * SHA256_DIGEST_SIZE)

/* The digest of what c was fed, in hex. */
void digest_hex(struct sha256_ctx *c, char hex[DIGEST_HEX_LEN + 1]);

/* The digest of a whole file, read from offset 0 (pread: fd's offset is
 * not moved); -1 and errno on a read error. */
int digest_fd(int fd, char hex[DIGEST_HEX_LEN + 1]);

/* The n bytes at s are lowercase hex digits. */
bool digest_is_hex(const char *s, size_t n);

#endif
