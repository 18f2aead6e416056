/* TOML 1.0 reader (https://toml.io/en/v1.0.0), hand-written recursive descent.
 *
 * The input is first checked as a whole (size, NUL bytes, UTF-8), then
 * copied with a terminating NUL: since embedded NULs are rejected up front,
 * '\0' marks the end of input and every lookahead can simply stop at it.
 *
 * The redefinition rules of TOML are enforced with a "kind" on each table,
 * recording how it came to exist (see enum table_kind).
 */
#include "toml.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How a table came to exist; decides what may be done to it later. */
enum table_kind {
	/* Created as an ancestor by a [a.b.c] header: may still be defined once
	 * by its own header, and extended by dotted keys. */
	TK_IMPLICIT,
	/* Defined by a [header] or [[header]] (or the root): never again. */
	TK_HEADER,
	/* Created by a dotted key (a.b = 1): more dotted keys may extend it,
	 * headers may define sub-tables, but no header may define it. */
	TK_DOTTED,
	/* An inline table { ... }: closed, nothing may be added. */
	TK_INLINE,
};

struct rf_toml_value {
	enum rf_toml_type type;
	unsigned char kind;   /* tables: enum table_kind */
	bool aot;             /* arrays: created by [[header]], may be appended to */
	unsigned short depth; /* nesting depth, root = 0 */
	unsigned line, column;
	union {
		struct {
			char *s;
			size_t len;
		} str;
		int64_t i;
		double f;
		bool b;
		struct rf_toml_datetime *dt; /* out of line: keeps every value small */
		struct {
			struct rf_toml_value **items;
			size_t len, cap;
		} arr;
		struct {
			struct rf_toml_entry *entries;
			size_t len, cap;
			/* Open-addressing index (entry index + 1, 0 = free slot), built
			 * once a table grows past a few keys so that huge tables do not
			 * make duplicate detection quadratic. */
			size_t *index;
			size_t index_cap;
		} tab;
	} u;
};

/* A growable byte buffer for decoded strings. */
struct buf {
	char *s;
	size_t len, cap;
};

/* One component of a (possibly dotted) key. */
struct keypart {
	char *s;
	size_t len;
	const char *at; /* where it was written, for errors */
	/* Its position, computed while parsing the key: locate() is cheap only
	 * when asked positions in document order. */
	unsigned line, col;
};

struct keypath {
	struct keypart *part;
	size_t n, cap;
};

struct parser {
	const char *src; /* NUL-terminated copy of the document (after any BOM) */
	const char *p;   /* cursor */
	const char *filename;
	struct rf_error *e;
	/* locate() cache: positions are mostly asked in increasing order, so
	 * counting resumes from the last answer. */
	const char *loc_at;
	unsigned loc_line, loc_col;
	struct rf_toml_value *root;
	struct rf_toml_value *cur; /* table receiving key/value pairs */
};

#define INDEX_THRESHOLD 8

/* ------------------------------------------------------------------ */
/* positions and errors                                               */

static void locate(struct parser *ps, const char *at, unsigned *line, unsigned *col)
{
	if (at < ps->loc_at || !ps->loc_at) {
		ps->loc_at = ps->src;
		ps->loc_line = 1;
		ps->loc_col = 1;
	}
	for (const char *q = ps->loc_at; q < at; q++) {
		if (*q == '\n') {
			ps->loc_line++;
			ps->loc_col = 1;
		} else if (((unsigned char)*q & 0xC0) != 0x80) {
			ps->loc_col++; /* count characters, not UTF-8 continuation bytes */
		}
	}
	ps->loc_at = at;
	*line = ps->loc_line;
	*col = ps->loc_col;
}

static int fail_at(struct parser *ps, const char *at, const char *fmt, ...) RF_PRINTF(3, 4);
static int fail_at(struct parser *ps, const char *at, const char *fmt, ...)
{
	char reason[768];
	unsigned line, col;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	locate(ps, at, &line, &col);
	return rf_fail(ps->e, 0, "%s:%u:%u: %s", ps->filename, line, col, reason);
}

/* Describe the character at p for an error message. */
static const char *describe_char(const char *p, char *out, size_t cap)
{
	unsigned char c = (unsigned char)*p;
	if (c == '\0')
		snprintf(out, cap, "end of file");
	else if (c == '\n' || (c == '\r' && p[1] == '\n'))
		snprintf(out, cap, "end of line");
	else if (c > 0x20 && c < 0x7f)
		snprintf(out, cap, "'%c'", c);
	else if (c < 0x80)
		snprintf(out, cap, "character U+%04X", c);
	else {
		/* The document is valid UTF-8 (checked up front). */
		unsigned cp;
		int n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
		cp = c & (0x3Fu >> n);
		for (int i = 1; i <= n; i++)
			cp = (cp << 6) | ((unsigned char)p[i] & 0x3F);
		snprintf(out, cap, "character U+%04X", cp);
	}
	return out;
}

static int fail_unexpected(struct parser *ps, const char *at, const char *expected)
{
	char what[32];
	return fail_at(ps, at, "expected %s, found %s", expected, describe_char(at, what, sizeof what));
}

/* Render a key for a message: bare keys as they are, others quoted with
 * anything unprintable escaped, and long keys shortened. */
static void key_display(const char *s, size_t len, char *out, size_t cap)
{
	bool bare = len > 0;
	size_t o = 0;

	for (size_t i = 0; i < len && bare; i++) {
		unsigned char c = (unsigned char)s[i];
		bare = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		       c == '_' || c == '-';
	}
	out[0] = '\0';
	if (cap < 16)
		return;
	if (!bare)
		out[o++] = '"';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (o + 12 >= cap) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(out + o, cap - o, "\\u%04X", c);
		else if (c == '"' || c == '\\')
			o += (size_t)snprintf(out + o, cap - o, "\\%c", c);
		else
			out[o++] = (char)c;
	}
	if (!bare)
		out[o++] = '"';
	out[o] = '\0';
}

/* The dotted rendering of the first n parts of a key path. */
static void path_display(const struct keypath *kp, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n && o + 20 < cap; i++) {
		if (i)
			out[o++] = '.';
		key_display(kp->part[i].s, kp->part[i].len, out + o, cap - o);
		o += strlen(out + o);
	}
}

/* ------------------------------------------------------------------ */
/* values                                                             */

static struct rf_toml_value *value_new(struct parser *ps, enum rf_toml_type type, const char *at)
{
	struct rf_toml_value *v = rf_xcalloc(1, sizeof *v);
	v->type = type;
	locate(ps, at, &v->line, &v->column);
	return v;
}

/* An array or inline table opening at ps->p, at nesting level `depth`;
 * NULL (error set) if that is too deep. */
static struct rf_toml_value *container_new(struct parser *ps, enum rf_toml_type type, unsigned depth)
{
	struct rf_toml_value *v;
	if (depth > RF_TOML_MAX_DEPTH) {
		fail_at(ps, ps->p, "nesting deeper than %d levels", RF_TOML_MAX_DEPTH);
		return NULL;
	}
	v = value_new(ps, type, ps->p);
	v->depth = (unsigned short)depth;
	return v;
}

/* A container created by a key (header or dotted key), positioned there. */
static struct rf_toml_value *key_container(struct parser *ps, enum rf_toml_type type,
					   const struct keypart *k, unsigned depth)
{
	struct rf_toml_value *v;
	if (depth > RF_TOML_MAX_DEPTH) {
		fail_at(ps, k->at, "nesting deeper than %d levels", RF_TOML_MAX_DEPTH);
		return NULL;
	}
	v = rf_xcalloc(1, sizeof *v);
	v->type = type;
	v->depth = (unsigned short)depth;
	v->line = k->line;
	v->column = k->col;
	return v;
}

static void value_free(struct rf_toml_value *v)
{
	if (!v)
		return;
	switch (v->type) {
	case RF_TOML_STRING:
		free(v->u.str.s);
		break;
	case RF_TOML_DATETIME:
	case RF_TOML_DATETIME_LOCAL:
	case RF_TOML_DATE_LOCAL:
	case RF_TOML_TIME_LOCAL:
		free(v->u.dt);
		break;
	case RF_TOML_ARRAY:
		for (size_t i = 0; i < v->u.arr.len; i++)
			value_free(v->u.arr.items[i]);
		free(v->u.arr.items);
		break;
	case RF_TOML_TABLE:
		for (size_t i = 0; i < v->u.tab.len; i++) {
			free(v->u.tab.entries[i].key);
			value_free(v->u.tab.entries[i].value);
		}
		free(v->u.tab.entries);
		free(v->u.tab.index);
		break;
	default:
		break;
	}
	free(v);
}

static void array_push(struct rf_toml_value *a, struct rf_toml_value *item)
{
	if (a->u.arr.len == a->u.arr.cap) {
		a->u.arr.cap = a->u.arr.cap ? a->u.arr.cap * 2 : 4;
		a->u.arr.items = rf_xrealloc(a->u.arr.items, a->u.arr.cap * sizeof *a->u.arr.items);
	}
	a->u.arr.items[a->u.arr.len++] = item;
}

/* ---- table index ---- */

static size_t hash_key(const char *k, size_t n)
{
	uint64_t h = 14695981039346656037ull; /* FNV-1a */
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)k[i];
		h *= 1099511628211ull;
	}
	return (size_t)(h ^ (h >> 32));
}

static void index_insert(struct rf_toml_value *t, size_t idx)
{
	const struct rf_toml_entry *en = &t->u.tab.entries[idx];
	size_t mask = t->u.tab.index_cap - 1;
	size_t slot = hash_key(en->key, en->key_len) & mask;
	while (t->u.tab.index[slot])
		slot = (slot + 1) & mask;
	t->u.tab.index[slot] = idx + 1;
}

static void index_rebuild(struct rf_toml_value *t)
{
	size_t cap = 16;
	while (cap < t->u.tab.len * 2 + 2)
		cap *= 2;
	free(t->u.tab.index);
	t->u.tab.index = rf_xcalloc(cap, sizeof *t->u.tab.index);
	t->u.tab.index_cap = cap;
	for (size_t i = 0; i < t->u.tab.len; i++)
		index_insert(t, i);
}

static struct rf_toml_entry *table_find(const struct rf_toml_value *t, const char *key, size_t len)
{
	if (t->u.tab.index) {
		size_t mask = t->u.tab.index_cap - 1;
		for (size_t slot = hash_key(key, len) & mask; t->u.tab.index[slot]; slot = (slot + 1) & mask) {
			struct rf_toml_entry *en = &t->u.tab.entries[t->u.tab.index[slot] - 1];
			if (en->key_len == len && memcmp(en->key, key, len) == 0)
				return en;
		}
		return NULL;
	}
	for (size_t i = 0; i < t->u.tab.len; i++) {
		struct rf_toml_entry *en = &t->u.tab.entries[i];
		if (en->key_len == len && memcmp(en->key, key, len) == 0)
			return en;
	}
	return NULL;
}

/* Append a key the caller has checked is new; copies the key. */
static struct rf_toml_entry *table_add(struct rf_toml_value *t, const struct keypart *k,
				       struct rf_toml_value *v)
{
	struct rf_toml_entry *en;

	if (t->u.tab.len == t->u.tab.cap) {
		t->u.tab.cap = t->u.tab.cap ? t->u.tab.cap * 2 : 4;
		t->u.tab.entries = rf_xrealloc(t->u.tab.entries, t->u.tab.cap * sizeof *t->u.tab.entries);
	}
	en = &t->u.tab.entries[t->u.tab.len++];
	en->key = rf_xmalloc(k->len + 1);
	memcpy(en->key, k->s, k->len);
	en->key[k->len] = '\0';
	en->key_len = k->len;
	en->value = v;
	en->line = k->line;
	en->column = k->col;

	if (t->u.tab.index && t->u.tab.len * 2 < t->u.tab.index_cap)
		index_insert(t, t->u.tab.len - 1);
	else if (t->u.tab.len > INDEX_THRESHOLD)
		index_rebuild(t);
	return en;
}

/* ------------------------------------------------------------------ */
/* lexical helpers                                                    */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_oct(char c)
{
	return c >= '0' && c <= '7';
}

static bool is_bin(char c)
{
	return c == '0' || c == '1';
}

static bool is_bare_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' || c == '-';
}

/* Control characters TOML forbids in strings and comments (tab is fine). */
static bool is_control(char c)
{
	unsigned char u = (unsigned char)c;
	return (u < 0x20 && u != '\t') || u == 0x7f;
}

static void buf_putc(struct buf *b, char c)
{
	if (b->len + 1 >= b->cap) {
		b->cap = b->cap ? b->cap * 2 : 32;
		b->s = rf_xrealloc(b->s, b->cap);
	}
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
}

static void buf_put_utf8(struct buf *b, uint32_t cp)
{
	if (cp < 0x80) {
		buf_putc(b, (char)cp);
	} else if (cp < 0x800) {
		buf_putc(b, (char)(0xC0 | (cp >> 6)));
		buf_putc(b, (char)(0x80 | (cp & 0x3F)));
	} else if (cp < 0x10000) {
		buf_putc(b, (char)(0xE0 | (cp >> 12)));
		buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
		buf_putc(b, (char)(0x80 | (cp & 0x3F)));
	} else {
		buf_putc(b, (char)(0xF0 | (cp >> 18)));
		buf_putc(b, (char)(0x80 | ((cp >> 12) & 0x3F)));
		buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
		buf_putc(b, (char)(0x80 | (cp & 0x3F)));
	}
}

static void skip_ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t')
		ps->p++;
}

/* Consume a newline (LF or CRLF) if there is one. */
static bool eat_newline(struct parser *ps)
{
	if (*ps->p == '\n') {
		ps->p++;
		return true;
	}
	if (ps->p[0] == '\r' && ps->p[1] == '\n') {
		ps->p += 2;
		return true;
	}
	return false;
}

/* A comment runs to the end of the line; the newline is left in place. */
static int skip_comment(struct parser *ps)
{
	ps->p++; /* '#' */
	for (;; ps->p++) {
		char c = *ps->p;
		if (c == '\0' || c == '\n' || (c == '\r' && ps->p[1] == '\n'))
			return 0;
		if (is_control(c))
			return fail_at(ps, ps->p, "control character U+%04X in comment", (unsigned char)c);
	}
}

/* Whitespace, newlines and comments, as allowed between array items. */
static int skip_ws_nl_comments(struct parser *ps)
{
	for (;;) {
		skip_ws(ps);
		if (*ps->p == '#') {
			if (skip_comment(ps) < 0)
				return -1;
		} else if (!eat_newline(ps)) {
			return 0;
		}
	}
}

/* After a value or header: optional whitespace and comment, then a newline
 * or the end of the document. */
static int expect_line_end(struct parser *ps)
{
	skip_ws(ps);
	if (*ps->p == '#' && skip_comment(ps) < 0)
		return -1;
	if (*ps->p == '\0' || eat_newline(ps))
		return 0;
	return fail_unexpected(ps, ps->p, "end of line");
}

/* ------------------------------------------------------------------ */
/* strings                                                            */

static int hex_escape(struct parser *ps, int ndigits, struct buf *out)
{
	const char *at = ps->p - 2; /* the backslash */
	uint32_t cp = 0;

	for (int i = 0; i < ndigits; i++) {
		char c = *ps->p;
		if (!is_hex(c))
			return fail_at(ps, at, "\\%c escape needs %d hex digits", ndigits == 4 ? 'u' : 'U',
				       ndigits);
		cp = cp * 16 + (uint32_t)(is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
		ps->p++;
	}
	/* Only Unicode scalar values: no surrogates, nothing past U+10FFFF. */
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return fail_at(ps, at, "escape \\%c%0*X is not a Unicode scalar value",
			       ndigits == 4 ? 'u' : 'U', ndigits, cp);
	buf_put_utf8(out, cp);
	return 0;
}

/* In a multi-line basic string, a backslash ending a line (trailing
 * whitespace allowed) swallows every whitespace and newline that follows.
 * Returns 1 if that was the case, 0 if this is not such a backslash. */
static int line_ending_backslash(struct parser *ps)
{
	const char *q = ps->p; /* just after the backslash */
	while (*q == ' ' || *q == '\t')
		q++;
	if (*q != '\n' && !(q[0] == '\r' && q[1] == '\n'))
		return 0;
	ps->p = q;
	for (;;) {
		skip_ws(ps);
		if (!eat_newline(ps))
			return 1;
	}
}

/* ps->p is just after a backslash. */
static int parse_escape(struct parser *ps, struct buf *out, bool multiline)
{
	char c = *ps->p;

	if (multiline && line_ending_backslash(ps))
		return 0;
	ps->p++;
	switch (c) {
	case 'b': buf_putc(out, '\b'); return 0;
	case 't': buf_putc(out, '\t'); return 0;
	case 'n': buf_putc(out, '\n'); return 0;
	case 'f': buf_putc(out, '\f'); return 0;
	case 'r': buf_putc(out, '\r'); return 0;
	case '"': buf_putc(out, '"'); return 0;
	case '\\': buf_putc(out, '\\'); return 0;
	case 'u': return hex_escape(ps, 4, out);
	case 'U': return hex_escape(ps, 8, out);
	default: {
		char what[32];
		return fail_at(ps, ps->p - 2, "invalid escape sequence: backslash followed by %s",
			       describe_char(ps->p - 1, what, sizeof what));
	}
	}
}

/* A character of string content that is not a delimiter or escape. */
static int string_char(struct parser *ps, struct buf *out, bool multiline, const char *open)
{
	char c = *ps->p;

	if (c == '\0')
		return fail_at(ps, open, "unterminated string");
	if (multiline && eat_newline(ps)) {
		buf_putc(out, '\n'); /* CRLF is normalised to LF */
		return 0;
	}
	if (c == '\n' || (c == '\r' && ps->p[1] == '\n'))
		return fail_at(ps, ps->p, "newline in a single-line string");
	if (is_control(c))
		return fail_at(ps, ps->p, "control character U+%04X in string", (unsigned char)c);
	buf_putc(out, c);
	ps->p++;
	return 0;
}

/* Closing delimiter of a multi-line string: up to two quotes may precede
 * the closing three. Returns 1 when the string ended, 0 if the quotes were
 * content (already appended). */
static int multiline_quotes(struct parser *ps, struct buf *out, char q)
{
	size_t n = 0;
	while (ps->p[n] == q)
		n++;
	if (n < 3) {
		for (size_t i = 0; i < n; i++)
			buf_putc(out, q);
		ps->p += n;
		return 0;
	}
	if (n > 5)
		return fail_at(ps, ps->p + 5, "too many quotes at the end of a multi-line string");
	for (size_t i = 3; i < n; i++)
		buf_putc(out, q);
	ps->p += n;
	return 1;
}

/* Any of the four string kinds at ps->p. Keys pass allow_multiline=false. */
static int parse_string(struct parser *ps, struct buf *out, bool allow_multiline)
{
	const char *open = ps->p;
	char q = *ps->p;
	bool literal = q == '\'';
	bool multiline = allow_multiline && ps->p[1] == q && ps->p[2] == q;

	/* Allocate up front so that even "" yields a NUL-terminated string. */
	out->len = 0;
	out->cap = 16;
	out->s = rf_xrealloc(out->s, out->cap);
	out->s[0] = '\0';

	if (multiline) {
		ps->p += 3;
		eat_newline(ps); /* a newline right after the delimiter is trimmed */
	} else {
		ps->p++;
	}
	for (;;) {
		char c = *ps->p;
		int r;
		if (c == q) {
			if (!multiline) {
				ps->p++;
				return 0;
			}
			r = multiline_quotes(ps, out, q);
			if (r != 0)
				return r < 0 ? -1 : 0;
			continue;
		}
		if (c == '\\' && !literal) {
			ps->p++;
			r = parse_escape(ps, out, multiline);
		} else {
			r = string_char(ps, out, multiline, open);
		}
		if (r < 0)
			return -1;
	}
}

/* ------------------------------------------------------------------ */
/* keys                                                               */

static void keypath_free(struct keypath *kp)
{
	for (size_t i = 0; i < kp->n; i++)
		free(kp->part[i].s);
	free(kp->part);
	kp->part = NULL;
	kp->n = kp->cap = 0;
}

static int parse_key_part(struct parser *ps, struct keypath *kp)
{
	struct keypart part = {.at = ps->p};
	char c = *ps->p;

	locate(ps, ps->p, &part.line, &part.col);

	if (kp->n >= RF_TOML_MAX_DEPTH)
		return fail_at(ps, ps->p, "key has more than %d parts", RF_TOML_MAX_DEPTH);
	if (c == '"' || c == '\'') {
		struct buf b = {0};
		if (parse_string(ps, &b, false) < 0) {
			free(b.s);
			return -1;
		}
		part.s = b.s;
		part.len = b.len;
	} else if (is_bare_key_char(c)) {
		const char *start = ps->p;
		while (is_bare_key_char(*ps->p))
			ps->p++;
		part.len = (size_t)(ps->p - start);
		part.s = rf_xmalloc(part.len + 1);
		memcpy(part.s, start, part.len);
		part.s[part.len] = '\0';
	} else {
		return fail_unexpected(ps, ps->p, "a key");
	}
	if (kp->n == kp->cap) {
		kp->cap = kp->cap ? kp->cap * 2 : 4;
		kp->part = rf_xrealloc(kp->part, kp->cap * sizeof *kp->part);
	}
	kp->part[kp->n++] = part;
	return 0;
}

/* A key, possibly dotted, with whitespace allowed around the dots. */
static int parse_key(struct parser *ps, struct keypath *kp)
{
	for (;;) {
		if (parse_key_part(ps, kp) < 0)
			return -1;
		skip_ws(ps);
		if (*ps->p != '.')
			return 0;
		ps->p++;
		skip_ws(ps);
	}
}

/* ------------------------------------------------------------------ */
/* numbers                                                            */

/* A run of digits with single underscores between them, copied without
 * the underscores. Returns the number of digits, or -1 on a misplaced '_'. */
static int digit_run(struct parser *ps, bool (*isdig)(char), struct buf *out)
{
	int n = 0;
	while (isdig(*ps->p)) {
		buf_putc(out, *ps->p++);
		n++;
		if (*ps->p == '_') {
			if (!isdig(ps->p[1]))
				return fail_at(ps, ps->p, "'_' in a number must be between two digits");
			ps->p++;
		}
	}
	if (n == 0 && *ps->p == '_')
		return fail_at(ps, ps->p, "'_' in a number must be between two digits");
	return n;
}

/* Accumulate digits (no underscores) into a magnitude, failing past max. */
static bool accumulate(const char *digits, unsigned base, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	for (const char *d = digits; *d; d++) {
		unsigned dv = (unsigned)(is_digit(*d) ? *d - '0' : (*d | 0x20) - 'a' + 10);
		if (v > (max - dv) / base)
			return false;
		v = v * base + dv;
	}
	*out = v;
	return true;
}

/* 0x, 0o, 0b integers: no sign, leading zeros allowed after the prefix. */
static struct rf_toml_value *parse_prefixed_int(struct parser *ps, const char *start)
{
	static const struct {
		char letter;
		unsigned base;
		bool (*isdig)(char);
		const char *name;
	} kinds[] = {
		{'x', 16, is_hex, "hexadecimal"},
		{'o', 8, is_oct, "octal"},
		{'b', 2, is_bin, "binary"},
	};
	struct buf digits = {0};
	struct rf_toml_value *v = NULL;
	uint64_t mag;
	size_t k = 0;

	while (kinds[k].letter != ps->p[1])
		k++;
	ps->p += 2;
	int n = digit_run(ps, kinds[k].isdig, &digits);
	if (n == 0)
		fail_at(ps, start, "%s integer without digits", kinds[k].name);
	else if (n > 0 && !accumulate(digits.s, kinds[k].base, INT64_MAX, &mag))
		fail_at(ps, start, "integer does not fit in 64 bits");
	else if (n > 0) {
		v = value_new(ps, RF_TOML_INTEGER, start);
		v->u.i = (int64_t)mag;
	}
	free(digits.s);
	return v;
}

/* locale-independent strtod: a config must not parse differently because
 * the caller ran setlocale(). One C locale object is kept for the process. */
static double c_strtod(const char *s)
{
	static locale_t c_loc;
	locale_t loc = __atomic_load_n(&c_loc, __ATOMIC_ACQUIRE);

	if (!loc) {
		locale_t expected = (locale_t)0;
		loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
		if (!loc)
			return strtod(s, NULL);
		if (!__atomic_compare_exchange_n(&c_loc, &expected, loc, false, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE)) {
			freelocale(loc);
			loc = expected;
		}
	}
	return strtod_l(s, NULL, loc);
}

/* Decimal integers and floats. The grammar is checked here; the text is
 * rebuilt without underscores and handed to strtod / accumulate. */
static struct rf_toml_value *parse_decimal(struct parser *ps, const char *start)
{
	struct buf num = {0};
	struct rf_toml_value *v = NULL;
	bool negative = false, is_float = false;
	size_t int_start;
	int n;

	if (*ps->p == '+' || *ps->p == '-') {
		negative = *ps->p == '-';
		buf_putc(&num, *ps->p++);
	}
	int_start = num.len;
	n = digit_run(ps, is_digit, &num);
	if (n == 0)
		fail_unexpected(ps, ps->p, "a value");
	if (n <= 0)
		goto out;
	if (n > 1 && num.s[int_start] == '0') {
		fail_at(ps, start, "leading zeros are not allowed in decimal numbers");
		goto out;
	}
	if (*ps->p == '.') {
		is_float = true;
		buf_putc(&num, *ps->p++);
		n = digit_run(ps, is_digit, &num);
		if (n == 0)
			fail_at(ps, ps->p, "a decimal point must be followed by digits");
		if (n <= 0)
			goto out;
	}
	if (*ps->p == 'e' || *ps->p == 'E') {
		is_float = true;
		buf_putc(&num, *ps->p++);
		if (*ps->p == '+' || *ps->p == '-')
			buf_putc(&num, *ps->p++);
		n = digit_run(ps, is_digit, &num);
		if (n == 0)
			fail_at(ps, ps->p, "an exponent must have digits");
		if (n <= 0)
			goto out;
	}

	if (is_float) {
		double d = c_strtod(num.s);
		if (isinf(d)) {
			fail_at(ps, start, "float out of range");
			goto out;
		}
		v = value_new(ps, RF_TOML_FLOAT, start);
		v->u.f = d;
	} else {
		uint64_t mag;
		/* |INT64_MIN| = INT64_MAX + 1 */
		uint64_t max = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
		if (!accumulate(num.s + int_start, 10, max, &mag)) {
			fail_at(ps, start, "integer does not fit in 64 bits");
			goto out;
		}
		v = value_new(ps, RF_TOML_INTEGER, start);
		/* -(INT64_MAX + 1) has no positive counterpart to negate */
		v->u.i = !negative ? (int64_t)mag : mag > INT64_MAX ? INT64_MIN : -(int64_t)mag;
	}
out:
	free(num.s);
	return v;
}

/* inf and nan, with an optional sign. */
static struct rf_toml_value *parse_special_float(struct parser *ps, const char *start)
{
	const char *q = ps->p;
	double sign = 1.0, d;

	if (*q == '+' || *q == '-')
		sign = *q++ == '-' ? -1.0 : 1.0;
	if (strncmp(q, "inf", 3) == 0)
		d = sign * INFINITY;
	else if (strncmp(q, "nan", 3) == 0)
		d = copysign(NAN, sign);
	else {
		fail_unexpected(ps, start, "a value");
		return NULL;
	}
	ps->p = q + 3;
	struct rf_toml_value *v = value_new(ps, RF_TOML_FLOAT, start);
	v->u.f = d;
	return v;
}

/* ------------------------------------------------------------------ */
/* dates and times                                                    */

/* Exactly n digits as a number, or -1. */
static int fixed_digits(const char *p, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!is_digit(p[i]))
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

static int days_in_month(int year, int month)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return month == 2 && leap ? 29 : days[month - 1];
}

/* YYYY-MM-DD */
static int parse_date(struct parser *ps, struct rf_toml_datetime *dt)
{
	const char *p = ps->p;
	dt->year = fixed_digits(p, 4);
	dt->month = p[4] == '-' ? fixed_digits(p + 5, 2) : -1;
	dt->day = dt->month >= 0 && p[7] == '-' ? fixed_digits(p + 8, 2) : -1;
	if (dt->year < 0 || dt->month < 0 || dt->day < 0 || is_digit(p[10]))
		return fail_at(ps, p, "malformed date (expected YYYY-MM-DD)");
	if (dt->month < 1 || dt->month > 12)
		return fail_at(ps, p, "month %02d out of range", dt->month);
	if (dt->day < 1 || dt->day > days_in_month(dt->year, dt->month))
		return fail_at(ps, p, "day %02d out of range for %04d-%02d", dt->day, dt->year, dt->month);
	dt->has_date = true;
	ps->p += 10;
	return 0;
}

/* HH:MM:SS[.fraction]; *frac and *frac_len get the fraction digits as written. */
static int parse_time(struct parser *ps, struct rf_toml_datetime *dt, const char **frac,
		      size_t *frac_len)
{
	const char *p = ps->p;
	dt->hour = fixed_digits(p, 2);
	dt->minute = dt->hour >= 0 && p[2] == ':' ? fixed_digits(p + 3, 2) : -1;
	dt->second = dt->minute >= 0 && p[5] == ':' ? fixed_digits(p + 6, 2) : -1;
	if (dt->hour < 0 || dt->minute < 0 || dt->second < 0 || is_digit(p[8]))
		return fail_at(ps, p, "malformed time (expected HH:MM:SS)");
	if (dt->hour > 23 || dt->minute > 59 || dt->second > 60)
		return fail_at(ps, p, "time %.8s out of range", p);
	p += 8;
	*frac = NULL;
	*frac_len = 0;
	if (*p == '.') {
		const char *d = ++p;
		while (is_digit(*p))
			p++;
		if (p == d)
			return fail_at(ps, d, "fractional seconds need digits after '.'");
		*frac = d;
		*frac_len = (size_t)(p - d);
		/* Keep nanoseconds; further digits are truncated, as the spec allows. */
		for (size_t i = 0; i < 9; i++)
			dt->nanosecond = dt->nanosecond * 10 + (i < *frac_len ? d[i] - '0' : 0);
	}
	dt->has_time = true;
	ps->p = p;
	return 0;
}

/* Z, z or +HH:MM / -HH:MM, if present. */
static int parse_offset(struct parser *ps, struct rf_toml_datetime *dt)
{
	const char *p = ps->p;
	if (*p == 'Z' || *p == 'z') {
		dt->has_offset = true;
		ps->p++;
		return 0;
	}
	if (*p != '+' && *p != '-')
		return 0;
	int h = fixed_digits(p + 1, 2);
	int m = h >= 0 && p[3] == ':' ? fixed_digits(p + 4, 2) : -1;
	if (h < 0 || m < 0 || is_digit(p[6]))
		return fail_at(ps, p, "malformed time offset (expected Z or +HH:MM)");
	if (h > 23 || m > 59)
		return fail_at(ps, p, "time offset %.6s out of range", p);
	dt->has_offset = true;
	dt->offset_minutes = (*p == '-' ? -1 : 1) * (h * 60 + m);
	ps->p += 6;
	return 0;
}

static void datetime_format(struct rf_toml_datetime *dt, const char *frac, size_t frac_len,
			    const char *offset_text)
{
	char *t = dt->text;
	size_t cap = sizeof dt->text, o = 0;

	if (dt->has_date)
		o += (size_t)snprintf(t + o, cap - o, "%04d-%02d-%02d%s", dt->year, dt->month, dt->day,
				      dt->has_time ? "T" : "");
	if (dt->has_time) {
		o += (size_t)snprintf(t + o, cap - o, "%02d:%02d:%02d", dt->hour, dt->minute, dt->second);
		if (frac)
			o += (size_t)snprintf(t + o, cap - o, ".%.*s", (int)(frac_len > 9 ? 9 : frac_len),
					      frac);
	}
	if (dt->has_offset) {
		if (*offset_text == 'Z' || *offset_text == 'z')
			snprintf(t + o, cap - o, "Z");
		else
			snprintf(t + o, cap - o, "%.6s", offset_text);
	}
}

/* A date, a date-time (offset or local) or a local time at ps->p. */
static struct rf_toml_value *parse_datetime(struct parser *ps, const char *start)
{
	struct rf_toml_datetime dt = {0};
	const char *frac = NULL, *offset_text = NULL;
	size_t frac_len = 0;
	enum rf_toml_type type;

	if (is_digit(start[2]) && parse_date(ps, &dt) < 0)
		return NULL;
	if (dt.has_date) {
		/* 'T', 't', or a space followed by a time, introduce the time part. */
		char sep = *ps->p;
		bool time_follows = sep == 'T' || sep == 't' ||
				    (sep == ' ' && fixed_digits(ps->p + 1, 2) >= 0 && ps->p[3] == ':');
		if (time_follows) {
			ps->p++;
			if (parse_time(ps, &dt, &frac, &frac_len) < 0)
				return NULL;
			offset_text = ps->p;
			if (parse_offset(ps, &dt) < 0)
				return NULL;
		}
	} else if (parse_time(ps, &dt, &frac, &frac_len) < 0) {
		return NULL;
	}

	if (dt.has_offset)
		type = RF_TOML_DATETIME;
	else if (dt.has_date && dt.has_time)
		type = RF_TOML_DATETIME_LOCAL;
	else if (dt.has_date)
		type = RF_TOML_DATE_LOCAL;
	else
		type = RF_TOML_TIME_LOCAL;
	datetime_format(&dt, frac, frac_len, offset_text);

	struct rf_toml_value *v = value_new(ps, type, start);
	v->u.dt = rf_xmalloc(sizeof dt);
	*v->u.dt = dt;
	return v;
}

/* ------------------------------------------------------------------ */
/* values                                                             */

static struct rf_toml_value *parse_value(struct parser *ps, unsigned depth);
static int parse_keyval(struct parser *ps, struct rf_toml_value *table);

/* Scalars must be followed by something that can end a value; this turns
 * "truex", "1.2.3" or "0x1g" into one clear error. */
static struct rf_toml_value *check_value_end(struct parser *ps, struct rf_toml_value *v,
					     const char *start)
{
	char c = *ps->p;
	if (!v || c == '\0' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '#' ||
	    c == ',' || c == ']' || c == '}')
		return v;
	value_free(v);
	fail_at(ps, start, "invalid value");
	return NULL;
}

static struct rf_toml_value *parse_array(struct parser *ps, unsigned depth)
{
	struct rf_toml_value *a = container_new(ps, RF_TOML_ARRAY, depth);
	if (!a)
		return NULL;
	ps->p++; /* '[' */
	for (;;) {
		if (skip_ws_nl_comments(ps) < 0)
			goto fail;
		if (*ps->p == ']')
			break;
		struct rf_toml_value *item = parse_value(ps, depth + 1);
		if (!item)
			goto fail;
		array_push(a, item);
		if (skip_ws_nl_comments(ps) < 0)
			goto fail;
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == ']')
			break;
		fail_unexpected(ps, ps->p, "',' or ']' in array");
		goto fail;
	}
	ps->p++; /* ']' */
	return a;
fail:
	value_free(a);
	return NULL;
}

/* { key = value, ... } on one line, no trailing comma (TOML 1.0). */
static struct rf_toml_value *parse_inline_table(struct parser *ps, unsigned depth)
{
	struct rf_toml_value *t = container_new(ps, RF_TOML_TABLE, depth);
	if (!t)
		return NULL;
	/* While being filled it behaves like a dotted-key table, so that
	 * { a.b = 1, a.c = 2 } works; once closed nothing may be added. */
	t->kind = TK_DOTTED;
	ps->p++; /* '{' */
	skip_ws(ps);
	if (*ps->p != '}') {
		for (;;) {
			if (parse_keyval(ps, t) < 0)
				goto fail;
			skip_ws(ps);
			if (*ps->p == '}')
				break;
			if (*ps->p != ',') {
				fail_unexpected(ps, ps->p, "',' or '}' in inline table");
				goto fail;
			}
			ps->p++;
			skip_ws(ps);
			if (*ps->p == '}') {
				fail_at(ps, ps->p, "trailing comma in inline table");
				goto fail;
			}
		}
	}
	ps->p++; /* '}' */
	t->kind = TK_INLINE;
	return t;
fail:
	value_free(t);
	return NULL;
}

static struct rf_toml_value *parse_string_value(struct parser *ps, const char *start)
{
	struct buf b = {0};
	if (parse_string(ps, &b, true) < 0) {
		free(b.s);
		return NULL;
	}
	struct rf_toml_value *v = value_new(ps, RF_TOML_STRING, start);
	v->u.str.s = b.s;
	v->u.str.len = b.len;
	return v;
}

static struct rf_toml_value *parse_bool(struct parser *ps, const char *start)
{
	bool t = strncmp(ps->p, "true", 4) == 0;
	if (!t && strncmp(ps->p, "false", 5) != 0) {
		fail_unexpected(ps, start, "a value");
		return NULL;
	}
	ps->p += t ? 4 : 5;
	struct rf_toml_value *v = value_new(ps, RF_TOML_BOOL, start);
	v->u.b = t;
	return v;
}

/* `depth` is the depth the value will have if it is a container. */
static struct rf_toml_value *parse_value(struct parser *ps, unsigned depth)
{
	const char *start = ps->p;
	char c = *start;
	struct rf_toml_value *v;

	if (c == '"' || c == '\'')
		return parse_string_value(ps, start);
	if (c == '[')
		return parse_array(ps, depth);
	if (c == '{')
		return parse_inline_table(ps, depth);

	if (c == 't' || c == 'f')
		v = parse_bool(ps, start);
	else if (c == 'i' || c == 'n' || ((c == '+' || c == '-') && (start[1] == 'i' || start[1] == 'n')))
		v = parse_special_float(ps, start);
	else if (is_digit(c) && is_digit(start[1]) &&
		 ((is_digit(start[2]) && is_digit(start[3]) && start[4] == '-') || start[2] == ':'))
		v = parse_datetime(ps, start);
	else if (c == '0' && (start[1] == 'x' || start[1] == 'o' || start[1] == 'b'))
		v = parse_prefixed_int(ps, start);
	else if (is_digit(c) || c == '+' || c == '-')
		v = parse_decimal(ps, start);
	else {
		fail_unexpected(ps, start, "a value");
		return NULL;
	}
	return check_value_end(ps, v, start);
}

/* ------------------------------------------------------------------ */
/* key/value pairs and headers                                        */

static const char *kind_article(const struct rf_toml_value *v)
{
	switch (v->type) {
	case RF_TOML_TABLE:
		return v->kind == TK_INLINE ? "an inline table" : v->kind == TK_HEADER ? "a [table]" : "a table";
	case RF_TOML_ARRAY:
		return v->aot ? "an array of tables" : "an array";
	case RF_TOML_INTEGER:
		return "an integer";
	case RF_TOML_STRING:
		return "a string";
	case RF_TOML_FLOAT:
		return "a float";
	case RF_TOML_BOOL:
		return "a boolean";
	default:
		return "a date/time";
	}
}

/* An implicitly created table is being defined: from now on its position
 * is that of the definition, which is what messages should point to. */
static void set_defined(struct rf_toml_entry *en, const struct keypart *k)
{
	en->line = en->value->line = k->line;
	en->column = en->value->column = k->col;
}

/* a.b.c = value inside `table` (the current section, or an inline table). */
static int parse_keyval(struct parser *ps, struct rf_toml_value *table)
{
	struct keypath kp = {0};
	struct rf_toml_value *t = table, *v;
	struct keypart *last;
	struct rf_toml_entry *dup;
	char name[256];
	int ret = -1;

	if (parse_key(ps, &kp) < 0)
		goto out;
	if (*ps->p != '=') {
		fail_unexpected(ps, ps->p, "'=' after a key");
		goto out;
	}
	ps->p++;
	skip_ws(ps);

	/* Walk or create the tables named by all but the last part. */
	for (size_t i = 0; i + 1 < kp.n; i++) {
		struct keypart *k = &kp.part[i];
		struct rf_toml_entry *en = table_find(t, k->s, k->len);
		if (!en) {
			struct rf_toml_value *child = key_container(ps, RF_TOML_TABLE, k, t->depth + 1u);
			if (!child)
				goto out;
			child->kind = TK_DOTTED;
			table_add(t, k, child);
			t = child;
			continue;
		}
		v = en->value;
		if (v->type != RF_TOML_TABLE || v->kind == TK_HEADER || v->kind == TK_INLINE) {
			path_display(&kp, i + 1, name, sizeof name);
			fail_at(ps, k->at, "cannot add keys to '%s' with a dotted key: it is %s defined at line %u",
				name, kind_article(v), en->line);
			goto out;
		}
		if (v->kind == TK_IMPLICIT)
			set_defined(en, k);
		v->kind = TK_DOTTED; /* now defined by dotted keys: no [header] for it later */
		t = v;
	}

	last = &kp.part[kp.n - 1];
	dup = table_find(t, last->s, last->len);
	if (dup) {
		path_display(&kp, kp.n, name, sizeof name);
		fail_at(ps, last->at, "duplicate key '%s' (first defined at line %u)", name, dup->line);
		goto out;
	}
	v = parse_value(ps, t->depth + 1u);
	if (!v)
		goto out;
	table_add(t, last, v);
	ret = 0;
out:
	keypath_free(&kp);
	return ret;
}

/* Descend one header key part from t, creating an implicit table if needed. */
static struct rf_toml_value *header_descend(struct parser *ps, struct rf_toml_value *t,
					    const struct keypath *kp, size_t i)
{
	const struct keypart *k = &kp->part[i];
	struct rf_toml_entry *en = table_find(t, k->s, k->len);
	char name[256];

	if (!en) {
		struct rf_toml_value *child = key_container(ps, RF_TOML_TABLE, k, t->depth + 1u);
		if (child) {
			child->kind = TK_IMPLICIT;
			table_add(t, k, child);
		}
		return child;
	}
	if (en->value->type == RF_TOML_TABLE && en->value->kind != TK_INLINE)
		return en->value;
	/* [[a]] then [a.b]: b goes into the last table of the array. */
	if (en->value->type == RF_TOML_ARRAY && en->value->aot)
		return en->value->u.arr.items[en->value->u.arr.len - 1];
	path_display(kp, i + 1, name, sizeof name);
	fail_at(ps, k->at, "cannot define a table inside '%s': it is %s defined at line %u", name,
		kind_article(en->value), en->line);
	return NULL;
}

/* [a.b] : define a table once. */
static struct rf_toml_value *header_table(struct parser *ps, struct rf_toml_value *t,
					  const struct keypath *kp)
{
	const struct keypart *k = &kp->part[kp->n - 1];
	struct rf_toml_entry *en = table_find(t, k->s, k->len);
	char name[256];

	if (!en) {
		struct rf_toml_value *child = key_container(ps, RF_TOML_TABLE, k, t->depth + 1u);
		if (child) {
			child->kind = TK_HEADER;
			table_add(t, k, child);
		}
		return child;
	}
	if (en->value->type == RF_TOML_TABLE && en->value->kind == TK_IMPLICIT) {
		/* Created as the parent of an earlier header; this is its definition. */
		en->value->kind = TK_HEADER;
		set_defined(en, k);
		return en->value;
	}
	path_display(kp, kp->n, name, sizeof name);
	if (en->value->type == RF_TOML_TABLE)
		fail_at(ps, k->at, "table '%s' is already defined at line %u", name, en->line);
	else
		fail_at(ps, k->at, "cannot define table '%s': it is %s defined at line %u", name,
			kind_article(en->value), en->line);
	return NULL;
}

/* [[a.b]] : append a table to an array of tables. */
static struct rf_toml_value *header_array_table(struct parser *ps, struct rf_toml_value *t,
						const struct keypath *kp)
{
	const struct keypart *k = &kp->part[kp->n - 1];
	struct rf_toml_entry *en = table_find(t, k->s, k->len);
	struct rf_toml_value *arr, *child;
	char name[256];

	if (!en) {
		arr = key_container(ps, RF_TOML_ARRAY, k, t->depth + 1u);
		if (!arr)
			return NULL;
		arr->aot = true;
		table_add(t, k, arr);
	} else if (en->value->type == RF_TOML_ARRAY && en->value->aot) {
		arr = en->value;
	} else {
		path_display(kp, kp->n, name, sizeof name);
		fail_at(ps, k->at, "cannot append to '%s' with [[...]]: it is %s defined at line %u", name,
			kind_article(en->value), en->line);
		return NULL;
	}
	child = key_container(ps, RF_TOML_TABLE, k, arr->depth + 1u);
	if (!child)
		return NULL;
	child->kind = TK_HEADER;
	array_push(arr, child);
	return child;
}

/* [table] or [[array.of.tables]]: makes the named table current. */
static int parse_header(struct parser *ps)
{
	struct keypath kp = {0};
	struct rf_toml_value *t = ps->root;
	bool aot = ps->p[1] == '[';
	int ret = -1;

	ps->p += aot ? 2 : 1;
	skip_ws(ps);
	if (parse_key(ps, &kp) < 0)
		goto out;
	if (*ps->p != ']' || (aot && ps->p[1] != ']')) {
		fail_unexpected(ps, ps->p + (*ps->p == ']'), aot ? "']]' to close the header" : "']' to close the header");
		goto out;
	}
	ps->p += aot ? 2 : 1;

	for (size_t i = 0; t && i + 1 < kp.n; i++)
		t = header_descend(ps, t, &kp, i);
	if (t)
		t = aot ? header_array_table(ps, t, &kp) : header_table(ps, t, &kp);
	if (t) {
		ps->cur = t;
		ret = 0;
	}
out:
	keypath_free(&kp);
	return ret;
}

static int parse_document(struct parser *ps)
{
	for (;;) {
		skip_ws(ps);
		if (*ps->p == '\0')
			return 0;
		if (eat_newline(ps))
			continue;
		if (*ps->p == '#') {
			if (skip_comment(ps) < 0)
				return -1;
		} else if (*ps->p == '[') {
			if (parse_header(ps) < 0)
				return -1;
		} else if (parse_keyval(ps, ps->cur) < 0) {
			return -1;
		}
		if (expect_line_end(ps) < 0)
			return -1;
	}
}

/* ------------------------------------------------------------------ */
/* whole-input checks                                                 */

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid.
 * Rejects overlong forms, surrogates and code points past U+10FFFF. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xBF; /* range of the second byte */

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		if (c == 0xE0)
			lo = 0xA0; /* overlong */
		if (c == 0xED)
			hi = 0x9F; /* surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		if (c == 0xF0)
			lo = 0x90; /* overlong */
		if (c == 0xF4)
			hi = 0x8F; /* > U+10FFFF */
	} else {
		return 0;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return len;
}

static int check_encoding(struct parser *ps, size_t len)
{
	const unsigned char *s = (const unsigned char *)ps->src;
	for (size_t i = 0; i < len;) {
		size_t n;
		if (s[i] == 0)
			return fail_at(ps, ps->src + i, "NUL byte in document");
		n = utf8_seq(s + i, len - i);
		if (n == 0)
			return fail_at(ps, ps->src + i, "invalid UTF-8");
		i += n;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* public API                                                         */

struct rf_toml_value *rf_toml_parse(const char *text, size_t len, const char *filename,
				    struct rf_error *e)
{
	struct parser ps = {.filename = filename ? filename : "<input>", .e = e};
	char *copy;
	int r;

	if (len > RF_TOML_MAX_INPUT) {
		rf_fail(e, 0, "%s: document larger than %zu bytes", ps.filename, RF_TOML_MAX_INPUT);
		return NULL;
	}
	/* A UTF-8 byte order mark is allowed at the very start only. */
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
		text += 3;
		len -= 3;
	}
	copy = rf_xmalloc(len + 1);
	if (len)
		memcpy(copy, text, len);
	copy[len] = '\0';
	ps.src = ps.p = copy;

	r = check_encoding(&ps, len);
	if (r == 0) {
		ps.root = value_new(&ps, RF_TOML_TABLE, ps.src);
		ps.root->kind = TK_HEADER;
		ps.cur = ps.root;
		r = parse_document(&ps);
	}
	free(copy);
	if (r < 0) {
		value_free(ps.root);
		return NULL;
	}
	return ps.root;
}

void rf_toml_free(struct rf_toml_value *root)
{
	value_free(root);
}

enum rf_toml_type rf_toml_type(const struct rf_toml_value *v)
{
	return v ? v->type : RF_TOML_NONE;
}

const char *rf_toml_type_name(enum rf_toml_type t)
{
	switch (t) {
	case RF_TOML_NONE: return "nothing";
	case RF_TOML_STRING: return "string";
	case RF_TOML_INTEGER: return "integer";
	case RF_TOML_FLOAT: return "float";
	case RF_TOML_BOOL: return "boolean";
	case RF_TOML_DATETIME: return "offset date-time";
	case RF_TOML_DATETIME_LOCAL: return "local date-time";
	case RF_TOML_DATE_LOCAL: return "local date";
	case RF_TOML_TIME_LOCAL: return "local time";
	case RF_TOML_ARRAY: return "array";
	case RF_TOML_TABLE: return "table";
	}
	return "unknown";
}

unsigned rf_toml_line(const struct rf_toml_value *v)
{
	return v ? v->line : 0;
}

unsigned rf_toml_column(const struct rf_toml_value *v)
{
	return v ? v->column : 0;
}

size_t rf_toml_table_len(const struct rf_toml_value *t)
{
	return t && t->type == RF_TOML_TABLE ? t->u.tab.len : 0;
}

const struct rf_toml_entry *rf_toml_table_at(const struct rf_toml_value *t, size_t i)
{
	return i < rf_toml_table_len(t) ? &t->u.tab.entries[i] : NULL;
}

const struct rf_toml_entry *rf_toml_table_find(const struct rf_toml_value *t, const char *key,
					       size_t key_len)
{
	if (!t || t->type != RF_TOML_TABLE || !key)
		return NULL;
	return table_find(t, key, key_len);
}

const struct rf_toml_value *rf_toml_table_get(const struct rf_toml_value *t, const char *key)
{
	const struct rf_toml_entry *en = rf_toml_table_find(t, key, key ? strlen(key) : 0);
	return en ? en->value : NULL;
}

size_t rf_toml_array_len(const struct rf_toml_value *a)
{
	return a && a->type == RF_TOML_ARRAY ? a->u.arr.len : 0;
}

const struct rf_toml_value *rf_toml_array_at(const struct rf_toml_value *a, size_t i)
{
	return i < rf_toml_array_len(a) ? a->u.arr.items[i] : NULL;
}

const char *rf_toml_string(const struct rf_toml_value *v, size_t *len)
{
	if (!v || v->type != RF_TOML_STRING) {
		if (len)
			*len = 0;
		return NULL;
	}
	if (len)
		*len = v->u.str.len;
	return v->u.str.s;
}

int64_t rf_toml_int(const struct rf_toml_value *v)
{
	return v && v->type == RF_TOML_INTEGER ? v->u.i : 0;
}

double rf_toml_float(const struct rf_toml_value *v)
{
	return v && v->type == RF_TOML_FLOAT ? v->u.f : 0.0;
}

bool rf_toml_bool(const struct rf_toml_value *v)
{
	return v && v->type == RF_TOML_BOOL && v->u.b;
}

const struct rf_toml_datetime *rf_toml_datetime(const struct rf_toml_value *v)
{
	if (!v)
		return NULL;
	switch (v->type) {
	case RF_TOML_DATETIME:
	case RF_TOML_DATETIME_LOCAL:
	case RF_TOML_DATE_LOCAL:
	case RF_TOML_TIME_LOCAL:
		return v->u.dt;
	default:
		return NULL;
	}
}
