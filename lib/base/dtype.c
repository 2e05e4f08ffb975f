/*
 * dtype.c - the datatype cache and packing (dtype.h).
 *
 * The per-message path needs a datatype's size and whether a buffer is one contiguous
 * run; asking MPI costs several calls, so the answers are cached by handle (evicted on
 * MPI_Type_free, since a freed handle's address may be reused by a new type).
 */
#include "dtype.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

snap_dtinfo snap_dt_cache[SNAP_DT_CACHE];
#define dt_cache snap_dt_cache
#define dt_slot  snap_dt_slot

const snap_dtinfo *snap_dtinfo_fill(MPI_Datatype dt)
{
    snap_dtinfo *d = &dt_cache[dt_slot(dt)];
    snap_dtinfo n = {.dt = dt};
    MPI_Aint lb;
    PMPI_Type_size(dt, &n.size);
    PMPI_Type_get_extent(dt, &lb, &n.extent);
    PMPI_Type_get_true_extent(dt, &n.true_lb, &n.true_extent);
    n.contig = n.size == n.true_extent && n.size == n.extent;
    *d = n;
    return d;
}

void snap_dtinfo_forget(MPI_Datatype dt)
{
    snap_dtinfo *d = &dt_cache[dt_slot(dt)];
    if (d->dt == dt) d->dt = MPI_DATATYPE_NULL;
}

/* Whole elements in nbytes, and the byte remainder of a partial last element. */
static void split(const snap_dtinfo *d, uint64_t nbytes, int count, int *whole, uint64_t *rest)
{
    uint64_t w = d->size ? nbytes / (uint64_t)d->size : 0;
    if (w > (uint64_t)count) w = (uint64_t)count;
    *whole = (int)w;
    *rest = nbytes - w * (uint64_t)d->size;
}

void snap_dt_pack(const void *buf, int count, MPI_Datatype dt, uint64_t nbytes, uint8_t *out)
{
    snap_dt_pack_d(snap_dtinfo_get(dt), buf, count, nbytes, out);
}

void snap_dt_pack_nc(const snap_dtinfo *d, const void *buf, int count, uint64_t nbytes, uint8_t *out)
{
    MPI_Datatype dt = d->dt;
    int whole, pos = 0;
    uint64_t rest;
    split(d, nbytes, count, &whole, &rest);
    PMPI_Pack(buf, whole, dt, out, (int)nbytes, &pos, MPI_COMM_SELF);
    if (rest) { /* a partial element: pack it whole into a temporary, keep its head */
        uint8_t *tmp = snap_xmalloc((size_t)d->size);
        int p2 = 0;
        PMPI_Pack((const char *)buf + (MPI_Aint)whole * d->extent, 1, dt, tmp, d->size, &p2, MPI_COMM_SELF);
        memcpy(out + pos, tmp, rest);
        free(tmp);
    }
}

void snap_dt_unpack(const uint8_t *in, uint64_t nbytes, void *buf, int count, MPI_Datatype dt)
{
    snap_dt_unpack_d(snap_dtinfo_get(dt), in, nbytes, buf, count);
}

void snap_dt_unpack_nc(const snap_dtinfo *d, const uint8_t *in, uint64_t nbytes, void *buf, int count)
{
    MPI_Datatype dt = d->dt;
    int whole, pos = 0;
    uint64_t rest;
    split(d, nbytes, count, &whole, &rest);
    PMPI_Unpack(in, (int)nbytes, &pos, buf, whole, dt, MPI_COMM_SELF);
    if (rest) { /* MPI fills a partial element in order; so do we, through a padded copy */
        char *elem = (char *)buf + (MPI_Aint)whole * d->extent;
        uint8_t *tmp = snap_xmalloc((size_t)d->size);
        int p2 = 0;
        PMPI_Pack(elem, 1, dt, tmp, d->size, &p2, MPI_COMM_SELF);
        memcpy(tmp, in + pos, rest);
        p2 = 0;
        PMPI_Unpack(tmp, d->size, &p2, elem, 1, dt, MPI_COMM_SELF);
        free(tmp);
    }
}

void snap_dt_name(MPI_Datatype dt, char *out, size_t len)
{
    char name[MPI_MAX_OBJECT_NAME] = "";
    int n = 0;
    int ni, na, nt, comb = MPI_COMBINER_NAMED;
    if (dt == MPI_DATATYPE_NULL) snprintf(out, len, "none");
    /* derived types are "derived", not whatever MPI calls them ("Dup " in Open MPI) */
    else if (PMPI_Type_get_envelope(dt, &ni, &na, &nt, &comb) == MPI_SUCCESS && comb == MPI_COMBINER_NAMED &&
             PMPI_Type_get_name(dt, name, &n) == MPI_SUCCESS && n > 0)
        snprintf(out, len, "%s", name);
    else
        snprintf(out, len, "derived");
}
