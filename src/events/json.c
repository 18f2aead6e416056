/* JSON writer: see json.h. */
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void rf_json_init(struct rf_json *j)
{
	memset(j, 0, sizeof *j);
	j->cap = 256;
	j->buf = rf_xmalloc(j->cap);
	j->buf[0] = '\0';
	j->first[0] = true;
}

void rf_json_free(struct rf_json *j)
{
	free(j->buf);
	memset(j, 0, sizeof *j);
}

void rf_json_reset(struct rf_json *j)
{
	char *buf = j->buf;
	size_t cap = j->cap;
	memset(j, 0, sizeof *j);
	j->buf = buf;
	j->cap = cap;
	j->buf[0] = '\0';
	j->first[0] = true;
}

static void reserve(struct rf_json *j, size_t more)
{
	if (j->len + more + 1 <= j->cap)
		return;
	while (j->len + more + 1 > j->cap)
		j->cap *= 2;
	j->buf = rf_xrealloc(j->buf, j->cap);
}

static void put(struct rf_json *j, const char *s, size_t n)
{
	reserve(j, n);
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

static void putc_(struct rf_json *j, char c)
{
	put(j, &c, 1);
}

size_t rf_utf8_seq_len(const unsigned char *s, size_t n)
{
	if (n == 0)
		return 0;
	unsigned char c = s[0];
	if (c >= 0x01 && c < 0x80)
		return 1;
	size_t len;
	unsigned cp, min;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2, cp = c & 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, cp = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, cp = c & 0x07, min = 0x10000;
	} else {
		return 0; /* NUL, continuation byte, 0xc0/0xc1, 0xf5.. */
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

char *rf_utf8_sanitize(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	char *out = rf_xmalloc(n * 3 + 1);
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		size_t l = rf_utf8_seq_len(u + i, n - i);
		if (l == 0) {
			memcpy(out + o, replacement, 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(out + o, s + i, l);
		o += l;
		i += l;
	}
	out[o] = '\0';
	return out;
}

static void put_escaped(struct rf_json *j, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	putc_(j, '"');
	for (size_t i = 0; i < n;) {
		unsigned char c = u[i];
		if (c == '"' || c == '\\') {
			char esc[2] = {'\\', (char)c};
			put(j, esc, 2);
			i++;
		} else if (c >= 0x20 && c < 0x7f) {
			putc_(j, (char)c);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			const char *named = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : NULL;
			if (named) {
				put(j, named, 2);
			} else {
				char esc[8];
				snprintf(esc, sizeof esc, "\\u%04x", c);
				put(j, esc, 6);
			}
			i++;
		} else {
			size_t l = rf_utf8_seq_len(u + i, n - i);
			if (l == 0) {
				put(j, replacement, 3);
				i++;
			} else {
				put(j, s + i, l);
				i += l;
			}
		}
	}
	putc_(j, '"');
}

/* Comma and key before a value at the current level. */
static void begin_value(struct rf_json *j, const char *key)
{
	if (!j->first[j->depth])
		putc_(j, ',');
	j->first[j->depth] = false;
	if (j->depth > 0 && !j->in_array[j->depth] && key) {
		put_escaped(j, key, strlen(key));
		putc_(j, ':');
	}
}

static void open_level(struct rf_json *j, const char *key, char c, bool array)
{
	begin_value(j, key);
	putc_(j, c);
	if (j->depth + 1 < RF_JSON_MAX_DEPTH) {
		j->depth++;
		j->in_array[j->depth] = array;
		j->first[j->depth] = true;
	}
}

void rf_json_object_begin(struct rf_json *j, const char *key)
{
	open_level(j, key, '{', false);
}

void rf_json_object_end(struct rf_json *j)
{
	putc_(j, '}');
	if (j->depth > 0)
		j->depth--;
}

void rf_json_array_begin(struct rf_json *j, const char *key)
{
	open_level(j, key, '[', true);
}

void rf_json_array_end(struct rf_json *j)
{
	putc_(j, ']');
	if (j->depth > 0)
		j->depth--;
}

void rf_json_stringn(struct rf_json *j, const char *key, const char *s, size_t n)
{
	begin_value(j, key);
	if (!s)
		put(j, "null", 4);
	else
		put_escaped(j, s, n);
}

void rf_json_string(struct rf_json *j, const char *key, const char *s)
{
	rf_json_stringn(j, key, s, s ? strlen(s) : 0);
}

void rf_json_int(struct rf_json *j, const char *key, long long v)
{
	char num[32];
	int n = snprintf(num, sizeof num, "%lld", v);
	begin_value(j, key);
	put(j, num, (size_t)n);
}

void rf_json_uint(struct rf_json *j, const char *key, unsigned long long v)
{
	char num[32];
	int n = snprintf(num, sizeof num, "%llu", v);
	begin_value(j, key);
	put(j, num, (size_t)n);
}

void rf_json_double(struct rf_json *j, const char *key, double v, int decimals)
{
	begin_value(j, key);
	if (!isfinite(v)) {
		put(j, "null", 4);
		return;
	}
	char num[64];
	int n = snprintf(num, sizeof num, "%.*f", decimals < 0 ? 0 : decimals > 9 ? 9 : decimals, v);
	put(j, num, (size_t)n);
}

void rf_json_bool(struct rf_json *j, const char *key, bool v)
{
	begin_value(j, key);
	if (v)
		put(j, "true", 4);
	else
		put(j, "false", 5);
}

void rf_json_null(struct rf_json *j, const char *key)
{
	begin_value(j, key);
	put(j, "null", 4);
}

void rf_json_newline(struct rf_json *j)
{
	putc_(j, '\n');
}

char *rf_display_escapen(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	char *out = rf_xmalloc(n * 4 + 1);
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		size_t l = u[i] >= 0x20 && u[i] != 0x7f ? rf_utf8_seq_len(u + i, n - i) : 0;
		/* U+0080..U+009F (C1 controls) are c2 80..c2 9f */
		if (l == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0)
			l = 0;
		if (l == 0) {
			o += (size_t)sprintf(out + o, "\\x%02x", u[i]);
			i++;
			continue;
		}
		memcpy(out + o, s + i, l);
		o += l;
		i += l;
	}
	out[o] = '\0';
	return out;
}

char *rf_display_escape(const char *s)
{
	return rf_display_escapen(s ? s : "", s ? strlen(s) : 0);
}
