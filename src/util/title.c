#include "util/title.h"

#include <string.h>

static char *area;
static size_t area_len;

void
title_init(int argc, char **argv)
{
	/* the kernel lays the strings out one after the other */
	if (argc < 1 || !argv[0])
		return;
	area = argv[0];
	area_len = (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) + 1 - argv[0]);
}

void
title_set(const char *name)
{
	size_t n;

	if (!area || area_len < 2)
		return;
	n = strlen(name);
	if (n > area_len - 1)
		n = area_len - 1;
	memset(area, 0, area_len);
	memcpy(area, name, n);
}
