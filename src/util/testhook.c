/* Test hooks, compiled in only with -DNSX_TEST_HOOKS: see testhook.h. */
#include "util/testhook.h"

#include <stdlib.h>

#ifdef NSX_TEST_HOOKS
const char *
testhook(const char *name)
{
	return getenv(name);
}
#else
const char *
testhook(const char *name)
{
	(void)name;
	return NULL;
}
#endif
