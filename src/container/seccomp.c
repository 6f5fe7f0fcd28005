/* The container command's seccomp filter, default allow with a deny-list
 * (runtime-security.md §1 "Init order"). The filter is classic BPF over
 * struct seccomp_data, laid out as:
 *
 *	arch == this build's ?          else KILL_PROCESS
 *	nr >= x32 bit ?                 ERRNO(EPERM)             (x86-64 only)
 *	nr == rule[i].nr ?              rule[i].action           (one pair each)
 *	nr == argrule[j].nr ?           load the argument's low word;
 *	    matches a value ?           ERRNO(EPERM)  else ALLOW
 *	                                (an allow-list: ALLOW else ERRNO(EPERM))
 *	ALLOW
 *
 * Capabilities already keep the container from most of these calls; the
 * filter is the second wall, and the only one for what needs no capability
 * (bpf, perf_event_open, userfaultfd and keyrings for unprivileged users,
 * new user namespaces, TIOCSTI on one's own terminal). */
#define _GNU_SOURCE
#include "container/seccomp.h"

#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "util/xalloc.h"

/* The AUDIT_ARCH_ value the kernel puts in seccomp_data.arch for this
 * build's syscalls; the syscall numbers below are this build's too. An x32
 * build of nsx shares x86-64's arch value but not its numbers: no filter. */
#if defined(__x86_64__) && !defined(__ILP32__)
#define SC_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SC_ARCH AUDIT_ARCH_AARCH64
#endif

#ifdef SC_ARCH

#ifndef SECCOMP_RET_KILL_PROCESS	/* Linux 4.14; headers older than that */
#define SECCOMP_RET_KILL_PROCESS 0x80000000U
#endif
#if defined(__x86_64__) && !defined(__X32_SYSCALL_BIT)
#define __X32_SYSCALL_BIT 0x40000000
#endif

/* io_uring (Linux 5.1) has one number on every architecture since */
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#define __NR_io_uring_enter 426
#define __NR_io_uring_register 427
#endif

#define SC_EPERM (SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))
#define SC_ENOSYS (SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA))

/* the low 32 bits of argument i: enough for every argument checked here,
 * as the kernel itself reads only those (ioctl's cmd is an unsigned int,
 * clone uses lower_32_bits(flags), unshare refuses unknown high bits) */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SC_ARG_LO(i) (offsetof(struct seccomp_data, args) + (i) * sizeof(uint64_t))
#else
#define SC_ARG_LO(i) (offsetof(struct seccomp_data, args) + (i) * sizeof(uint64_t) + sizeof(uint32_t))
#endif

struct sc_rule {
	int nr;
	uint32_t action;
};

static const struct sc_rule sc_rules[] = {
	/* replacing or extending the running kernel: the host's, shared */
#ifdef __NR_kexec_load
	{ __NR_kexec_load, SC_EPERM },
#endif
#ifdef __NR_kexec_file_load
	{ __NR_kexec_file_load, SC_EPERM },
#endif
#ifdef __NR_init_module
	{ __NR_init_module, SC_EPERM },
#endif
#ifdef __NR_finit_module
	{ __NR_finit_module, SC_EPERM },
#endif
#ifdef __NR_delete_module
	{ __NR_delete_module, SC_EPERM },
#endif
	/* kernel attack surface reachable without privilege on many systems:
	 * the verifier, perf events and userfaultfd (which stalls the kernel
	 * mid-copy to win races) are in most recent local root exploits */
#ifdef __NR_bpf
	{ __NR_bpf, SC_EPERM },
#endif
#ifdef __NR_perf_event_open
	{ __NR_perf_event_open, SC_EPERM },
#endif
#ifdef __NR_userfaultfd
	{ __NR_userfaultfd, SC_EPERM },
#endif
	/* opens any file of a mounted file system by its handle, outside the
	 * container's root: the 2014 "shocker" escape (CAP_DAC_READ_SEARCH) */
#ifdef __NR_open_by_handle_at
	{ __NR_open_by_handle_at, SC_EPERM },
#endif
	/* keyrings are not namespaced: the container would see and fill the
	 * host user's keys (and their quota) */
#ifdef __NR_keyctl
	{ __NR_keyctl, SC_EPERM },
#endif
#ifdef __NR_add_key
	{ __NR_add_key, SC_EPERM },
#endif
#ifdef __NR_request_key
	{ __NR_request_key, SC_EPERM },
#endif
	/* host-wide administration, not namespaced */
#ifdef __NR_reboot
	{ __NR_reboot, SC_EPERM },
#endif
#ifdef __NR_swapon
	{ __NR_swapon, SC_EPERM },
#endif
#ifdef __NR_swapoff
	{ __NR_swapoff, SC_EPERM },
#endif
#ifdef __NR_acct
	{ __NR_acct, SC_EPERM },
#endif
#ifdef __NR_lookup_dcookie
	{ __NR_lookup_dcookie, SC_EPERM },
#endif
#ifdef __NR_quotactl
	{ __NR_quotactl, SC_EPERM },
#endif
#ifdef __NR_quotactl_fd
	{ __NR_quotactl_fd, SC_EPERM },
#endif
	/* clone3's flags are in memory, which BPF cannot read: ENOSYS (not
	 * EPERM) makes glibc fall back to clone, checked below (Docker's
	 * profile does the same) */
#ifdef __NR_clone3
	{ __NR_clone3, SC_ENOSYS },
#endif
	/* io_uring: the kernel's busiest source of local root exploits (most
	 * of Google's kCTF entries in 2022-23), and its operations run as no
	 * syscall a filter sees. ENOSYS, as from a kernel built without it:
	 * liburing's users, libuv and Tokio then take their epoll or thread
	 * path (Docker refuses it too, with EPERM, since 2023) */
	{ __NR_io_uring_setup, SC_ENOSYS },
	{ __NR_io_uring_enter, SC_ENOSYS },
	{ __NR_io_uring_register, SC_ENOSYS },
};

/* Argument arg against the nval values of val: a match (any bit of it
 * when mask, else equal) gets EPERM, anything else is allowed; or, with
 * only, the reverse: only a match is allowed */
struct sc_argrule {
	int nr;
	unsigned arg;
	bool mask, only;
	uint8_t nval;
	uint32_t val[5];
};

static const struct sc_argrule sc_argrules[] = {
	/* a new user namespace gives back every capability inside it, and with
	 * them kernel code (mounts, netfilter, cgroupfs) meant for root:
	 * CVE-2022-0492 style escapes. Flags are argument 0 of clone on x86-64
	 * and arm64 (s390 swaps them: no filter there). */
#ifdef __NR_clone
	{ __NR_clone, 0, true, false, 1, { CLONE_NEWUSER } },
#endif
#ifdef __NR_unshare
	{ __NR_unshare, 0, true, false, 1, { CLONE_NEWUSER } },
#endif
	/* typing into a terminal's input runs commands as whoever reads it
	 * next (CVE-2017-5226); TIOCLINUX pastes a VT selection likewise */
#ifdef __NR_ioctl
	{ __NR_ioctl, 1, false, false, 2, { TIOCSTI, TIOCLINUX } },
#endif
	/* Docker's allowed values only (the kernel reads an unsigned int):
	 * Linux, 32-bit Linux, uname's 2.6 and the query. Others switch on
	 * little-tested ABI emulations or weaken the process's own defences
	 * (READ_IMPLIES_EXEC: every readable mapping executable;
	 * ADDR_NO_RANDOMIZE: no ASLR) */
#ifdef __NR_personality
	{ __NR_personality, 0, false, true, 5,
	  { PER_LINUX, PER_LINUX32, UNAME26, UNAME26 | PER_LINUX32, 0xffffffffU } },
#endif
};

/* the head (at most 6), two per rule, an argument rule 4 + its values,
 * the final allow */
#define SC_MAXINSNS (6 + 2 * ARRAY_SIZE(sc_rules) + \
		     ARRAY_SIZE(sc_argrules) * (4 + ARRAY_SIZE(sc_argrules[0].val)) + 1)

struct sc_prog {
	struct sock_filter f[SC_MAXINSNS];
	unsigned short n;
};

static void
sc_emit(struct sc_prog *p, uint16_t code, uint32_t k, uint8_t jt, uint8_t jf)
{
	p->f[p->n++] = (struct sock_filter){ .code = code, .jt = jt, .jf = jf, .k = k };
}

static void
sc_ret(struct sc_prog *p, uint32_t action)
{
	sc_emit(p, BPF_RET | BPF_K, action, 0, 0);
}

static void
sc_head(struct sc_prog *p)
{
	/* another ABI's call (i386's int 0x80 on x86-64) has other numbers:
	 * the rules would check the wrong calls, so such a process dies */
	sc_emit(p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch), 0, 0);
	sc_emit(p, BPF_JMP | BPF_JEQ | BPF_K, SC_ARCH, 1, 0);
	sc_ret(p, SECCOMP_RET_KILL_PROCESS);
	sc_emit(p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), 0, 0);
#ifdef __x86_64__
	/* x32 calls carry x86-64's arch value and this bit in nr, and numbers
	 * of their own for some calls: nothing in a container needs them */
	sc_emit(p, BPF_JMP | BPF_JGE | BPF_K, __X32_SYSCALL_BIT, 0, 1);
	sc_ret(p, SC_EPERM);
#endif
}

static void
sc_rule(struct sc_prog *p, const struct sc_rule *r)
{
	sc_emit(p, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)r->nr, 0, 1);
	sc_ret(p, r->action);
}

/* The call's number, then its argument and values: a match jumps to the
 * last return, no match falls through to the one before (the number is
 * known now, no other rule can apply). Another call skips all of it. */
static void
sc_argrule(struct sc_prog *p, const struct sc_argrule *r)
{
	uint16_t test = BPF_JMP | (r->mask ? BPF_JSET : BPF_JEQ) | BPF_K;
	uint8_t nv = r->nval;

	sc_emit(p, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)r->nr, 0, nv + 3);
	sc_emit(p, BPF_LD | BPF_W | BPF_ABS, SC_ARG_LO(r->arg), 0, 0);
	for (uint8_t i = 0; i < nv; i++)
		sc_emit(p, test, r->val[i], nv - i, 0);
	sc_ret(p, r->only ? SC_EPERM : SECCOMP_RET_ALLOW);
	sc_ret(p, r->only ? SECCOMP_RET_ALLOW : SC_EPERM);
}

static void
sc_build(struct sc_prog *p)
{
	p->n = 0;
	sc_head(p);
	for (size_t i = 0; i < ARRAY_SIZE(sc_rules); i++)
		sc_rule(p, &sc_rules[i]);
	for (size_t i = 0; i < ARRAY_SIZE(sc_argrules); i++)
		sc_argrule(p, &sc_argrules[i]);
	sc_ret(p, SECCOMP_RET_ALLOW);
}

int
seccomp_apply(struct nsx_err *err)
{
	struct sc_prog p;
	struct sock_fprog prog;

	sc_build(&p);
	prog.len = p.n;
	prog.filter = p.f;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == 0)
		return 0;
	if (errno == EACCES)
		return nsx_error(err, errno, "seccomp filter: permission denied: set no_new_privs first "
				 "(or have CAP_SYS_ADMIN)");
	if (errno == EINVAL)
		return nsx_error(err, errno, "seccomp filter: invalid argument: the kernel has no seccomp "
				 "filters (CONFIG_SECCOMP_FILTER), or refused nsx's filter");
	return nsx_error(err, errno, "seccomp filter: %s", strerror(errno));
}

#else /* !SC_ARCH */

int
seccomp_apply(struct nsx_err *err)
{
	return nsx_error(err, ENOSYS, "seccomp: no filter for this architecture");
}

#endif
