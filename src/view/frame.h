/* A frame: what one screen of the viewer shows, as lines of cells with a
 * semantic colour each. ncurses draws it; `view --once` prints it as plain
 * text or with ANSI colours; the tests compare it with golden files. One
 * byte is one column: frames hold printable ASCII, anything else is
 * encoded as \xHH (util/safe.h) when it is put. */
#ifndef NSX_VIEW_FRAME_H
#define NSX_VIEW_FRAME_H

#include <stdio.h>

/* The semantic palette (htop's ColorElements): what a cell is, not how it
 * looks. view.c maps each to a curses pair, frame_print to SGR codes. */
enum frame_attr {
	FA_PLAIN,
	FA_HEADER,	/* the column header line */
	FA_SELECTED,	/* the selected row */
	FA_TITLE,	/* the top line */
	FA_STATUS,	/* the bottom line */
	FA_KEY,		/* key names in the status line */
	FA_DIFFERS,	/* a namespace that differs from PID 1's */
	FA_DIM,		/* a process-less namespace, a same-as-PID-1 mark */
	FA_TYPE,		/* a namespace type name */
	FA_LABEL,	/* a container or unit name */
	FA_WARN,		/* unreadable processes, errors */
	FA_NATTRS
};

struct frame {
	int w, h;
	char *ch;		/* w * h */
	unsigned char *at;	/* w * h, enum frame_attr */
};

int frame_init(struct frame *f, int w, int h);
void frame_free(struct frame *f);
void frame_clear(struct frame *f);
/* Write s at (x, y), clipped to the frame (and to maxw columns when > 0).
 * Returns the column after it. */
int frame_put(struct frame *f, int x, int y, enum frame_attr a, const char *s, int maxw);
int frame_putf(struct frame *f, int x, int y, enum frame_attr a, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Set the attribute of a whole line (the selected row, the header). */
void frame_line_attr(struct frame *f, int y, enum frame_attr a);
/* Print: plain text (trailing blanks cut) or with ANSI SGR colours. */
void frame_print(const struct frame *f, FILE *out, int ansi);

#endif
