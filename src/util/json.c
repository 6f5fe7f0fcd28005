/* A minimal JSON reader (json.h). json_skip validates RFC 8259 syntax
 * (nesting up to JSON_DEPTH) and returns the byte after a value, or NULL;
 * a document is validated whole once (json_valid), so the getters trust
 * its syntax. */
#define _GNU_SOURCE
#include "util/json.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

#define JSON_DEPTH	64

static const char *json_skip(const char *p, int depth);

static const char *
json_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static const char *
json_skip_str(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		if ((unsigned char)*p < 0x20)	/* control characters, and the end */
			return NULL;
		if (*p++ != '\\')
			continue;
		if (*p == 'u') {
			for (int i = 1; i <= 4; i++)
				if (!isxdigit((unsigned char)p[i]))
					return NULL;
			p += 5;
		} else if (*p && strchr("\"\\/bfnrt", *p))
			p++;
		else
			return NULL;
	}
	return p + 1;
}

static const char *
json_skip_digits(const char *p)
{
	if (!isdigit((unsigned char)*p))
		return NULL;
	while (isdigit((unsigned char)*p))
		p++;
	return p;
}

static const char *
json_skip_num(const char *p)
{
	if (*p == '-')
		p++;
	p = *p == '0' ? p + 1 : json_skip_digits(p);
	if (p && *p == '.')
		p = json_skip_digits(p + 1);
	if (p && (*p == 'e' || *p == 'E')) {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		p = json_skip_digits(p);
	}
	return p;
}

static const char *
json_skip_coll(const char *p, int depth)
{
	bool obj = *p == '{';
	char close = obj ? '}' : ']';

	p = json_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (obj) {
			p = json_skip_str(json_ws(p));
			if (!p || *(p = json_ws(p)) != ':')
				return NULL;
			p++;
		}
		p = json_skip(p, depth + 1);
		if (!p)
			return NULL;
		p = json_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *
json_skip(const char *p, int depth)
{
	static const char *const lit[] = { "true", "false", "null" };

	p = json_ws(p);
	if (depth > JSON_DEPTH)
		return NULL;
	if (*p == '"')
		return json_skip_str(p);
	if (*p == '{' || *p == '[')
		return json_skip_coll(p, depth);
	for (size_t i = 0; i < ARRAY_SIZE(lit); i++)
		if (strncmp(p, lit[i], strlen(lit[i])) == 0)
			return p + strlen(lit[i]);
	return json_skip_num(p);
}

bool
json_valid(const char *text)
{
	const char *end = json_skip(text, 0);

	return end && *json_ws(end) == '\0';
}

static size_t
json_utf8_put(unsigned cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* The four hex digits after the 'u' at p (validated before) */
static unsigned
json_hex4(const char *p)
{
	return (unsigned)strtoul((char[]){ p[1], p[2], p[3], p[4], 0 }, NULL, 16);
}

/* \uXXXX at p (pointing at the 'u'), with a following low surrogate;
 * *p is advanced past what was used. A surrogate not in a pair is
 * U+FFFD. */
static unsigned
json_unicode(const char **p)
{
	unsigned cp = json_hex4(*p);

	*p += 5;
	if (cp >= 0xd800 && cp < 0xdc00 && (*p)[0] == '\\' && (*p)[1] == 'u') {
		unsigned lo = json_hex4(*p + 1);

		if (lo >= 0xdc00 && lo < 0xe000) {
			*p += 6;
			return 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		}
	}
	return cp >= 0xd800 && cp < 0xe000 ? 0xfffd : cp;
}

/* The string at p, decoded; -1 when p is not a string, does not fit, or
 * holds a NUL. */
int
json_str(const char *p, char *buf, size_t n)
{
	static const char esc[] = "b\bf\fn\nr\rt\t\"\"\\\\//";
	size_t len = 0, k;
	char tmp[4];

	if (!p || *p++ != '"')
		return -1;
	while (*p != '"') {
		unsigned cp = (unsigned char)*p++;

		k = 1;
		tmp[0] = (char)cp;
		if (cp == '\\' && *p == 'u') {
			if ((cp = json_unicode(&p)) == 0)
				return -1;
			k = json_utf8_put(cp, tmp);
		} else if (cp == '\\') {
			tmp[0] = strchr(esc, *p++)[1];	/* validated: always found */
		}
		if (len + k >= n)
			return -1;
		memcpy(buf + len, tmp, k);
		len += k;
	}
	buf[len] = '\0';
	return 0;
}

/* The value of key in the object at obj, or NULL. */
const char *
json_get(const char *obj, const char *key)
{
	char name[256];
	const char *p, *v;

	if (!obj || *obj != '{')
		return NULL;
	for (p = json_ws(obj + 1); *p == '"'; p = json_ws(p + 1)) {
		v = json_ws(json_ws(json_skip_str(p)) + 1);
		if (json_str(p, name, sizeof(name)) == 0 && strcmp(name, key) == 0)
			return v;
		p = json_ws(json_skip(v, 0));
		if (*p != ',')
			break;
	}
	return NULL;
}

const char *
json_first(const char *arr)
{
	const char *p;

	if (!arr || *arr != '[')
		return NULL;
	p = json_ws(arr + 1);
	return *p == ']' ? NULL : p;
}

const char *
json_next(const char *v)
{
	const char *p = json_ws(json_skip(v, 0));

	return *p == ',' ? json_ws(p + 1) : NULL;
}
