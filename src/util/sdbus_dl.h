/* libsystemd's sd-bus, loaded the first time nsx asks systemd for a
 * cgroup scope (cgroup/scope.h) rather than when nsx starts: linking it
 * would load libsystemd and its compressors and crypto into every nsx
 * command, as libarchive would (see archive_dl.h), for a call only a
 * user's `run --memory` on a systemd machine makes. src/util/sdbus_dl.c
 * defines the sd_bus_* functions nsx uses as trampolines into the
 * library opened here; a machine without libsystemd runs nsx all the same. */
#ifndef NSX_SDBUS_DL_H
#define NSX_SDBUS_DL_H

#include "util/err.h"

/* dlopen libsystemd.so.0 once; call before any sd_bus_* function. */
int sdbus_dl_load(struct nsx_err *err);

#endif
