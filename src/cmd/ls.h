#ifndef NSX_CMD_LS_H
#define NSX_CMD_LS_H

#include <stddef.h>

#include "cmd/cmd.h"

extern const struct nsx_cmd cmd_ls;

/* Column names for completion; NULL past the last. */
const char *ls_column_name(size_t i);

#endif
