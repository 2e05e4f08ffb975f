/*
 * reqs.c - the request side table: open addressing keyed by the handle's value, with
 * backward-shift deletion so lookups never walk tombstones.
 */
#include "reqs.h"

#include <stdlib.h>
#include <string.h>

size_t reqs_count;
static snap_req **slots;
static size_t nslots; /* power of two */

static size_t hash(MPI_Request k) { return (size_t)(((uintptr_t)k >> 3) * 0x9E3779B97F4A7C15ull); }

static void insert(snap_req *r)
{
    size_t i = hash(r->key) & (nslots - 1);
    while (slots[i]) i = (i + 1) & (nslots - 1);
    slots[i] = r;
}

static void grow(void)
{
    snap_req **old = slots;
    size_t oldn = nslots;
    nslots = nslots ? 2 * nslots : 64;
    slots = snap_xcalloc(nslots, sizeof *slots);
    for (size_t i = 0; i < oldn; i++)
        if (old[i]) insert(old[i]);
    free(old);
}

snap_req *reqs_new(void)
{
    snap_req *r = snap_xcalloc(1, sizeof *r);
    r->wtype = MPI_DATATYPE_NULL;
    return r;
}

void reqs_insert(snap_req *r, MPI_Request key)
{
    if (2 * (reqs_count + 1) > nslots) grow();
    r->key = key;
    r->intable = 1;
    insert(r);
    reqs_count++;
}

snap_req *reqs_add(MPI_Request key)
{
    snap_req *r = reqs_new();
    reqs_insert(r, key);
    return r;
}

static size_t find_slot(MPI_Request key)
{
    if (!nslots) return SIZE_MAX;
    for (size_t i = hash(key) & (nslots - 1);; i = (i + 1) & (nslots - 1)) {
        if (!slots[i]) return SIZE_MAX;
        if (slots[i]->key == key) return i;
    }
}

snap_req *reqs_find(MPI_Request key)
{
    size_t i = find_slot(key);
    return i == SIZE_MAX ? NULL : slots[i];
}

static void unlink_slot(size_t i)
{
    slots[i] = NULL;
    for (size_t j = (i + 1) & (nslots - 1); slots[j]; j = (j + 1) & (nslots - 1)) {
        snap_req *r = slots[j];
        slots[j] = NULL;
        insert(r);
    }
}

void reqs_unlink(snap_req *r)
{
    if (!r->intable) return;
    size_t i = find_slot(r->key);
    if (i != SIZE_MAX && slots[i] == r) unlink_slot(i);
    r->intable = 0;
    reqs_count--;
}

void reqs_del(snap_req *r)
{
    reqs_unlink(r);
    free(r->scratch);
    if (r->wtype != MPI_DATATYPE_NULL) PMPI_Type_free(&r->wtype);
    chan_free(r->held);
    free(r);
}

void reqs_each(void (*fn)(snap_req *r, void *arg), void *arg)
{
    for (size_t i = 0; i < nslots; i++)
        if (slots[i]) fn(slots[i], arg);
}
