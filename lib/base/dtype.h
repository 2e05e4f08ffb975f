/*
 * dtype.h - datatypes on the per-message path (dtype.c): their facts cached by handle,
 * so no MPI query is made per message, and packing to and from the wire.
 */
#ifndef MPISNAP_DTYPE_H
#define MPISNAP_DTYPE_H

#include "snap.h"

/* Cached facts about a datatype, so the per-message path calls no MPI query. */
typedef struct snap_dtinfo {
    MPI_Datatype dt;
    int size; /* MPI_Type_size */
    MPI_Aint extent, true_lb, true_extent;
    int contig; /* count elements are one contiguous run of size*count bytes */
} snap_dtinfo;
#define SNAP_DT_CACHE 64
extern snap_dtinfo snap_dt_cache[SNAP_DT_CACHE];
static inline unsigned snap_dt_slot(MPI_Datatype dt)
{
    return (unsigned)(((uintptr_t)dt >> 4) * 2654435761u) % SNAP_DT_CACHE;
}
const snap_dtinfo *snap_dtinfo_fill(MPI_Datatype dt); /* a cache miss: ask MPI */
static inline const snap_dtinfo *snap_dtinfo_get(MPI_Datatype dt)
{
    const snap_dtinfo *d = &snap_dt_cache[snap_dt_slot(dt)];
    if (SNAP_LIKELY(d->dt == dt && dt != MPI_DATATYPE_NULL)) return d;
    return snap_dtinfo_fill(dt);
}
void snap_dtinfo_forget(MPI_Datatype dt);
/* Pack n received bytes (the packed form of at most `count` elements) from the
 * application buffer, or unpack them into it. Contiguous types are a memcpy. */
void snap_dt_pack(const void *buf, int count, MPI_Datatype dt, uint64_t nbytes, uint8_t *out);
void snap_dt_unpack(const uint8_t *in, uint64_t nbytes, void *buf, int count, MPI_Datatype dt);
/* The same with the datatype's facts already at hand (the per-message path). */
void snap_dt_pack_nc(const snap_dtinfo *d, const void *buf, int count, uint64_t nbytes, uint8_t *out);
void snap_dt_unpack_nc(const snap_dtinfo *d, const uint8_t *in, uint64_t nbytes, void *buf, int count);
static inline void snap_dt_pack_d(const snap_dtinfo *d, const void *buf, int count, uint64_t nbytes, uint8_t *out)
{
    if (SNAP_LIKELY(d->contig))
        memcpy(out, (const char *)buf + d->true_lb, nbytes);
    else
        snap_dt_pack_nc(d, buf, count, nbytes, out);
}
static inline void snap_dt_unpack_d(const snap_dtinfo *d, const uint8_t *in, uint64_t nbytes, void *buf, int count)
{
    if (SNAP_LIKELY(d->contig))
        memcpy((char *)buf + d->true_lb, in, nbytes);
    else
        snap_dt_unpack_nc(d, in, nbytes, buf, count);
}
void snap_dt_name(MPI_Datatype dt, char *out, size_t len);
/* dtsig.c: dt's name ("MPI_DOUBLE", "derived") and type signature, one element's
 * packed layout as a numpy dtype string ("<f8", "3<i4,<f8"), or "" when it cannot be
 * flattened or does not fit in len. Snapshot time only: it asks MPI about the type. */
void snap_dt_describe(MPI_Datatype dt, char *name, size_t nlen, char *sig, size_t len);

#endif
