/* Token bucket and dedupe table: see ratelimit.h. */
#include "ratelimit.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

void rf_bucket_init(struct rf_bucket *b, double capacity, double rate, double now)
{
	b->capacity = capacity;
	b->tokens = capacity;
	b->rate = rate;
	b->last = now;
}

bool rf_bucket_take(struct rf_bucket *b, double now)
{
	if (now > b->last) {
		b->tokens += (now - b->last) * b->rate;
		if (b->tokens > b->capacity)
			b->tokens = b->capacity;
	}
	/* a clock that goes backwards refills nothing */
	b->last = now > b->last ? now : b->last;
	if (b->tokens < 1.0)
		return false;
	b->tokens -= 1.0;
	return true;
}

struct rf_dedupe_slot {
	uint64_t hash;
	long index; /* -1: empty */
};

/* FNV-1a, 64 bit: keys are short and not chosen to collide with a table
 * we never expose (a collision only costs a probe). */
uint64_t rf_hash_bytes(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* The table starts small and doubles as it fills (at most half full, so
 * that probing always ends at an empty slot): a run that sees no violation,
 * the usual case, does not pay for the 4096 entries it may hold (filling
 * 128 KiB of slots was 32 page faults at every start). */
#define DEDUPE_FIRST_SLOTS 64

static void alloc_slots(struct rf_dedupe *d, size_t nslots)
{
	d->slots = rf_xmalloc(nslots * sizeof *d->slots);
	d->nslots = nslots;
	for (size_t i = 0; i < nslots; i++)
		d->slots[i].index = -1;
}

void rf_dedupe_init(struct rf_dedupe *d, size_t max_entries, size_t max_bytes)
{
	memset(d, 0, sizeof *d);
	d->max_entries = max_entries ? max_entries : 1;
	d->max_bytes = max_bytes;
	alloc_slots(d, DEDUPE_FIRST_SLOTS);
}

void rf_dedupe_free(struct rf_dedupe *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->keys[i]);
	free(d->keys);
	free(d->key_len);
	free(d->slots);
	memset(d, 0, sizeof *d);
}

/* The slot holding `key`, or the empty slot where it would go. */
static size_t probe(const struct rf_dedupe *d, const void *key, size_t len, uint64_t h)
{
	size_t mask = d->nslots - 1;
	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		const struct rf_dedupe_slot *s = &d->slots[i];
		if (s->index < 0)
			return i;
		if (s->hash == h && d->key_len[s->index] == len && memcmp(d->keys[s->index], key, len) == 0)
			return i;
	}
}

/* Twice the slots, every key placed again where probe() will look for it
 * (the keys are distinct, so it finds the empty slot each belongs in). */
static void grow(struct rf_dedupe *d)
{
	struct rf_dedupe_slot *old = d->slots;
	size_t n_old = d->nslots;
	alloc_slots(d, n_old * 2);
	for (size_t i = 0; i < n_old; i++) {
		long k = old[i].index;
		if (k >= 0)
			d->slots[probe(d, d->keys[k], d->key_len[k], old[i].hash)] = old[i];
	}
	free(old);
}

long rf_dedupe_find(const struct rf_dedupe *d, const void *key, size_t len)
{
	if (!d->slots)
		return -1;
	return d->slots[probe(d, key, len, rf_hash_bytes(key, len))].index;
}

long rf_dedupe_add(struct rf_dedupe *d, const void *key, size_t len, bool *is_new)
{
	*is_new = false;
	uint64_t h = rf_hash_bytes(key, len);
	size_t slot = probe(d, key, len, h);
	if (d->slots[slot].index >= 0)
		return d->slots[slot].index;
	/* full: the key is not tracked */
	if (d->n >= d->max_entries || (d->max_bytes && d->bytes + len > d->max_bytes))
		return -1;
	/* at most half full, so that probing always ends at an empty slot */
	if ((d->n + 1) * 2 > d->nslots) {
		grow(d);
		slot = probe(d, key, len, h);
	}
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		if (d->cap > d->max_entries)
			d->cap = d->max_entries;
		d->keys = rf_xrealloc(d->keys, d->cap * sizeof *d->keys);
		d->key_len = rf_xrealloc(d->key_len, d->cap * sizeof *d->key_len);
	}
	long idx = (long)d->n++;
	d->keys[idx] = rf_xmalloc(len ? len : 1);
	memcpy(d->keys[idx], key, len);
	d->key_len[idx] = len;
	d->bytes += len;
	d->slots[slot] = (struct rf_dedupe_slot){.hash = h, .index = idx};
	*is_new = true;
	return idx;
}
