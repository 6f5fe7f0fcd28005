/* Libraries loaded on first use (see dl.h). */
#define _GNU_SOURCE
#include "util/dl.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int
dl_load(struct nsx_dl *lib, struct nsx_err *err)
{
	if (!lib->handle && !(lib->handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL)))
		return nsx_error(err, ENOENT, "cannot load %s (%s): install %s ('make deps')",
				 lib->soname, dlerror(), lib->package);
	return 0;
}

void *
dl_sym(struct nsx_dl *lib, const char *name)
{
	void *p = lib->handle ? dlsym(lib->handle, name) : NULL;

	if (!p) {
		fprintf(stderr, "nsx: %s: no %s\n", lib->soname, name);
		abort();
	}
	return p;
}
