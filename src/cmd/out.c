/* Tables whose cells hold strings another user controls (process names,
 * mount points, records), printed safe (util/safe.h) in each of
 * libsmartcols' formats:
 * - a human table: libsmartcols encodes control bytes as lsns does, but
 *   passes the bidi controls; out_cell encodes each cell with safe_encode
 *   (the same encoding plus those), and out_print turns libsmartcols' own
 *   off, so that nothing is encoded twice;
 * - raw (-r): libsmartcols writes every byte outside printable ASCII, and
 *   every backslash, as \xHH itself (as lsns -r): the cells stay as read;
 * - JSON: libsmartcols escapes the C0 controls (\u001b, as lsns -J) but
 *   copies DEL, C1 controls, bidi controls and invalid UTF-8 as they are:
 *   out_print filters its text through safe_json_fputs. */
#define _GNU_SOURCE
#include "cmd/cmd.h"

#include <libsmartcols.h>
#include <stdlib.h>
#include <string.h>

#include "util/safe.h"

static bool
human(struct libscols_table *tab)
{
	return !scols_table_is_json(tab) && !scols_table_is_raw(tab);
}

int
out_cell_take(struct libscols_table *tab, struct libscols_line *ln, size_t col, char *s)
{
	if (!s)
		return 0;
	if (human(tab) && !safe_is_plain(s)) {
		char *e = safe_encode(s, 0);

		free(s);
		s = e;
	}
	if (scols_line_refer_data(ln, col, s) != 0) {
		free(s);
		return -1;
	}
	return 0;
}

int
out_cell(struct libscols_table *tab, struct libscols_line *ln, size_t col, const char *s)
{
	char *e;

	if (!s)
		return 0;
	if (!human(tab) || safe_is_plain(s))
		return scols_line_set_data(ln, col, s);
	e = safe_encode(s, 0);
	if (scols_line_refer_data(ln, col, e) != 0) {
		free(e);
		return -1;
	}
	return 0;
}

int
out_print(struct libscols_table *tab)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem;
	int rc;

	if (!scols_table_is_json(tab)) {
		if (!scols_table_is_raw(tab))
			scols_table_enable_noencoding(tab, 1);
		return scols_print_table(tab);
	}
	if (!(mem = open_memstream(&text, &len)))
		return -1;
	scols_table_set_stream(tab, mem);
	rc = scols_print_table(tab);
	scols_table_set_stream(tab, stdout);
	if (fclose(mem) == 0 && rc == 0)
		safe_json_fputs(text, len, stdout);
	free(text);
	return rc;
}
