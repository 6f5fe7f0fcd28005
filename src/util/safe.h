/* Strings other users control, made safe to print. On a shared machine a
 * student names the hostname, interfaces, processes (comm, cmdline), mount
 * points, cgroups and netns files of their own namespaces; root's nsx prints
 * them to the instructor's terminal, which obeys any escape sequence in them
 * (set the title, clear the screen, rewrite what is shown, and on some
 * terminals answer back as if typed). Every such string goes through here
 * before it reaches a terminal or any output.
 *
 * The encoding is util-linux's mbs_safe_encode (what lsns and every
 * libsmartcols table print), so ordinary strings come out unchanged and
 * `ls` stays identical to lsns: a control byte (C0, DEL), a byte that is
 * no character of the locale's encoding, and every byte of a character the
 * locale cannot print (C1 controls U+0080-U+009F) become \xHH; a backslash
 * that is followed by 'x' becomes \x5c, so the output is unambiguous.
 * Beyond lsns, the Unicode bidirectional overrides and isolates (U+202A-
 * U+202E, U+2066-U+2069) are encoded too: they reorder what the terminal
 * shows ("Trojan Source", CVE-2021-42574). Printable characters of the
 * locale (UTF-8: "café") stay as they are. */
#ifndef NSX_SAFE_H
#define NSX_SAFE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum {
	/* every byte outside printable ASCII as \xHH, whatever the locale:
	 * the viewer's frames hold one byte per column */
	SAFE_ASCII = 1 << 0,
};

/* Encode the len bytes at s (NULs included) into out, of size n: always
 * NUL-terminated, never cut inside an escape or a character. Returns the
 * length of the whole encoding, as snprintf does: >= n means cut (n 0 and
 * out NULL: only the length). */
size_t safe_encode_buf(const char *s, size_t len, char *out, size_t n, unsigned flags);

/* The encoding of the string s, malloc'ed. */
char *safe_encode(const char *s, unsigned flags);

/* Whether s is printed as it is (printable ASCII, no "\x"): the quick test
 * that spares the common case a copy. */
bool safe_is_plain(const char *s);

/* Write the encoding of the string s to f. */
void safe_fputs(const char *s, FILE *f);

/* Copy JSON text (libsmartcols' output, whose strings hold the data as it
 * was; C0 controls already \u-escaped) to f, escaping within its strings
 * what a terminal must not see and JSON cannot hold: DEL, C1 controls,
 * bidi controls and what the locale cannot print (in a locale that is not
 * UTF-8: all but ASCII) as \uXXXX (the same characters, for a JSON
 * reader), a byte that is no UTF-8 as the text \xHH (JSON strings are
 * UTF-8). */
void safe_json_fputs(const char *json, size_t len, FILE *f);

#endif
