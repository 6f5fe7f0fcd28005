/* Shared by the container executor's files (run.c: the parent; setup.c:
 * the child's mounts; payload.c: init and the command's last steps). */
#ifndef NSX_CONTAINER_INTERNAL_H
#define NSX_CONTAINER_INTERNAL_H

#include "container/plan.h"

/* Messages on the sync socket (SOCK_SEQPACKET: one message per write). */
enum { MSG_GO = 1, MSG_ERROR, MSG_NOTE, MSG_PTY };

struct run_msg {
	int type;
	int step;		/* enum step_id */
	int errnum;
	int status;		/* MSG_ERROR: what nsx run exits with (125, 126, 127) */
	char text[1024];	/* as nsx_err.msg */
};

struct run_ctx {
	struct plan *p;
	int sock;		/* the sync socket: the parent's end, or the child's */
	pid_t child;		/* the container's PID 1 (parent side) */
	pid_t payload;		/* the command (in init) */
	int rootfd;		/* the new root, before pivot_root (child) */
	bool tty;		/* stdin and stdout are terminals: a pty relay */
	const char *stop_at;	/* NSX_TEST_STOP_AT */
	const char *fail_at;	/* NSX_TEST_FAIL_AT */
	struct nsx_err err;	/* the step's error */
};

/* One operation of the plan: STEP is its entry (a kind an option adds
 * more than once finds its own operands there). */
typedef int (*step_fn)(struct run_ctx *c, const struct plan_step *step);

/* Child and payload steps (setup.c, payload.c); NULL: nothing to do. */
step_fn setup_step(enum step_id id);
step_fn payload_step(enum step_id id);

/* The child: send the step's error to the parent, exit with status. */
void run_child_fail(struct run_ctx *c, const struct plan_step *s, int status)
	__attribute__((noreturn));
void run_child_note(struct run_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Close every fd but 0-2 and the sync socket (close-on-exec: it goes at
 * execve, and until then carries an exec error back). */
void run_close_fds(const struct run_ctx *c);
/* NSX_TEST_STOP_AT: stop before the named step until killed. */
void run_maybe_stop(const struct run_ctx *c, const struct plan_step *s);

/* Run the steps of the plan that `where` runs, from index *i on, until a
 * step of someone else; 0, or -1 with c->err. */
int run_steps(struct run_ctx *c, enum step_where where, int *i);

/* Init: PID 1 of the container, never returns (payload.c). */
void init_main(struct run_ctx *c) __attribute__((noreturn));

#endif
