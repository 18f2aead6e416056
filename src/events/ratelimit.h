/* Flood control for the event stream: a token bucket (how many lines may be
 * written) and a bounded dedupe table (which violations were seen already).
 * Pure logic, no clock of its own: callers pass the time, so that tests can
 * drive it. Not thread-safe (events.c holds its lock around both). */
#ifndef RF_RATELIMIT_H
#define RF_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Up to `capacity` lines at once, refilled at `rate` lines a second. */
struct rf_bucket {
	double tokens, capacity, rate, last;
};

void rf_bucket_init(struct rf_bucket *b, double capacity, double rate, double now);
/* Take one token if there is one. */
bool rf_bucket_take(struct rf_bucket *b, double now);

/* Keys (byte strings) -> dense indices 0, 1, 2 ... in insertion order.
 * Bounded in entries and in key bytes, so that a command inventing new
 * paths forever cannot grow it without limit: once full, new keys are
 * not tracked (rf_dedupe_add returns -1). */
struct rf_dedupe {
	struct rf_dedupe_slot *slots; /* open addressing, power of two, at most half full */
	size_t nslots;
	char **keys;                  /* by index, room for cap */
	size_t *key_len;
	size_t n, cap, max_entries;
	size_t bytes, max_bytes;
};

void rf_dedupe_init(struct rf_dedupe *d, size_t max_entries, size_t max_bytes);
void rf_dedupe_free(struct rf_dedupe *d);
/* The index of `key`, inserting it when new (*is_new = true). -1 when the
 * key is new and the table is full. */
long rf_dedupe_add(struct rf_dedupe *d, const void *key, size_t len, bool *is_new);
/* The index of `key`, or -1. */
long rf_dedupe_find(const struct rf_dedupe *d, const void *key, size_t len);

uint64_t rf_hash_bytes(const void *p, size_t n);

#endif
