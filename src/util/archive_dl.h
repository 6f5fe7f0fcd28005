/* libarchive, loaded when the first image is unpacked rather than when nsx
 * starts: it pulls in about fifteen libraries (libxml2, libicu, libcrypto,
 * the compressors), whose loading and relocation tripled the start-up time
 * of every nsx command (measured: `nsx help` 10.3 ms linked, 4.2 ms
 * without). src/util/archive_dl.c defines the libarchive functions nsx
 * uses as trampolines into the library opened here. */
#ifndef NSX_ARCHIVE_DL_H
#define NSX_ARCHIVE_DL_H

#include "util/err.h"

/* dlopen libarchive.so.13 once; call before any archive_* function. */
int archive_dl_load(struct nsx_err *err);

#endif
