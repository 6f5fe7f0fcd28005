/* A container's confinement beyond its namespaces (confine.h): applied by
 * run's command before execve (payload.c) and by a level entered into a
 * running container (enter), from the same code and the same record. */
#define _GNU_SOURCE
#include "container/confine.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "container/seccomp.h"
#include "util/xalloc.h"

/* Docker's and runc's default set, minus mknod: the container gets no
 * device nodes beyond those nsx made. */
static const cap_value_t caps_default[] = {
	CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, CAP_KILL, CAP_SETGID, CAP_SETUID,
	CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_NET_RAW, CAP_SYS_CHROOT, CAP_SETFCAP, CAP_AUDIT_WRITE,
};

void
confine_default(struct ctr_confine *cf)
{
	cf->caps = 0;
	for (size_t i = 0; i < ARRAY_SIZE(caps_default); i++)
		cf->caps |= UINT64_C(1) << caps_default[i];
	cf->nnp = true;
	cf->seccomp = true;
}

int
confine_ncaps(const struct ctr_confine *cf)
{
	return __builtin_popcountll(cf->caps);
}

static bool
cap_kept(const struct ctr_confine *cf, cap_value_t v)
{
	return v < 64 && (cf->caps & (UINT64_C(1) << v));
}

int
confine_caps(const struct ctr_confine *cf, struct nsx_err *err)
{
	cap_value_t last = (cap_value_t)cap_max_bits() - 1, kept[64];
	int nkept = 0, r;
	cap_t caps;

	for (cap_value_t v = 0; v <= last; v++) {
		if (cap_kept(cf, v))
			kept[nkept++] = v;
		else if (cap_drop_bound(v) < 0 && errno != EINVAL)
			return nsx_error(err, errno, "dropping capability %s from the bounding set: %s",
					 cap_to_name(v), strerror(errno));
	}
	if (!(caps = cap_init()))
		return nsx_error(err, errno, "capabilities: %s", strerror(errno));
	/* inheritable stays empty: file-inheritable caps must not become
	 * permitted after execve (CVE-2022-29162) */
	if (nkept) {
		cap_set_flag(caps, CAP_EFFECTIVE, nkept, kept, CAP_SET);
		cap_set_flag(caps, CAP_PERMITTED, nkept, kept, CAP_SET);
	}
	r = cap_set_proc(caps);
	cap_free(caps);
	if (r < 0 || cap_reset_ambient() < 0)
		return nsx_error(err, errno, "setting capabilities: %s", strerror(errno));
	return 0;
}

int
confine_nnp(const struct ctr_confine *cf, struct nsx_err *err)
{
	if (cf->nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return nsx_error(err, errno, "no_new_privs: %s", strerror(errno));
	return 0;
}

int
confine_seccomp(const struct ctr_confine *cf, struct nsx_err *err)
{
	return cf->seccomp ? seccomp_apply(err) : 0;
}

int
confine_apply(const struct ctr_confine *cf, char *note, size_t n, struct nsx_err *err)
{
	note[0] = '\0';
	if (confine_caps(cf, err) < 0 || confine_nnp(cf, err) < 0)
		return -1;
	if (confine_seccomp(cf, err) < 0) {
		if (err->errnum != ENOSYS)
			return -1;
		snprintf(note, n, "%s", err->msg);	/* an architecture without a filter */
	}
	/* the process runs nsx, not the container's program, with nsx's fds
	 * and memory: the container's root, which has the same capabilities
	 * now, must not ptrace it nor open its /proc/PID/exe (CVE-2016-9962,
	 * CVE-2019-5736). A capability change may have reset it; execve of
	 * the container's program makes it dumpable again, as it should be. */
	if (prctl(PR_SET_DUMPABLE, 0) < 0)
		return nsx_error(err, errno, "PR_SET_DUMPABLE: %s", strerror(errno));
	return 0;
}
