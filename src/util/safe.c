#include "util/safe.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "util/xalloc.h"

/* LRE RLE PDF LRO RLO, LRI RLI FSI PDI: printable to iswprint, but they
 * reorder the text around them on the terminal (CVE-2021-42574) */
static bool
is_bidi(unsigned long cp)
{
	return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* The output of safe_encode_buf: whole pieces only, the rest counted. */
struct sbuf {
	char *out;
	size_t n, len, used;
	bool full;
};

static void
put(struct sbuf *b, const void *p, size_t k)
{
	if (!b->full && b->used + k < b->n) {
		memcpy(b->out + b->used, p, k);
		b->used += k;
	} else
		b->full = true;
	b->len += k;
}

static void
put_hex(struct sbuf *b, const char *p, size_t k)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < k; i++) {
		unsigned char c = (unsigned char)p[i];
		char x[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };

		put(b, x, 4);
	}
}

/* One character of a multibyte locale at s (c, its first byte, is not
 * ASCII): its length, written as it is or as \xHH bytes. */
static size_t
put_mb(struct sbuf *b, const char *s, size_t left, mbstate_t *st)
{
	wchar_t wc;
	size_t k = mbrtowc(&wc, s, left, st);

	if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
		/* no character of the locale (a stray or cut UTF-8 byte):
		 * one byte, and a fresh state for what follows */
		memset(st, 0, sizeof(*st));
		if (isprint((unsigned char)*s))
			put(b, s, 1);
		else
			put_hex(b, s, 1);
		return 1;
	}
	if (!iswprint((wint_t)wc) || is_bidi((unsigned long)wc))
		put_hex(b, s, k);
	else
		put(b, s, k);
	return k;
}

size_t
safe_encode_buf(const char *s, size_t len, char *out, size_t n, unsigned flags)
{
	struct sbuf b = { .out = out, .n = n };
	bool mb = !(flags & SAFE_ASCII) && MB_CUR_MAX > 1;
	mbstate_t st;
	size_t i = 0;

	memset(&st, 0, sizeof(st));
	while (i < len) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\' && i + 1 < len && s[i + 1] == 'x') {
			put_hex(&b, s + i++, 1);
		} else if (c < 0x20 || c == 0x7f) {
			put_hex(&b, s + i++, 1);
		} else if (c < 0x80) {
			put(&b, s + i++, 1);
		} else if (mb) {
			i += put_mb(&b, s + i, len - i, &st);
		} else {
			/* a single-byte locale (Latin-1 prints 0xe9 and calls
			 * 0x9b a control), or ASCII only */
			if (!(flags & SAFE_ASCII) && isprint(c) && !iscntrl(c))
				put(&b, s + i, 1);
			else
				put_hex(&b, s + i, 1);
			i++;
		}
	}
	if (n)
		out[b.used] = '\0';
	return b.len;
}

bool
safe_is_plain(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f || (c == '\\' && s[1] == 'x'))
			return false;
	}
	return true;
}

char *
safe_encode(const char *s, unsigned flags)
{
	size_t len = strlen(s), n;
	char *out;

	if (safe_is_plain(s))
		return xstrdup(s);
	n = 4 * len + 1;	/* every byte \xHH at most */
	out = xmalloc(n);
	safe_encode_buf(s, len, out, n, flags);
	return out;
}

void
safe_fputs(const char *s, FILE *f)
{
	char *e;

	if (safe_is_plain(s)) {
		fputs(s, f);
		return;
	}
	e = safe_encode(s, 0);
	fputs(e, f);
	free(e);
}

/* The length of the UTF-8 character at p (n bytes left) and its code
 * point; 0 when it is none (stray, cut, overlong, surrogate, > U+10FFFF). */
static size_t
utf8_char(const unsigned char *p, size_t n, unsigned long *cp)
{
	unsigned long min;
	size_t need;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		need = 1, min = 0x80, *cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		need = 2, min = 0x800, *cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		need = 3, min = 0x10000, *cp = p[0] & 0x07;
	else
		return 0;
	if (need >= n)
		return 0;
	for (size_t i = 1; i <= need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (p[i] & 0x3f);
	}
	if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return need + 1;
}

/* \uXXXX, or a UTF-16 surrogate pair beyond the BMP (RFC 8259) */
static void
json_u(unsigned long cp, FILE *f)
{
	if (cp < 0x10000) {
		fprintf(f, "\\u%04lx", cp);
		return;
	}
	cp -= 0x10000;
	fprintf(f, "\\u%04lx\\u%04lx", 0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
}

void
safe_json_fputs(const char *json, size_t len, FILE *f)
{
	const unsigned char *p = (const unsigned char *)json;
	size_t i = 0;

	while (i < len) {
		unsigned long cp;
		size_t k;

		if (p[i] == '\\' && i + 1 < len) {
			/* an escape the writer made (\" \\ \n \u001b): as it is */
			fwrite(p + i, 1, 2, f);
			i += 2;
		} else if (p[i] == 0x7f) {
			fputs("\\u007f", f);
			i++;
		} else if (p[i] < 0x80) {
			fputc(p[i++], f);
		} else if (!(k = utf8_char(p + i, len - i, &cp))) {
			fprintf(f, "\\\\x%02x", p[i++]);
		} else {
			if (cp <= 0x9f || is_bidi(cp) || !iswprint((wint_t)cp))
				json_u(cp, f);
			else
				fwrite(p + i, 1, k, f);
			i += k;
		}
	}
}
