/* Shared between the files of the model layer only. */
#ifndef NSX_MODEL_INTERNAL_H
#define NSX_MODEL_INTERNAL_H

#include "model/model.h"

/* What one scan thread found that is not a plain process membership. */
struct found {
	int type;
	unsigned long ino;
	struct nsx_holder h;
};

/* Incremental scans (model_incremental): what the previous scan read. */
struct model_rel {
	unsigned long ino;
	unsigned long owner, parent;
	uid_t owner_uid;
	unsigned flags;		/* NSF_OWNER_UID */
	int type;
};

struct model_prev {
	struct nsx_proc *procs;	/* by pid, without command lines */
	size_t nprocs;
	struct found *found;	/* fd and thread holders, by the scan that read them */
	size_t nfound;
	struct model_rel *rel;	/* by inode */
	size_t nrel;
	struct found *next;	/* what this scan reads, for the next one */
	size_t nnext, capnext;
};

/* The owner, parent and owner uid a previous scan read for ino: they do
 * not change while a namespace lives. NULL when unknown. */
const struct model_rel *model_prev_rel(const struct nsx_model *m, unsigned long ino, int type);

struct nsx_ns *model_ns_add(struct nsx_model *m, int type, unsigned long ino);
void model_hold(struct nsx_ns *ns, const struct nsx_holder *h);
void model_scan_mounts(struct nsx_model *m);

/* Read a small file relative to the proc root into buf (NUL-terminated).
 * Returns the length, or -errno. */
ssize_t proc_read(int procfd, const char *path, char *buf, size_t size);

/* The PPID field of the text of /proc/PID/stat, -1 when it has none. */
pid_t proc_stat_ppid(const char *stat);

#endif
