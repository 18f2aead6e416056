/* libFuzzer target for the TOML reader: parse arbitrary bytes, then walk
 * the whole tree through the public API (so that every accessor is run on
 * every kind of value) and free it. Crashes, leaks and sanitizer reports
 * are the findings; parse errors are expected and fine. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "toml.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t walk(const struct rf_toml_value *v)
{
	size_t n = 1, len = 0;

	switch (rf_toml_type(v)) {
	case RF_TOML_TABLE:
		for (size_t i = 0; i < rf_toml_table_len(v); i++) {
			const struct rf_toml_entry *en = rf_toml_table_at(v, i);
			/* Every key must be found again by lookup. */
			if (rf_toml_table_find(v, en->key, en->key_len) != en)
				__builtin_trap();
			n += walk(en->value);
		}
		break;
	case RF_TOML_ARRAY:
		for (size_t i = 0; i < rf_toml_array_len(v); i++)
			n += walk(rf_toml_array_at(v, i));
		break;
	case RF_TOML_STRING:
		if (strlen(rf_toml_string(v, &len)) > len)
			__builtin_trap();
		break;
	case RF_TOML_DATETIME:
	case RF_TOML_DATETIME_LOCAL:
	case RF_TOML_DATE_LOCAL:
	case RF_TOML_TIME_LOCAL:
		n += strlen(rf_toml_datetime(v)->text);
		break;
	default:
		n += (size_t)rf_toml_int(v) + (size_t)rf_toml_bool(v) + (rf_toml_float(v) != 0);
		break;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rf_error e;
	struct rf_toml_value *root = rf_toml_parse((const char *)data, size, "fuzz.toml", &e);
	if (root) {
		volatile size_t n = walk(root);
		(void)n;
		rf_toml_free(root);
	} else if (strncmp(e.msg, "fuzz.toml:", 10) != 0) {
		__builtin_trap(); /* every error names the file */
	}
	return 0;
}
