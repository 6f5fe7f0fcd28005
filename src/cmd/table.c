/* Every nsx command, in the order `help` lists them. */
#include "cmd/cmd.h"

extern const struct nsx_cmd cmd_ls;
extern const struct nsx_cmd cmd_ns;
extern const struct nsx_cmd cmd_doctor;
extern const struct nsx_cmd cmd_unshare;
extern const struct nsx_cmd cmd_levels;
extern const struct nsx_cmd cmd_enter;
extern const struct nsx_cmd cmd_run;
extern const struct nsx_cmd cmd_containers;
extern const struct nsx_cmd cmd_lesson;
extern const struct nsx_cmd cmd_view;
extern const struct nsx_cmd cmd_pin;
extern const struct nsx_cmd cmd_unpin;
extern const struct nsx_cmd cmd_help;
extern const struct nsx_cmd cmd_cd;
extern const struct nsx_cmd cmd_exit;

const struct nsx_cmd *const nsx_commands[] = {
	&cmd_ls,
	&cmd_ns,
	&cmd_view,
	&cmd_doctor,
	&cmd_unshare,
	&cmd_enter,
	&cmd_run,
	&cmd_containers,
	&cmd_lesson,
	&cmd_pin,
	&cmd_unpin,
	&cmd_levels,
	&cmd_help,
	&cmd_cd,
	&cmd_exit,
	NULL,
};
