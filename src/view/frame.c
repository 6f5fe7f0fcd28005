/* Frames: a grid of cells, each a byte and a semantic attribute. */
#include "view/frame.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/safe.h"
#include "util/xalloc.h"

int
frame_init(struct frame *f, int w, int h)
{
	if (w < 1 || h < 1 || w > 1000 || h > 1000)
		return -1;
	f->w = w;
	f->h = h;
	f->ch = xmalloc((size_t)w * (size_t)h);
	f->at = xmalloc((size_t)w * (size_t)h);
	frame_clear(f);
	return 0;
}

void
frame_free(struct frame *f)
{
	free(f->ch);
	free(f->at);
	memset(f, 0, sizeof(*f));
}

void
frame_clear(struct frame *f)
{
	memset(f->ch, ' ', (size_t)f->w * (size_t)f->h);
	memset(f->at, FA_PLAIN, (size_t)f->w * (size_t)f->h);
}

int
frame_put(struct frame *f, int x, int y, enum frame_attr a, const char *s, int maxw)
{
	int end = maxw > 0 && x + maxw < f->w ? x + maxw : f->w;
	char *enc = NULL;

	if (y < 0 || y >= f->h)
		return x;
	/* one byte, one column: a tab, an escape or UTF-8 would break the
	 * grid, and names other users chose (processes, hostnames, mount
	 * points) could tell the terminal anything: all but printable
	 * ASCII shows as \xHH, as ls shows it */
	if (!safe_is_plain(s))
		s = enc = safe_encode(s, SAFE_ASCII);
	for (; *s && x < end; s++, x++) {
		if (x < 0)
			continue;
		f->ch[y * f->w + x] = *s;
		f->at[y * f->w + x] = (unsigned char)a;
	}
	free(enc);
	return x;
}

int
frame_putf(struct frame *f, int x, int y, enum frame_attr a, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return frame_put(f, x, y, a, buf, 0);
}

void
frame_line_attr(struct frame *f, int y, enum frame_attr a)
{
	if (y >= 0 && y < f->h)
		memset(f->at + y * f->w, a, (size_t)f->w);
}

/* SGR for each attribute; the selected row is reverse video */
static const char *const sgr[FA_NATTRS] = {
	[FA_PLAIN] = "0",
	[FA_HEADER] = "0;30;42",
	[FA_SELECTED] = "0;30;46",
	[FA_TITLE] = "0;1",
	[FA_STATUS] = "0;30;47",
	[FA_KEY] = "0;1;37;40",
	[FA_DIFFERS] = "0;1;31",
	[FA_DIM] = "0;2",
	[FA_TYPE] = "0;36",
	[FA_LABEL] = "0;33",
	[FA_WARN] = "0;1;33",
};

void
frame_print(const struct frame *f, FILE *out, int ansi)
{
	for (int y = 0; y < f->h; y++) {
		const char *row = f->ch + y * f->w;
		const unsigned char *at = f->at + y * f->w;
		int end = f->w, cur = -1;

		/* plain text: no trailing blanks; with colours a coloured
		 * blank (a bar) counts */
		while (end > 0 && row[end - 1] == ' ' && (!ansi || at[end - 1] == FA_PLAIN))
			end--;
		for (int x = 0; x < end; x++) {
			if (ansi && at[x] != cur) {
				cur = at[x];
				fprintf(out, "\033[%sm", sgr[cur]);
			}
			fputc(row[x], out);
		}
		if (ansi && cur != -1 && cur != FA_PLAIN)
			fputs("\033[0m", out);
		fputc('\n', out);
	}
}
