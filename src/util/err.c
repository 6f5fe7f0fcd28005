#define _GNU_SOURCE
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/safe.h"

int
nsx_error(struct nsx_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->errnum = errnum;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* "nsx: WHO: MSG": a message quotes what it failed on (a container's
 * name, a mount point, a hostname), so all of it is printed safe */
static void
err_line(const char *who, const char *msg)
{
	fputs("nsx: ", stderr);
	if (who && *who) {
		safe_fputs(who, stderr);
		fputs(": ", stderr);
	}
	safe_fputs(msg, stderr);
	fputc('\n', stderr);
}

void
nsx_err_print(const char *who, const struct nsx_err *err)
{
	err_line(who, err->msg);
}

void
nsx_vwarn(const char *who, const char *fmt, va_list ap)
{
	char *msg;

	fflush(stdout);
	if (vasprintf(&msg, fmt, ap) < 0) {
		err_line(who, fmt);
		return;
	}
	err_line(who, msg);
	free(msg);
}

void
nsx_warn(const char *who, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	nsx_vwarn(who, fmt, ap);
	va_end(ap);
}
