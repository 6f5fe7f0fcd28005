/* Trampolines for the libarchive functions nsx calls (see archive_dl.h).
 * Each has libarchive's own prototype (from <archive.h>), so the compiler
 * checks them, and jumps to the function found by dlsym. */
#define _GNU_SOURCE
#include "util/archive_dl.h"
#include "util/dl.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static struct nsx_dl lib = { .soname = "libarchive.so.13", .package = "libarchive13" };

int
archive_dl_load(struct nsx_err *err)
{
	return dl_load(&lib, err);
}

#define TRAMPOLINE(ret, name, params, args) DL_TRAMPOLINE(lib, ret, name, params, args)

TRAMPOLINE(struct archive *, archive_read_new, (void), ())
TRAMPOLINE(int, archive_read_support_filter_all, (struct archive *a), (a))
TRAMPOLINE(int, archive_read_support_format_tar, (struct archive *a), (a))
TRAMPOLINE(int, archive_read_support_format_empty, (struct archive *a), (a))
TRAMPOLINE(int, archive_read_open, (struct archive *a, void *d, archive_open_callback *o,
	   archive_read_callback *r, archive_close_callback *c), (a, d, o, r, c))
TRAMPOLINE(int, archive_read_next_header, (struct archive *a, struct archive_entry **e), (a, e))
TRAMPOLINE(int, archive_read_data_block, (struct archive *a, const void **b, size_t *s, la_int64_t *o),
	   (a, b, s, o))
TRAMPOLINE(int, archive_read_free, (struct archive *a), (a))
TRAMPOLINE(struct archive *, archive_write_disk_new, (void), ())
TRAMPOLINE(int, archive_write_disk_set_options, (struct archive *a, int f), (a, f))
TRAMPOLINE(int, archive_write_header, (struct archive *a, struct archive_entry *e), (a, e))
TRAMPOLINE(la_ssize_t, archive_write_data_block, (struct archive *a, const void *b, size_t s, la_int64_t o),
	   (a, b, s, o))
TRAMPOLINE(int, archive_write_finish_entry, (struct archive *a), (a))
TRAMPOLINE(int, archive_write_close, (struct archive *a), (a))
TRAMPOLINE(int, archive_write_free, (struct archive *a), (a))
TRAMPOLINE(int, archive_errno, (struct archive *a), (a))
TRAMPOLINE(const char *, archive_error_string, (struct archive *a), (a))
TRAMPOLINE(const char *, archive_entry_pathname, (struct archive_entry *e), (e))
TRAMPOLINE(const char *, archive_entry_hardlink, (struct archive_entry *e), (e))
TRAMPOLINE(la_int64_t, archive_entry_size, (struct archive_entry *e), (e))
TRAMPOLINE(__LA_MODE_T, archive_entry_filetype, (struct archive_entry *e), (e))
TRAMPOLINE(__LA_MODE_T, archive_entry_perm, (struct archive_entry *e), (e))
TRAMPOLINE(la_int64_t, archive_entry_uid, (struct archive_entry *e), (e))
TRAMPOLINE(la_int64_t, archive_entry_gid, (struct archive_entry *e), (e))
TRAMPOLINE(int, archive_entry_sparse_reset, (struct archive_entry *e), (e))
TRAMPOLINE(int, archive_entry_sparse_next, (struct archive_entry *e, la_int64_t *o, la_int64_t *l),
	   (e, o, l))

void
archive_entry_set_perm(struct archive_entry *e, __LA_MODE_T m)
{
	static void (*fn)(struct archive_entry *, __LA_MODE_T);

	if (!fn)
		fn = (void (*)(struct archive_entry *, __LA_MODE_T))dl_sym(&lib, "archive_entry_set_perm");
	fn(e, m);
}

/* Variadic: formatted here, passed on as one string. */
void
archive_set_error(struct archive *a, int err, const char *fmt, ...)
{
	static void (*fn)(struct archive *, int, const char *, ...);
	char msg[512];
	va_list ap;

	if (!fn)
		fn = (void (*)(struct archive *, int, const char *, ...))dl_sym(&lib, "archive_set_error");
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fn(a, err, "%s", msg);
}
