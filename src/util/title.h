/* The command line /proc/PID/cmdline shows, rewritten in place (as
 * setproctitle does): a container's PID 1 is a fork of nsx, and its
 * command line would show the host's paths and nsx's arguments inside the
 * container. */
#ifndef NSX_TITLE_H
#define NSX_TITLE_H

/* Remember where the kernel put argv (call first thing in main). */
void title_init(int argc, char **argv);

/* Overwrite the whole argv area with name (truncated to fit) and NULs. */
void title_set(const char *name);

#endif
