/* NSX_TEST_UNPACK_PROBE (test builds only, util/testhook.h): what a bug in
 * the unpacking child (unpack.c) could do to the host once it is confined,
 * tried for real and reported in one line, so that the attacker suite
 * (tests/sh/attack-cache.t) sees the confinement hold, or fail, as an
 * exploit would. */
#ifndef NSX_PROBE_H
#define NSX_PROBE_H

#include <stddef.h>

/* With NSX_TEST_UNPACK_PROBE=PATH (absolute, in a directory of the host
 * that exists): try each way out and write what happened into out (of
 * size n): ""  when the hook is not set. Nothing on the host is changed
 * unless the confinement fails (then PATH exists). */
void probe_unpacker(char *out, size_t n);

#endif
