#include "util/err.h"

#include <stdio.h>
#include <string.h>

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

void
nsx_err_print(const char *who, const struct nsx_err *err)
{
	if (who && *who)
		fprintf(stderr, "nsx: %s: %s\n", who, err->msg);
	else
		fprintf(stderr, "nsx: %s\n", err->msg);
}

void
nsx_warn(const char *who, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	if (who && *who)
		fprintf(stderr, "nsx: %s: ", who);
	else
		fputs("nsx: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
