/* A minimal JSON reader, for the small documents nsx reads (an OCI image
 * layout's index.json and manifests). Values are pointers into the
 * NUL-terminated text: nothing is copied until json_str. Validate a
 * document once with json_valid; the getters below trust its syntax.
 *
 * Why nsx's own reader and not json-c or jansson (both in Debian; issue
 * 17 asked). The documents are hostile (another user's layout), read
 * whole up to 4 MiB (oci.c's JSON_MAX), and nsx looks up about ten keys
 * in them. Measured on the 2-core test machine (bookworm: jansson 2.14,
 * json-c 0.16, json-c with json_tokener_new_ex(64)):
 *   - memory: both build a tree of the whole document. 4 MiB of
 *     "[[],[],...]" took 191 MB (jansson) and 213 MB (json-c) of RSS,
 *     4 MiB of {"a":""} objects 184 and 417 MB, in 0.1 to 1.2 s; this
 *     reader allocates nothing (5 MB RSS, the text itself; 5 to 36 ms).
 *     A library would need a far lower size bound than the one here.
 *   - depth: jansson's limit is 2048, fixed when it is compiled
 *     (JSON_PARSER_MAX_DEPTH), not settable by nsx; json-c's is settable.
 *     Here 64, as json_valid says.
 *   - start-up: linked, either one costs every nsx command about 45 us
 *     (`nsx help`, 1.04 -> 1.08-1.10 ms, medians of 1500 interleaved
 *     runs); avoidable with a util/dl.h trampoline file, so not decisive.
 *   - behaviour: either would change what nsx reads. With a key twice
 *     this reader takes the first, both libraries the last; jansson
 *     refuses bytes that are not UTF-8, a number that overflows a double
 *     or an int64 ("size": 1e999) and \u0000 (json_str refuses a NUL
 *     too); json-c cuts "a\u0000b" to "a" through json_object_get_string.
 * So the reader stays: about 240 lines, no allocation, bounded depth,
 * what it accepts stated here. Tested by tests/unit/json.c; fuzzed by
 * tests/fuzz/image.c (input byte 0 odd: the rest is JSON, read through
 * oci.c's index and descriptor readers; seeds corpus/image/json-*). */
#ifndef NSX_JSON_H
#define NSX_JSON_H

#include <stdbool.h>
#include <stddef.h>

/* text is one JSON value (RFC 8259, nesting up to 64) and nothing else. */
bool json_valid(const char *text);

/* The value of key in the object at obj, or NULL (also when obj is NULL
 * or no object). */
const char *json_get(const char *obj, const char *key);

/* The first element of the array at arr, or NULL; then the one after v. */
const char *json_first(const char *arr);
const char *json_next(const char *v);

/* The string at p, decoded into buf; -1 when p is NULL or no string, when
 * it does not fit in n, or when it holds a NUL. A surrogate pair is one
 * character; a lone surrogate becomes U+FFFD. */
int json_str(const char *p, char *buf, size_t n);

#endif
