/* /proc/PID/mountinfo, one line at a time (see mountinfo.h). */
#include "model/mountinfo.h"

#include <stdlib.h>
#include <string.h>

#include "model/nstype.h"

int
mountinfo_unescape(const char *s, size_t len, char *out, size_t n)
{
	size_t j = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '\\' && i + 3 < len &&
		    s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			c = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
			i += 3;
		}
		if (j + 1 >= n)
			return -1;
		out[j++] = c;
	}
	out[j] = '\0';
	return 0;
}

/* The next field of *s (blanks between fields skipped), NUL-terminated;
 * NULL at the end of the line. */
static char *
field(char **s)
{
	char *f = *s + strspn(*s, " ");

	if (!*f || *f == '\n')
		return NULL;
	*s = f + strcspn(f, " \n");
	if (**s)
		*(*s)++ = '\0';
	return f;
}

static void
unescape(char *s)
{
	size_t len = strlen(s);

	mountinfo_unescape(s, len, s, len + 1);
}

/* The optional fields at *s, up to a lone "-": one string, NUL-terminated
 * (the blank before the "-" becomes its end); *s then follows the "-". */
static int
optional_fields(char **s, char **optional)
{
	char *t = *s + strspn(*s, " ");

	*optional = t;
	for (;;) {
		if (!*t || *t == '\n')
			return -1;
		if (t[0] == '-' && (t[1] == ' ' || !t[1] || t[1] == '\n')) {
			*(t > *optional ? t - 1 : t) = '\0';
			*s = t + 1;
			return 0;
		}
		t += strcspn(t, " \n");
		t += strspn(t, " ");
	}
}

int
mountinfo_parse(char *line, struct mountinfo *mi)
{
	char *f[6], *s = line, *end;

	for (int i = 0; i < 6; i++)
		if (!(f[i] = field(&s)))
			return -1;
	mi->id = (int)strtol(f[0], &end, 10);
	if (*end)
		return -1;
	mi->parent = (int)strtol(f[1], &end, 10);
	if (*end)
		return -1;
	mi->root = f[3];
	mi->target = f[4];
	mi->opts = f[5];
	/* a line without options has the "-" sixth: nsx took it so before */
	if (strcmp(f[5], "-") == 0)
		mi->opts = mi->optional = f[5] + 1;
	else if (optional_fields(&s, &mi->optional) < 0)
		return -1;
	if (!(mi->fstype = field(&s)) || !(mi->source = field(&s)))
		return -1;
	if (!(mi->superopts = field(&s)))
		mi->superopts = s + strlen(s);	/* "" */
	unescape(mi->root);
	unescape(mi->target);
	unescape(mi->source);
	return 0;
}

/* How many blank-separated fields are between s and end */
static int
fields_before(const char *s, const char *end)
{
	int n = 0;

	while (s < end) {
		s += strspn(s, " ");
		if (s >= end)
			break;
		n++;
		s += strcspn(s, " ");
	}
	return n;
}

int
mountinfo_nsfs(char *line, int *type, unsigned long *ino, char *path, size_t n)
{
	const char *sep = strstr(line, " - ");
	struct mountinfo mi;

	/* most lines are not nsfs: said before any splitting (ls reads the
	 * mountinfo of every mount namespace), once the five fields before
	 * the options are there */
	if (sep && strncmp(sep + 3, "nsfs ", 5) != 0)
		return fields_before(line, sep) >= 5 ? 0 : -1;
	if (mountinfo_parse(line, &mi) < 0)
		return -1;
	if (strcmp(mi.fstype, "nsfs") != 0 || nstype_parse_link(mi.root, strlen(mi.root), type, ino) < 0)
		return 0;
	if (strlen(mi.target) >= n)
		return -1;
	strcpy(path, mi.target);
	return 1;
}
