/* The path of a fixture tree for the unit tests: $NSX_TOP/tests/fixtures/NAME
 * (make test sets NSX_TOP; run by hand from the top directory without it).
 * malloc'ed. */
#ifndef NSX_TEST_FIXTURE_H
#define NSX_TEST_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

static char *
fixture(const char *name)
{
	const char *top = getenv("NSX_TOP");
	char *s;

	if (asprintf(&s, "%s/tests/fixtures/%s", top && *top ? top : ".", name) < 0)
		abort();
	return s;
}

#endif
