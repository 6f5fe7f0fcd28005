/* The namespace model: processes found under /proc, the namespaces they and
 * their fds, threads, mounts and children keep alive, keyed by inode in a hash
 * table, with owner (user ns) and parent (pid/user ns) links. Reads, never
 * prints. */
#ifndef NSX_MODEL_H
#define NSX_MODEL_H

#include <stdbool.h>
#include <sys/types.h>

#include "model/nstype.h"
#include "util/err.h"

/* What a scan reads beyond the ns links of every process. */
enum {
	SCAN_FDS	= 1 << 0,	/* /proc/PID/fd: namespaces held by open fds */
	SCAN_MOUNTS	= 1 << 1,	/* mountinfo of each mnt ns: nsfs bind mounts */
	SCAN_CHILDREN	= 1 << 2,	/* pid_for_children, time_for_children */
	SCAN_THREADS	= 1 << 3,	/* /proc/PID/task/TID/ns: per-thread namespaces */
	SCAN_RELATED	= 1 << 4,	/* owner/parent of every namespace, and the
					 * process-less ancestors they lead to */
};

struct nsx_proc {
	pid_t pid;
	pid_t ppid;		/* -1 until read (proc_ppid) */
	uid_t uid;		/* valid when have_uid */
	bool have_uid;
	unsigned ntasks;	/* with SCAN_THREADS */
	char *cmdline;		/* cached by model_proc_command, NULL until read */
	unsigned long ns[NSX_NTYPES];	/* inode, 0 when not read */
	unsigned long pid_children;	/* with SCAN_CHILDREN */
	unsigned long time_children;
	bool reused;		/* incremental: taken from the previous scan */
	/* incremental scans: whether the process ran since it was read */
	bool recheck;		/* its turn: read again only if it ran */
	bool ran_known;		/* run_ns, run_count and threads were read */
	unsigned threads;	/* tasks, when ran_known */
	unsigned long long run_ns, run_count;	/* /proc/PID/schedstat */
};

/* How a namespace without (or beside) member processes is kept alive. */
enum nsx_hold {
	HOLD_FD,		/* an open fd of process pid */
	HOLD_MOUNT,		/* an nsfs bind mount at path, in mount ns mntns */
	HOLD_CHILDREN,		/* pid_for_children / time_for_children of pid */
	HOLD_THREAD,		/* a thread (tid) of process pid */
};

struct nsx_holder {
	struct nsx_holder *next;
	enum nsx_hold kind;
	pid_t pid;
	pid_t tid;		/* HOLD_THREAD */
	int fd;			/* HOLD_FD */
	unsigned long mntns;	/* HOLD_MOUNT: the mount namespace holding it */
	char *path;		/* HOLD_MOUNT: mount point as seen in mntns */
};

enum {
	NSF_RELATED	= 1 << 0,	/* owner/parent were read */
	NSF_OWNER_UID	= 1 << 1,	/* owner_uid is valid */
	NSF_GHOST	= 1 << 2,	/* found only as an owner or parent */
	NSF_NETNSID	= 1 << 3,	/* netnsid was read */
};

struct nsx_ns {
	struct nsx_ns *hnext;	/* hash chain */
	int type;		/* enum nsx_nstype */
	unsigned long ino;
	unsigned nprocs;	/* processes whose ns/TYPE is this one */
	unsigned ntasks;	/* tasks (threads), with SCAN_THREADS */
	pid_t rep;		/* lowest member PID, 0 when none */
	unsigned long owner;	/* owning user ns, 0 when unknown or none */
	unsigned long parent;	/* parent pid/user ns, 0 when unknown or none */
	uid_t owner_uid;	/* uid that created the (owning) user ns */
	unsigned flags;		/* NSF_* */
	int netnsid;		/* with NSF_NETNSID; <0: none */
	unsigned nowned;	/* namespaces this user ns owns (after relate) */
	unsigned nchildren;	/* child pid/user namespaces (after relate) */
	struct nsx_holder *holders;
};

struct nsx_model {
	int procfd;		/* the proc root, opened once */
	char *proc_root;
	bool real_proc;		/* proc_root is this machine's live /proc */
	unsigned types;		/* bit mask of scanned types */
	unsigned want;		/* SCAN_* of the last scan */

	struct nsx_proc *procs;	/* sorted by pid */
	size_t nprocs;

	struct nsx_ns **nsv;	/* every namespace, in discovery order */
	size_t nns, nscap;
	struct nsx_ns **htab;	/* keyed by inode */
	size_t hsize;

	unsigned vanished;	/* processes gone while reading (ENOENT/ESRCH) */
	unsigned unreadable;	/* processes not visible to us (EACCES/EPERM) */
	unsigned long self_mntns;	/* our own mount namespace */
	int nlfd;		/* netlink socket for NETNSID, -1 until needed */
	int nthreads;		/* scan threads; 0 = automatic */
	/* incremental scans (model_incremental) */
	unsigned reread;	/* a known process is read again every reread scans */
	unsigned long gen;	/* scans done */
	struct model_prev *prev;
};

/* Open the proc root (NULL = /proc). */
int model_open(struct nsx_model *m, const char *proc_root, struct nsx_err *err);
void model_close(struct nsx_model *m);

/* Scan every process for the namespace types in `types` (bit mask of
 * 1 << NSX_*), plus what `want` asks for. Never fails because a process
 * vanished or could not be read: those are counted in m->vanished and
 * m->unreadable. Fails only when the proc root cannot be listed. */
int model_scan(struct nsx_model *m, unsigned types, unsigned want, struct nsx_err *err);

struct nsx_ns *model_ns(const struct nsx_model *m, unsigned long ino);
struct nsx_proc *model_proc(const struct nsx_model *m, pid_t pid);

/* Make the next scans incremental, for a viewer that scans again and
 * again: a process seen by the previous scan is not read again, but for
 * one scan in every `reread` (in turns: about 1/reread of them each scan),
 * its namespaces, *_for_children and fds are taken as they were; new
 * processes are read in full; the owner, parent and owner uid of a
 * namespace (which never change) are read once. A process that changes
 * its namespaces without a new PID (setns, unshare) is seen within
 * `reread` scans. reread 1 (or 0) reads everything every time.
 *
 * At its turn, a single-threaded process is read in full only if it ran
 * since it was last read (its schedstat run time or run count moved):
 * only the process itself can change its namespaces or its fds, so one
 * that has not run has nothing new. Every MODEL_SAFETY_TURNS-th turn reads
 * it in full anyway, for the ways an fd can arrive while it does not run:
 * an fd table shared without threads (CLONE_FILES), and a seccomp
 * supervisor's SECCOMP_IOCTL_NOTIF_ADDFD into a process it holds blocked. */
#define MODEL_SAFETY_TURNS 8
void model_incremental(struct nsx_model *m, unsigned reread);

/* Sort m->nsv by inode (lsns order). */
void model_sort(struct nsx_model *m);

/* Open a namespace through its lowest process or a holder; the fd is verified
 * to be that namespace (inode). Returns an O_CLOEXEC fd or -1. */
int model_ns_open(const struct nsx_model *m, const struct nsx_ns *ns);

/* Read owner and parent links (and owner uid) of one namespace; with `ghosts`,
 * add the process-less owners and parents it leads to. */
void model_relate(struct nsx_model *m, struct nsx_ns *ns, bool ghosts);
/* model_relate() for every namespace, then count owned/children. */
void model_relate_all(struct nsx_model *m, bool ghosts);

/* Lazily read per-process facts. Return -1 when the process is gone. */
pid_t model_proc_ppid(const struct nsx_model *m, struct nsx_proc *p);
int model_proc_uid(const struct nsx_model *m, struct nsx_proc *p, uid_t *uid);
/* Command line with NULs as spaces, or the comm name; malloc'ed, NULL if gone. */
char *model_proc_cmdline(const struct nsx_model *m, pid_t pid);
char *model_proc_comm(const struct nsx_model *m, pid_t pid);
/* model_proc_cmdline, read once per scan and kept ("" when gone). */
const char *model_proc_command(const struct nsx_model *m, struct nsx_proc *p);

/* What model_prefetch reads, in parallel, for a set of processes. */
enum { PREFETCH_CMDLINE = 1 << 0, PREFETCH_UID = 1 << 1, PREFETCH_PPID = 1 << 2 };
/* Read those facts of n processes with the scan's threads: the rows a
 * command shows then cost no serial reads. */
void model_prefetch(const struct nsx_model *m, struct nsx_proc **procs, size_t n, unsigned what);

/* The netns id of a net namespace as seen from ours: >= 0, -1 when not
 * assigned, -2 when it cannot be told. */
int model_netnsid(struct nsx_model *m, struct nsx_ns *ns);

/* One line: how the namespace is kept alive ("3 processes", "fd 4 of 1234",
 * "mount /run/netns/x", ...). Returns a malloc'ed string. */
char *model_ns_held(const struct nsx_model *m, const struct nsx_ns *ns);


/* Read the namespace inodes of one process directly (used by `ns`, levels).
 * Returns 0, or -1 with err (no such process, permission denied). */
int proc_ns_inodes(int procfd, pid_t pid, unsigned long ino[NSX_NTYPES], struct nsx_err *err);

/* One namespace inode of pid (0: this process, as procfd's "self"),
 * through procfd (< 0: /proc); 0 when it cannot be read. */
unsigned long proc_ns_ino(int procfd, pid_t pid, int type);

/* The start time of pid (clock ticks after boot, as this process's time
 * namespace sees it; 0 when it is gone), through procfd (< 0: /proc), and
 * its state letter ('Z' for a zombie) into *state when not NULL. With the
 * PID it names one process for good: a PID is reused, the pair is not. */
unsigned long long proc_starttime(int procfd, pid_t pid, char *state);

/* A pidfd for pid if it is (still) the process is_it(pid, arg) says it
 * is, read through /proc. The pidfd is opened first, then the check, then
 * the pidfd's process must not have exited: a PID is not reused while its
 * process lives, so the check was about the process the pidfd holds, and
 * anything done through the pidfd reaches that one or none. -1 with errno
 * ESRCH (gone, or another process now), or ENOSYS before Linux 5.3. */
int proc_pidfd_if(pid_t pid, bool (*is_it)(pid_t pid, const void *arg), const void *arg);

#endif
