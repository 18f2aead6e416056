/* A small JSON writer for the event stream (JSON Lines, docs/events.md).
 *
 * Why not jansson: event fields are paths and command lines the sandboxed
 * command chose, so they are arbitrary bytes; jansson refuses strings that
 * are not UTF-8 and allocates a node per field. This writer appends to one
 * buffer and makes every string valid JSON whatever its bytes: invalid UTF-8
 * becomes U+FFFD, control characters are escaped, nothing else is touched.
 *
 * Usage:
 *   struct rf_json j;
 *   rf_json_init(&j);
 *   rf_json_object_begin(&j, NULL);
 *   rf_json_string(&j, "type", "RunStarted");
 *   rf_json_object_end(&j);
 *   write(fd, j.buf, j.len);
 *   rf_json_free(&j);
 * Keys are written as given (callers use fixed ASCII names). A key is
 * required inside objects and ignored inside arrays. */
#ifndef RF_JSON_H
#define RF_JSON_H

#include <stdbool.h>
#include <stddef.h>

#define RF_JSON_MAX_DEPTH 32

struct rf_json {
	char *buf; /* NUL-terminated */
	size_t len, cap;
	int depth;
	bool in_array[RF_JSON_MAX_DEPTH];
	bool first[RF_JSON_MAX_DEPTH]; /* nothing written yet at this level */
};

void rf_json_init(struct rf_json *j);
void rf_json_free(struct rf_json *j);
void rf_json_reset(struct rf_json *j);

void rf_json_object_begin(struct rf_json *j, const char *key);
void rf_json_object_end(struct rf_json *j);
void rf_json_array_begin(struct rf_json *j, const char *key);
void rf_json_array_end(struct rf_json *j);

/* s == NULL writes null. */
void rf_json_string(struct rf_json *j, const char *key, const char *s);
void rf_json_stringn(struct rf_json *j, const char *key, const char *s, size_t n);
void rf_json_int(struct rf_json *j, const char *key, long long v);
void rf_json_uint(struct rf_json *j, const char *key, unsigned long long v);
/* A finite number with `decimals` digits after the point (NaN/inf: null). */
void rf_json_double(struct rf_json *j, const char *key, double v, int decimals);
void rf_json_bool(struct rf_json *j, const char *key, bool v);
void rf_json_null(struct rf_json *j, const char *key);
/* Append a newline (end of a JSON Lines record). */
void rf_json_newline(struct rf_json *j);

/* The bytes s[0..n) as valid UTF-8: each byte that is not part of a valid
 * sequence (overlong forms, surrogates and code points above U+10FFFF
 * included) is replaced by U+FFFD. Returns a malloc'ed NUL-terminated
 * string (an embedded NUL becomes U+FFFD too). */
char *rf_utf8_sanitize(const char *s, size_t n);
/* Length of the valid UTF-8 sequence at s (1..4), or 0 if s[0..n) does not
 * start with one. */
size_t rf_utf8_seq_len(const unsigned char *s, size_t n);

/* For a terminal: control characters (C0, DEL, C1) and invalid UTF-8 bytes
 * as \xNN, everything else as is. A path the sandboxed command chose must
 * not move the cursor of the person reading it. Returns a malloc'ed string. */
char *rf_display_escape(const char *s);
char *rf_display_escapen(const char *s, size_t n);

#endif
