/* sha256 in hex (digest.h). */
#define _GNU_SOURCE
#include "util/digest.h"

#include <stdint.h>
#include <stdlib.h>

#include "util/file.h"
#include "util/xalloc.h"

#define BUF_SIZE	(64 * 1024)

void
digest_hex(struct sha256_ctx *c, char hex[DIGEST_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	uint8_t d[SHA256_DIGEST_SIZE];

	sha256_digest(c, sizeof(d), d);
	for (size_t i = 0; i < sizeof(d); i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 15];
	}
	hex[DIGEST_HEX_LEN] = '\0';
}

int
digest_fd(int fd, char hex[DIGEST_HEX_LEN + 1])
{
	uint8_t *buf = xmalloc(BUF_SIZE);
	struct sha256_ctx c;
	off_t off = 0;
	ssize_t r;

	sha256_init(&c);
	while ((r = file_pread(fd, buf, BUF_SIZE, off)) > 0) {
		sha256_update(&c, (size_t)r, buf);
		off += r;
	}
	free(buf);
	if (r < 0)
		return -1;
	digest_hex(&c, hex);
	return 0;
}

bool
digest_is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}
