/* Trampolines for the sd-bus functions nsx calls (see sdbus_dl.h). Each
 * has libsystemd's own prototype (from <systemd/sd-bus.h>), so the compiler
 * checks them, and jumps to the function found by dlsym. */
#define _GNU_SOURCE
#include "util/sdbus_dl.h"
#include "util/dl.h"

#include <stdarg.h>
#include <systemd/sd-bus.h>

static struct nsx_dl lib = { .soname = "libsystemd.so.0", .package = "libsystemd0" };

int
sdbus_dl_load(struct nsx_err *err)
{
	return dl_load(&lib, err);
}

#define TRAMPOLINE(ret, name, params, args) DL_TRAMPOLINE(lib, ret, name, params, args)

TRAMPOLINE(int, sd_bus_open_user, (sd_bus **b), (b))
TRAMPOLINE(int, sd_bus_new, (sd_bus **b), (b))
TRAMPOLINE(int, sd_bus_set_address, (sd_bus *b, const char *a), (b, a))
TRAMPOLINE(int, sd_bus_start, (sd_bus *b), (b))
TRAMPOLINE(sd_bus *, sd_bus_flush_close_unref, (sd_bus *b), (b))
TRAMPOLINE(int, sd_bus_set_method_call_timeout, (sd_bus *b, uint64_t usec), (b, usec))
TRAMPOLINE(int, sd_bus_get_property_string, (sd_bus *b, const char *d, const char *p, const char *i,
	   const char *m, sd_bus_error *e, char **r), (b, d, p, i, m, e, r))
TRAMPOLINE(int, sd_bus_message_new_method_call, (sd_bus *b, sd_bus_message **m, const char *d,
	   const char *p, const char *i, const char *mb), (b, m, d, p, i, mb))
TRAMPOLINE(int, sd_bus_message_appendv, (sd_bus_message *m, const char *t, va_list ap), (m, t, ap))
TRAMPOLINE(int, sd_bus_message_readv, (sd_bus_message *m, const char *t, va_list ap), (m, t, ap))
TRAMPOLINE(int, sd_bus_message_open_container, (sd_bus_message *m, char t, const char *c), (m, t, c))
TRAMPOLINE(int, sd_bus_message_close_container, (sd_bus_message *m), (m))
TRAMPOLINE(sd_bus_message *, sd_bus_message_unref, (sd_bus_message *m), (m))
TRAMPOLINE(int, sd_bus_call, (sd_bus *b, sd_bus_message *m, uint64_t usec, sd_bus_error *e,
	   sd_bus_message **r), (b, m, usec, e, r))
TRAMPOLINE(void, sd_bus_error_free, (sd_bus_error *e), (e))
TRAMPOLINE(int, sd_bus_match_signal, (sd_bus *b, sd_bus_slot **s, const char *snd, const char *p,
	   const char *i, const char *mb, sd_bus_message_handler_t cb, void *u), (b, s, snd, p, i, mb, cb, u))
TRAMPOLINE(sd_bus_slot *, sd_bus_slot_unref, (sd_bus_slot *s), (s))
TRAMPOLINE(int, sd_bus_process, (sd_bus *b, sd_bus_message **r), (b, r))
TRAMPOLINE(int, sd_bus_wait, (sd_bus *b, uint64_t usec), (b, usec))

/* Variadic: passed on as a va_list to their v-forms. */
#define VARIADIC(name, vname)						\
	int								\
	name(sd_bus_message *m, const char *types, ...)			\
	{								\
		va_list ap;						\
		int r;							\
									\
		va_start(ap, types);					\
		r = vname(m, types, ap);				\
		va_end(ap);						\
		return r;						\
	}

VARIADIC(sd_bus_message_append, sd_bus_message_appendv)
VARIADIC(sd_bus_message_read, sd_bus_message_readv)
