/* What a container's processes are held to beyond their namespaces: the
 * capabilities they keep, no_new_privs, the seccomp filter. One
 * implementation for the container's command (payload.c) and for a level
 * entered into a running container (enter, level.c), so that whatever
 * run applies, enter applies too: run writes the set into the container's
 * record, enter reads it from there. Errors as values; nothing prints. */
#ifndef NSX_CONFINE_H
#define NSX_CONFINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct ctr_confine {
	uint64_t caps;		/* bit N: capability N kept (bounding, permitted, effective) */
	bool nnp;		/* no_new_privs */
	bool seccomp;		/* nsx's filter (seccomp.c) */
};

/* What nsx run applies by default: Docker's capability set minus
 * CAP_MKNOD, no_new_privs, the filter. */
void confine_default(struct ctr_confine *cf);

/* How many capabilities cf keeps. */
int confine_ncaps(const struct ctr_confine *cf);

/* Each part alone, for the steps of run's plan (payload.c). */
/* Keep only cf->caps in the bounding, permitted and effective sets;
 * inheritable and ambient empty (CVE-2022-29162). */
int confine_caps(const struct ctr_confine *cf, struct nsx_err *err);
int confine_nnp(const struct ctr_confine *cf, struct nsx_err *err);
/* The filter when cf->seccomp; -1 with errnum ENOSYS on an architecture
 * nsx has no filter for (nothing installed: the caller decides). */
int confine_seccomp(const struct ctr_confine *cf, struct nsx_err *err);

/* All of it, in run's order (capabilities, no_new_privs, seccomp last),
 * and the process stays not dumpable: for enter. *note gets the ENOSYS
 * message of confine_seccomp (empty otherwise), which is no failure. */
int confine_apply(const struct ctr_confine *cf, char *note, size_t n, struct nsx_err *err);

#endif
