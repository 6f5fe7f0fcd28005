/* safe_encode and safe_json_fputs (util/safe.h) over any bytes: what comes
 * out holds no control byte, no C1 or bidi control and no invalid UTF-8,
 * it decodes back to exactly the input (the encoding is unambiguous), and
 * a cut buffer holds a prefix of the whole encoding. */
#include "fuzz.h"

#include <locale.h>
#include <wchar.h>
#include <wctype.h>

#include "util/safe.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setlocale(LC_CTYPE, "C.UTF-8");
	return 0;
}

static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Undo \xHH: the input again, or abort when out holds another backslash-x. */
static size_t
decode(const char *out, size_t len, char *back)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (out[i] == '\\' && i + 1 < len && out[i + 1] == 'x') {
			fz_assert(i + 3 < len && hexval(out[i + 2]) >= 0 && hexval(out[i + 3]) >= 0);
			back[n++] = (char)(hexval(out[i + 2]) * 16 + hexval(out[i + 3]));
			i += 3;
		} else
			back[n++] = out[i];
	}
	return n;
}

/* Nothing a terminal obeys: printable characters of the locale only. */
static void
check_printable(const char *s, size_t len, bool ascii)
{
	mbstate_t st;

	memset(&st, 0, sizeof(st));
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		wchar_t wc;
		size_t k;

		fz_assert(c >= 0x20 && c != 0x7f);
		if (c < 0x80) {
			i++;
			continue;
		}
		fz_assert(!ascii);
		k = mbrtowc(&wc, s + i, len - i, &st);
		fz_assert(k != (size_t)-1 && k != (size_t)-2 && k != 0);
		fz_assert(iswprint((wint_t)wc));
		fz_assert(!(wc >= 0x202a && wc <= 0x202e) && !(wc >= 0x2066 && wc <= 0x2069));
		i += k;
	}
}

static void
check_encode(const uint8_t *data, size_t size, unsigned flags)
{
	size_t n = 4 * size + 1, len, cut;
	char *out = malloc(n), *back = malloc(size + 1), *part = malloc(n);

	if (!out || !back || !part)
		abort();
	len = safe_encode_buf((const char *)data, size, out, n, flags);
	fz_assert(len < n && strlen(out) == len);
	check_printable(out, len, flags & SAFE_ASCII);
	fz_assert(decode(out, len, back) == size && memcmp(back, data, size) == 0);
	fz_assert(safe_encode_buf((const char *)data, size, NULL, 0, flags) == len);
	/* a buffer too small: whole pieces of the same encoding */
	cut = size ? data[0] % (len + 1) + 1 : 1;
	fz_assert(safe_encode_buf((const char *)data, size, part, cut, flags) == len);
	fz_assert(strlen(part) < cut && memcmp(part, out, strlen(part)) == 0);
	free(out);
	free(back);
	free(part);
}

/* The input as libsmartcols writes a JSON string (", \ and C0 escaped),
 * through safe_json_fputs: printable UTF-8 and escapes only. */
static void
check_json(const uint8_t *data, size_t size)
{
	char *text = NULL, *json = NULL;
	size_t tlen = 0, jlen = 0;
	FILE *f = open_memstream(&text, &tlen), *g;

	if (!f)
		abort();
	fputc('"', f);
	for (size_t i = 0; i < size; i++) {
		if (data[i] == '"' || data[i] == '\\')
			fprintf(f, "\\%c", data[i]);
		else if (data[i] < 0x20)
			fprintf(f, "\\u%04x", data[i]);
		else
			fputc(data[i], f);
	}
	fputc('"', f);
	fclose(f);
	if (!(g = open_memstream(&json, &jlen)))
		abort();
	safe_json_fputs(text, tlen, g);
	fclose(g);
	fz_assert(jlen >= 2 && json[0] == '"' && json[jlen - 1] == '"');
	check_printable(json, jlen, false);
	free(text);
	free(json);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_str(data, size), *e;

	check_encode(data, size, 0);
	check_encode(data, size, SAFE_ASCII);
	e = safe_encode(s, 0);
	fz_assert(strcmp(e, s) == 0 || !safe_is_plain(s));
	free(e);
	check_json(data, size);
	free(s);
	return 0;
}
