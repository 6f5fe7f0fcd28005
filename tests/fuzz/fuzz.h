/* Shared by the libFuzzer harnesses (tests/fuzz/NAME.c). Each harness
 * defines LLVMFuzzerTestOneInput; `make fuzz` links it with libFuzzer
 * (clang, ASan, UBSan), `make test` with replay.c, which runs it over the
 * seed corpus and every crash found so far. A harness calls nsx's own
 * parsers: where one is static, the harness includes its .c file (linked
 * from build/libnsx.a, that file's object is then not pulled in). */
#ifndef NSX_FUZZ_H
#define NSX_FUZZ_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The input as a NUL-terminated string (cut at its first NUL). */
static inline char *
fz_str(const uint8_t *d, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		abort();
	memcpy(s, d, n);
	s[n] = '\0';
	return s;
}

/* Cut s (writable) at every sep into at most max parts; returns how many. */
static inline int
fz_split(char *s, char sep, char **parts, int max)
{
	int n = 0;

	while (n < max) {
		char *e = strchr(s, sep);

		parts[n++] = s;
		if (!e)
			break;
		*e = '\0';
		s = e + 1;
	}
	return n;
}

/* Where a harness makes its scratch files: tmpfs when there is one (on
 * ext4, closing a file truncated and written again flushes it: 100 times
 * slower). */
static inline const char *
fz_tmp(void)
{
	return access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
}

/* A check that the code under test kept its promise: abort() so that the
 * fuzzer (and the replay) report it like a crash. */
#define fz_assert(cond) do { if (!(cond)) { \
	fprintf(stderr, "fuzz: %s:%d: assertion failed: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

#endif
