/* toml-test decoder: TOML on stdin, tagged JSON on stdout (exit 0), or an
 * error on stderr (exit 1). See /work/shared/toml-test/README.md. */
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "toml.h"
#include "util.h"

static json_t *to_json(const struct rf_toml_value *v);

static json_t *tagged(const char *type, const char *value)
{
	return json_pack("{s:s, s:s}", "type", type, "value", value);
}

static json_t *float_json(double d)
{
	char text[64];
	if (isnan(d))
		snprintf(text, sizeof text, "nan");
	else if (isinf(d))
		snprintf(text, sizeof text, "%sinf", d < 0 ? "-" : "");
	else /* the shortest text that reads back as the same double */
		for (int prec = 15; prec <= 17; prec++) {
			snprintf(text, sizeof text, "%.*g", prec, d);
			if (strtod(text, NULL) == d)
				break;
		}
	return tagged("float", text);
}

static json_t *table_json(const struct rf_toml_value *t)
{
	json_t *obj = json_object();
	for (size_t i = 0; i < rf_toml_table_len(t); i++) {
		const struct rf_toml_entry *en = rf_toml_table_at(t, i);
		/* with its length: keys may contain "\u0000" */
		json_object_setn_new(obj, en->key, en->key_len, to_json(en->value));
	}
	return obj;
}

static json_t *to_json(const struct rf_toml_value *v)
{
	char text[32];
	size_t len;
	const char *s;

	switch (rf_toml_type(v)) {
	case RF_TOML_STRING:
		s = rf_toml_string(v, &len);
		return json_pack("{s:s, s:s%}", "type", "string", "value", s, len);
	case RF_TOML_INTEGER:
		snprintf(text, sizeof text, "%" PRId64, rf_toml_int(v));
		return tagged("integer", text);
	case RF_TOML_FLOAT:
		return float_json(rf_toml_float(v));
	case RF_TOML_BOOL:
		return tagged("bool", rf_toml_bool(v) ? "true" : "false");
	case RF_TOML_DATETIME:
		return tagged("datetime", rf_toml_datetime(v)->text);
	case RF_TOML_DATETIME_LOCAL:
		return tagged("datetime-local", rf_toml_datetime(v)->text);
	case RF_TOML_DATE_LOCAL:
		return tagged("date-local", rf_toml_datetime(v)->text);
	case RF_TOML_TIME_LOCAL:
		return tagged("time-local", rf_toml_datetime(v)->text);
	case RF_TOML_ARRAY: {
		json_t *arr = json_array();
		for (size_t i = 0; i < rf_toml_array_len(v); i++)
			json_array_append_new(arr, to_json(rf_toml_array_at(v, i)));
		return arr;
	}
	case RF_TOML_TABLE:
		return table_json(v);
	case RF_TOML_NONE:
		break;
	}
	return json_null();
}

static char *read_stdin(size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = rf_xmalloc(cap);
	for (;;) {
		size_t r;
		if (n == cap) {
			cap *= 2;
			buf = rf_xrealloc(buf, cap);
		}
		r = fread(buf + n, 1, cap - n, stdin);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(stdin)) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

int main(void)
{
	struct rf_error e = {0};
	size_t len = 0;
	char *text = read_stdin(&len);
	struct rf_toml_value *root;
	json_t *json;

	if (!text) {
		fprintf(stderr, "toml_decode: cannot read stdin\n");
		return 2;
	}
	root = rf_toml_parse(text, len, "stdin", &e);
	free(text);
	if (!root) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}
	json = to_json(root);
	rf_toml_free(root);
	if (!json || json_dumpf(json, stdout, JSON_INDENT(2)) < 0) {
		fprintf(stderr, "toml_decode: cannot write JSON\n");
		json_decref(json);
		return 2;
	}
	putchar('\n');
	json_decref(json);
	return 0;
}
