/* Running programs from the shell: in the current level's namespaces, with
 * only fds 0-2, Ctrl-C going to the program and never to nsx. */
#ifndef NSX_EXEC_H
#define NSX_EXEC_H

/* Run argv[0] (PATH lookup). Returns its exit status, 128+N when killed by
 * signal N, 127 when not found, 126 when not executable. */
int exec_program(char *const argv[]);
/* Become argv[0] in this process (signals reset, fds past 2 closed);
 * on failure print why and _exit(127) or _exit(126). */
void exec_replace(char *const argv[]) __attribute__((noreturn));
/* Run a line through /bin/sh -c. */
int exec_shell(const char *text);

#endif
