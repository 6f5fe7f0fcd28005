/* Test hooks: NSX_TEST_* variables that make nsx stop or fail at a chosen
 * point, so the test suite can check what a killed or failed run leaves.
 *
 * Every hook is read through testhook(), never getenv: in a production
 * build (./nsx, what `make`, `make run` and `make install` give) it returns
 * NULL, so a hook in root's environment (sudo -E, su without -) does
 * nothing. The Makefile compiles testhook.c a second time with
 * -DNSX_TEST_HOOKS for the binary the tests run ($(BUILD)/nsx) and for the
 * unit tests; nothing else differs between the two builds.
 *
 * A new hook: testhook("NSX_TEST_WHAT"), documented in doc/nsx.1 with the
 * others, and never a reason for a production build to behave differently. */
#ifndef NSX_TESTHOOK_H
#define NSX_TESTHOOK_H

/* The value of hook name (an NSX_TEST_* variable), or NULL: always NULL
 * in a production build. */
const char *testhook(const char *name);

#endif
