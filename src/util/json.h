/* A minimal JSON reader, for the small documents nsx reads (an OCI image
 * layout's index.json and manifests). Values are pointers into the
 * NUL-terminated text: nothing is copied until json_str. Validate a
 * document once with json_valid; the getters below trust its syntax. */
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
 * it does not fit in n, or when it holds a NUL. */
int json_str(const char *p, char *buf, size_t n);

#endif
