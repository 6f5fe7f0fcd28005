/* util/json: what the reader accepts (RFC 8259 syntax, nesting bounded),
 * the getters over a validated document, and json_str's decoding and
 * refusals. The choices json.h gives as its reasons are pinned here: the
 * first of a key given twice, a NUL refused, any byte >= 0x20 kept. */
#define _GNU_SOURCE
#include <string.h>

#include "tap.h"
#include "util/json.h"
#include "util/xalloc.h"

/* k arrays nested, with inner (may be "") in the innermost */
static const char *
nested(int k, const char *inner)
{
	static char buf[1024];
	size_t n = 0;

	for (int i = 0; i < k; i++)
		buf[n++] = '[';
	n += (size_t)sprintf(buf + n, "%s", inner);
	for (int i = 0; i < k; i++)
		buf[n++] = ']';
	buf[n] = '\0';
	return buf;
}

/* s with control characters and bytes >= 0x7f as \xHH, for test names */
static const char *
shown(const char *s)
{
	static char buf[256];
	size_t n = 0;

	for (; *s && n + 5 < sizeof(buf); s++) {
		unsigned char c = (unsigned char)*s;

		n += (size_t)(c < 0x20 || c >= 0x7f ? sprintf(buf + n, "\\x%02x", c)
						     : sprintf(buf + n, "%c", c));
	}
	buf[n] = '\0';
	return buf;
}

static void
test_valid(void)
{
	static const char *const good[] = {
		"{}", "[]", "\"\"", "0", "-0", "-1.5e+10", "1E-2", "true", "false", "null",
		" \t\r\n{ \"a\" : [ 1 , { } , \"x\" ] } \n", "\"\\u00e9\\ud83d\\ude00\\/\\b\\f\\n\\r\\t\"",
		"\"\xff\xfe\"",	/* bytes, not checked as UTF-8 */
	};
	static const char *const bad[] = {
		"", " ", "{", "[1,]", "{\"a\"}", "{\"a\":}", "{a:1}", "{\"a\":1,}", "01", "1.", ".5",
		"-", "1e", "+1", "tru", "nul", "\"\\x\"", "\"\\u12g4\"", "\"a\nb\"", "\"abc", "{} {}",
		"[1 2]", "'a'",
	};

	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		ok(json_valid(good[i]), "valid: %s", shown(good[i]));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		ok(!json_valid(bad[i]), "invalid: '%s'", shown(bad[i]));
}

/* A value 64 levels below the top at most: deeper is refused before it
 * is walked, whatever the length. */
static void
test_depth(void)
{
	ok(json_valid(nested(64, "1")), "a value 64 arrays deep");
	ok(!json_valid(nested(65, "1")), "a value 65 arrays deep: refused");
	ok(json_valid(nested(65, "")), "65 arrays, the innermost empty (at depth 64)");
	ok(!json_valid(nested(66, "")), "66 arrays: refused");
	ok(!json_valid(nested(400, "")), "400 arrays: refused");
}

static void
test_get(void)
{
	const char *doc = "{\"a\": 1, \"list\": [ \"x\", {\"k\": \"v\"}, 3 ], "
			  "\"o\": {\"in\": \"side\"}, \"dup\": \"first\", \"dup\": \"last\"}";
	const char *v;
	char buf[64];

	ok(json_valid(doc), "the document is valid");
	ok(json_get(doc, "a") && strncmp(json_get(doc, "a"), "1", 1) == 0, "get a number");
	ok(json_get(doc, "nope") == NULL, "a missing key: NULL");
	ok(json_get(NULL, "a") == NULL, "get from NULL: NULL");
	ok(json_get(json_get(doc, "list"), "a") == NULL, "get from an array: NULL");
	ok(json_str(json_get(json_get(doc, "o"), "in"), buf, sizeof(buf)) == 0 &&
	   strcmp(buf, "side") == 0, "get in a nested object");
	ok(json_get(json_get(doc, "o"), "a") == NULL, "keys of the outer object are not inside");
	is_int(json_str(json_get(doc, "dup"), buf, sizeof(buf)), 0, "a key given twice");
	is_str(buf, "first", "... the first is taken");

	v = json_first(json_get(doc, "list"));
	ok(v && json_str(v, buf, sizeof(buf)) == 0 && strcmp(buf, "x") == 0, "first element");
	v = json_next(v);
	ok(v && json_str(json_get(v, "k"), buf, sizeof(buf)) == 0 && strcmp(buf, "v") == 0,
	   "second element, an object");
	v = json_next(v);
	ok(v && *v == '3', "third element");
	ok(json_next(v) == NULL, "no fourth");
	ok(json_first(json_get("{\"e\": [ ]}", "e")) == NULL, "an empty array has no first");
	ok(json_first(json_get(doc, "a")) == NULL, "a number has no first");
}

static void
test_str(void)
{
	char buf[16];

	is_int(json_str("\"a\\\"b\\\\c\\/\\n\"", buf, sizeof(buf)), 0, "escapes");
	is_str(buf, "a\"b\\c/\n", "... decoded");
	is_int(json_str("\"\\u00e9\\u20ac\"", buf, sizeof(buf)), 0, "\\u escapes");
	is_str(buf, "\xc3\xa9\xe2\x82\xac", "... into UTF-8");
	is_int(json_str("\"\\ud83d\\ude00\"", buf, sizeof(buf)), 0, "a surrogate pair");
	is_str(buf, "\xf0\x9f\x98\x80", "... one character (U+1F600), 4 bytes of UTF-8");
	is_int(json_str("\"\\ude00\\ud83d\"", buf, sizeof(buf)), 0, "a pair in the wrong order");
	is_str(buf, "\xef\xbf\xbd\xef\xbf\xbd", "... two U+FFFD");
	is_int(json_str("\"\\ud83dx\"", buf, sizeof(buf)), 0, "a lone surrogate");
	is_str(buf, "\xef\xbf\xbdx", "... U+FFFD");
	is_int(json_str("\"a\\u0000b\"", buf, sizeof(buf)), -1, "a NUL: refused, not cut");
	is_int(json_str("\"0123456789abcde\"", buf, sizeof(buf)), 0, "15 bytes fit in 16");
	is_int(json_str("\"0123456789abcdef\"", buf, sizeof(buf)), -1, "16 do not");
	is_int(json_str("12", buf, sizeof(buf)), -1, "a number is no string");
	is_int(json_str(NULL, buf, sizeof(buf)), -1, "NULL is no string");
}

int
main(void)
{
	test_valid();
	test_depth();
	test_get();
	test_str();
	return done_testing();
}
