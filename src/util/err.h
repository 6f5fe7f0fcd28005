/* Errors as values: a function that can fail returns -1 and fills one of these;
 * only the front end prints it, as "nsx: CMD: message". */
#ifndef NSX_ERR_H
#define NSX_ERR_H

#include <stdarg.h>

struct nsx_err {
	int errnum;		/* errno of the cause, 0 when it was bad input */
	char msg[1024];
};

/* Fill err with a formatted message; always returns -1 so callers can
 * `return nsx_error(err, ENOENT, "no such process %d", pid);` */
int nsx_error(struct nsx_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Print "nsx: <who>: <msg>" on stderr. A message may quote a string
 * another user controls: it is printed through safe_fputs (util/safe.h). */
void nsx_err_print(const char *who, const struct nsx_err *err);

/* Print a formatted one-line error "nsx: <who>: ..." on stderr, safe as
 * nsx_err_print, after what stdout holds. */
void nsx_warn(const char *who, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void nsx_vwarn(const char *who, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#endif
