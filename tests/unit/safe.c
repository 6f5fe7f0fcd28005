/* safe_encode: what another user's string becomes before nsx prints it. */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "util/safe.h"

/* The encoding of len bytes at s, in a static buffer. */
static const char *
enc(const char *s, size_t len, unsigned flags)
{
	static char buf[1024];

	safe_encode_buf(s, len, buf, sizeof(buf), flags);
	return buf;
}

#define ENC(lit) enc(lit, sizeof(lit) - 1, 0)

static const char *
json(const char *s)
{
	static char buf[1024];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	safe_json_fputs(s, strlen(s), f);
	fclose(f);
	return buf;
}

static void
test_utf8(void)
{
	char *e;

	is_str(ENC("sleep 1000"), "sleep 1000", "ordinary text unchanged");
	is_str(ENC("caf\xc3\xa9"), "caf\xc3\xa9", "printable UTF-8 kept (café)");
	is_str(ENC("\xe6\x97\xa5\xe6\x9c\xac"), "\xe6\x97\xa5\xe6\x9c\xac", "wide characters kept");
	is_str(ENC("a\x1b]0;pwned\x07z"), "a\\x1b]0;pwned\\x07z", "ESC and BEL as \\xHH (OSC title)");
	is_str(ENC("\x1b[2J"), "\\x1b[2J", "CSI clear screen");
	is_str(ENC("a\tb\nc\rd"), "a\\x09b\\x0ac\\x0dd", "tab, newline, carriage return");
	is_str(ENC("del\x7f"), "del\\x7f", "DEL");
	is_str(ENC("c1\xc2\x9b" "2J"), "c1\\xc2\\x9b2J", "C1 CSI U+009B (valid UTF-8): both bytes");
	is_str(ENC("c1\xc2\x85"), "c1\\xc2\\x85", "C1 NEL U+0085");
	is_str(ENC("raw\x9b" "2J"), "raw\\x9b2J", "a lone 0x9b (8-bit CSI, no UTF-8) as \\x9b");
	is_str(ENC("\xe2\x80\xae" "abc"), "\\xe2\\x80\\xaeabc", "bidi override RLO U+202E");
	is_str(ENC("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad"),
	       "\\xe2\\x80\\xaa\\xe2\\x80\\xab\\xe2\\x80\\xac\\xe2\\x80\\xad", "LRE RLE PDF LRO");
	is_str(ENC("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9"),
	       "\\xe2\\x81\\xa6\\xe2\\x81\\xa7\\xe2\\x81\\xa8\\xe2\\x81\\xa9", "isolates LRI RLI FSI PDI");
	is_str(ENC("\xe2\x80\xa9"), "\\xe2\\x80\\xa9", "paragraph separator U+2029 (not printable)");
	is_str(ENC("\xe2\x80\x94"), "\xe2\x80\x94", "an em dash U+2014 is kept");
	is_str(ENC("\xc3"), "\\xc3", "a sequence cut at the end");
	is_str(ENC("\xc3(ok"), "\\xc3(ok", "a sequence cut by ASCII: the ASCII kept");
	is_str(ENC("\xe2\x80"), "\\xe2\\x80", "a three-byte sequence cut after two");
	is_str(ENC("\xc0\xaf"), "\\xc0\\xaf", "an overlong '/'");
	is_str(ENC("\xed\xa0\x80"), "\\xed\\xa0\\x80", "a UTF-16 surrogate");
	is_str(ENC("\xff\xfe"), "\\xff\\xfe", "bytes that never start UTF-8");
	is_str(ENC("\xc3\xa9\xa9\xc3\xa9"), "\xc3\xa9\\xa9\xc3\xa9", "a stray continuation byte between two é");
	is_str(ENC("a\\x1b"), "a\\x5cx1b", "a literal \\x: the backslash as \\x5c (unambiguous)");
	is_str(ENC("C:\\dir\\"), "C:\\dir\\", "other backslashes kept, as lsns does");
	is_str(enc("a\0b", 3, 0), "a\\x00b", "a NUL inside the bytes");
	is_str(enc("caf\xc3\xa9\x1b", 6, SAFE_ASCII), "caf\\xc3\\xa9\\x1b", "SAFE_ASCII: no byte >= 0x80");

	e = safe_encode("x\x1b[31mred", 0);
	is_str(e, "x\\x1b[31mred", "safe_encode allocates the encoding");
	free(e);
	e = safe_encode("plain", 0);
	is_str(e, "plain", "safe_encode of a plain string");
	free(e);
	ok(safe_is_plain("sleep 1000 /a\\b"), "plain: printable ASCII, a backslash not before x");
	ok(!safe_is_plain("a\\x"), "not plain: \\x");
	ok(!safe_is_plain("caf\xc3\xa9"), "not plain: UTF-8 (it needs the locale's look)");
	ok(!safe_is_plain("\x1b"), "not plain: ESC");
}

static void
test_cut(void)
{
	char buf[8];
	size_t n;

	n = safe_encode_buf("ab\x1b" "cd", 5, buf, sizeof(buf), 0);
	is_int(n, 8, "the length of the whole encoding is returned");
	is_str(buf, "ab\\x1bc", "cut at the end of the buffer, after whole pieces");
	n = safe_encode_buf("abcde\x1b", 6, buf, sizeof(buf), 0);
	is_str(buf, "abcde", "never cut inside an escape");
	is_int(n, 9, "... and the whole length still counted");
	n = safe_encode_buf("abcdef\xc3\xa9", 8, buf, sizeof(buf), 0);
	is_str(buf, "abcdef", "never cut inside a character");
	safe_encode_buf("abc", 3, buf, 1, 0);
	is_str(buf, "", "a one-byte buffer holds the NUL");
}

static void
test_c_locale(void)
{
	setlocale(LC_CTYPE, "C");
	is_str(ENC("caf\xc3\xa9"), "caf\\xc3\\xa9", "C locale: bytes >= 0x80 as \\xHH (as libsmartcols)");
	is_str(ENC("\xc2\x9b"), "\\xc2\\x9b", "C locale: C1 CSI encoded");
	is_str(ENC("a\x1b"), "a\\x1b", "C locale: ESC encoded");
	setlocale(LC_CTYPE, "C.UTF-8");
}

static void
test_json(void)
{
	is_str(json("{\"a\": \"sleep\"}"), "{\"a\": \"sleep\"}", "JSON: ordinary text unchanged");
	is_str(json("\"caf\xc3\xa9\""), "\"caf\xc3\xa9\"", "JSON: UTF-8 kept");
	is_str(json("\"\\u001b]0;x\\u0007\""), "\"\\u001b]0;x\\u0007\"", "JSON: the writer's \\u escapes kept");
	is_str(json("\"a\\\\x41\""), "\"a\\\\x41\"", "JSON: an escaped backslash kept as it is");
	is_str(json("\"\x7f\""), "\"\\u007f\"", "JSON: DEL as \\u007f");
	is_str(json("\"\xc2\x9b\""), "\"\\u009b\"", "JSON: C1 CSI as \\u009b");
	is_str(json("\"\xe2\x80\xae\xe2\x81\xa6\""), "\"\\u202e\\u2066\"", "JSON: bidi controls as \\u");
	is_str(json("\"\x9b\xc3\""), "\"\\\\x9b\\\\xc3\"", "JSON: invalid UTF-8 bytes as the text \\xHH");
	is_str(json("\"\xf0\x9f\x98\x80\""), "\"\xf0\x9f\x98\x80\"", "JSON: a four-byte character kept");
	is_str(json("\"\xf4\x90\x80\x80\""), "\"\\\\xf4\\\\x90\\\\x80\\\\x80\"", "JSON: beyond U+10FFFF is no UTF-8");
	is_str(json("\"\xe2\x80\xa9\""), "\"\\u2029\"", "JSON: what the locale cannot print as \\u");
	is_str(json("\"\xf4\x8f\xbf\xbf\""), "\"\\udbff\\udfff\"", "JSON: beyond the BMP as a surrogate pair");
	setlocale(LC_CTYPE, "C");
	is_str(json("\"caf\xc3\xa9\""), "\"caf\\u00e9\"", "JSON, C locale: all but ASCII as \\u");
	setlocale(LC_CTYPE, "C.UTF-8");
}

int
main(void)
{
	if (!setlocale(LC_CTYPE, "C.UTF-8")) {
		skip("the C.UTF-8 locale is missing");
		return done_testing();
	}
	test_utf8();
	test_cut();
	test_c_locale();
	test_json();
	return done_testing();
}
