/* The container command's seccomp filter: everything is allowed but a short
 * deny-list of kernel attack surface no container needs (kexec, modules,
 * bpf, perf, userfaultfd, keyrings, open_by_handle_at, host-wide admin
 * calls), new user namespaces (clone/unshare with CLONE_NEWUSER; clone3 gets
 * ENOSYS so libc falls back to clone, whose flags the filter can see), the
 * terminal-injection ioctls TIOCSTI and TIOCLINUX, personality() but for
 * Docker's values (0, PER_LINUX32, UNAME26, both, the query 0xffffffff),
 * and io_uring (ENOSYS, as where the kernel lacks it). Denied calls fail
 * with EPERM; a syscall of another ABI (i386's int 0x80 on x86-64) kills
 * the process, x32 calls get EPERM. Classic BPF built by hand: no
 * libseccomp. Errors as values (util/err.h); nothing here prints. */
#ifndef NSX_SECCOMP_H
#define NSX_SECCOMP_H

#include "util/err.h"

/* Install the filter on the calling thread (the command's last step before
 * execve). Needs no_new_privs set first, or CAP_SYS_ADMIN (else EACCES).
 * Irreversible: it stays for this thread, its children and across execve.
 * On an architecture nsx has no filter for (anything but x86-64 and arm64)
 * it installs nothing and fails with errnum ENOSYS and the message
 * "seccomp: no filter for this architecture". */
int seccomp_apply(struct nsx_err *err);

#endif
