/* Shared between the files of the model layer only. */
#ifndef NSX_MODEL_INTERNAL_H
#define NSX_MODEL_INTERNAL_H

#include "model/model.h"

struct nsx_ns *model_ns_add(struct nsx_model *m, int type, unsigned long ino);
void model_hold(struct nsx_ns *ns, const struct nsx_holder *h);
void model_scan_mounts(struct nsx_model *m);

/* Read a small file relative to the proc root into buf (NUL-terminated).
 * Returns the length, or -errno. */
ssize_t proc_read(int procfd, const char *path, char *buf, size_t size);

#endif
