/* A TOML 1.0 reader: parses a whole document into a tree of values (DOM).
 *
 *   struct rf_error e;
 *   struct rf_toml_value *root = rf_toml_parse(text, len, "ringfence.toml", &e);
 *   if (!root) { fprintf(stderr, "%s\n", e.msg); ... }   // "ringfence.toml:3:7: duplicate key 'mode'"
 *   const char *mode = rf_toml_string(rf_toml_table_get(root, "mode"), NULL);
 *   rf_toml_free(root);
 *
 * Lookups and accessors are NULL-tolerant so they can be chained: asking a
 * missing value or a value of another type gives NULL / 0 / false, and
 * rf_toml_type(NULL) is RF_TOML_NONE. Check the type first when the
 * difference matters (a config loader must reject `mode = 3`).
 *
 * Positions (line, column) are 1-based; columns count Unicode characters,
 * a tab counts as one. Everything returned points into the tree and lives
 * until rf_toml_free(root).
 */
#ifndef RF_TOML_H
#define RF_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* Deepest nesting of tables/arrays accepted (root is depth 0). Bounds the
 * recursion of the parser and of every consumer walking the tree. */
#define RF_TOML_MAX_DEPTH 128
/* Largest document accepted, in bytes: a config file, not a database. */
#define RF_TOML_MAX_INPUT ((size_t)16 << 20)

enum rf_toml_type {
	RF_TOML_NONE = 0,          /* only returned for a NULL value */
	RF_TOML_STRING,
	RF_TOML_INTEGER,           /* int64_t */
	RF_TOML_FLOAT,             /* double */
	RF_TOML_BOOL,
	RF_TOML_DATETIME,          /* offset date-time: 1979-05-27T07:32:00Z */
	RF_TOML_DATETIME_LOCAL,    /* 1979-05-27T07:32:00 */
	RF_TOML_DATE_LOCAL,        /* 1979-05-27 */
	RF_TOML_TIME_LOCAL,        /* 07:32:00 */
	RF_TOML_ARRAY,
	RF_TOML_TABLE,
};

struct rf_toml_value; /* opaque */

/* The four datetime types share one representation. Fields of a part the
 * value does not have (the date of a local time, ...) are 0. */
struct rf_toml_datetime {
	int year, month, day;
	int hour, minute, second;   /* second may be 60 (leap second) */
	int nanosecond;             /* fractional seconds, truncated to ns */
	int offset_minutes;         /* east of UTC, when has_offset */
	bool has_date, has_time, has_offset;
	/* Normalised RFC 3339 text: 'T' separator, 'Z' for UTC, the fraction as
	 * written (at most 9 digits), e.g. "1979-05-27T07:32:00.5-07:00". */
	char text[40];
};

/* One key of a table, in document order. line/column are where the key was
 * written (for a table defined by a [header], the header's key). */
struct rf_toml_entry {
	char *key;                  /* NUL-terminated; may hold NULs ("\u0000") */
	size_t key_len;
	unsigned line, column;
	struct rf_toml_value *value;
};

/* Parse a whole document. `filename` prefixes error messages
 * ("file:line:column: reason"). Returns the root table, or NULL with *e
 * filled. The text need not be NUL-terminated; embedded NULs, invalid UTF-8
 * and documents larger than RF_TOML_MAX_INPUT are rejected. */
struct rf_toml_value *rf_toml_parse(const char *text, size_t len, const char *filename,
				    struct rf_error *e);
void rf_toml_free(struct rf_toml_value *root);

enum rf_toml_type rf_toml_type(const struct rf_toml_value *v);
/* "string", "integer", "float", "boolean", "offset date-time", ... for messages */
const char *rf_toml_type_name(enum rf_toml_type t);
/* Where the value was written (a table made by a header or dotted key: that key). */
unsigned rf_toml_line(const struct rf_toml_value *v);
unsigned rf_toml_column(const struct rf_toml_value *v);

/* ---- tables ---- */
size_t rf_toml_table_len(const struct rf_toml_value *t);
/* The i-th entry in document order, NULL when out of range. */
const struct rf_toml_entry *rf_toml_table_at(const struct rf_toml_value *t, size_t i);
/* Value of `key` (NUL-terminated), NULL when absent or t is not a table. */
const struct rf_toml_value *rf_toml_table_get(const struct rf_toml_value *t, const char *key);
/* Entry of a key given with its length (keys may contain NULs). */
const struct rf_toml_entry *rf_toml_table_find(const struct rf_toml_value *t, const char *key,
					       size_t key_len);

/* ---- arrays (arrays of tables are arrays whose items are tables) ---- */
size_t rf_toml_array_len(const struct rf_toml_value *a);
const struct rf_toml_value *rf_toml_array_at(const struct rf_toml_value *a, size_t i);

/* ---- scalars ---- */
/* NUL-terminated string, its length in *len (may be NULL); NULL if not a string. */
const char *rf_toml_string(const struct rf_toml_value *v, size_t *len);
int64_t rf_toml_int(const struct rf_toml_value *v);          /* 0 if not an integer */
double rf_toml_float(const struct rf_toml_value *v);         /* 0.0 if not a float */
bool rf_toml_bool(const struct rf_toml_value *v);            /* false if not a boolean */
/* Any of the four datetime types, NULL otherwise. */
const struct rf_toml_datetime *rf_toml_datetime(const struct rf_toml_value *v);

#endif
