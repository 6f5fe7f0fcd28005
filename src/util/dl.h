/* Libraries nsx loads on first use rather than at start (dlopen): each
 * one's loading and relocation would cost every nsx command, for calls a
 * few make (archive_dl.h, sdbus_dl.h say which and why). A file of
 * trampolines defines the library's functions nsx calls, each with the
 * library's own prototype, so the compiler checks them:
 *
 *   static struct nsx_dl lib = { .soname = "libfoo.so.1", .package = "libfoo1" };
 *   DL_TRAMPOLINE(lib, int, foo_open, (const char *p), (p))
 */
#ifndef NSX_DL_H
#define NSX_DL_H

#include "util/err.h"

struct nsx_dl {
	const char *soname;	/* "libarchive.so.13" */
	const char *package;	/* the Debian package that installs it */
	void *handle;
};

/* dlopen it once; call before any of its functions. */
int dl_load(struct nsx_dl *lib, struct nsx_err *err);

/* Its function NAME; aborts when it is missing (dl_load not called, or a
 * library older than nsx supports: a programming error, not input). */
void *dl_sym(struct nsx_dl *lib, const char *name);

#define DL_TRAMPOLINE(lib, ret, name, params, args)			\
	ret name params							\
	{								\
		static ret (*fn) params;				\
		if (!fn)						\
			fn = (ret (*) params)dl_sym(&lib, #name);	\
		return fn args;						\
	}

#endif
