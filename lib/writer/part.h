/*
 * part.h - a rank's part of a snapshot on its way to the collector, and the messages of
 * the place/wrote exchange between them (collect.c sends, collector.c receives; see
 * collect.c for the protocol). The part's layout is written by part_put and read by
 * part_get, side by side in part.c, and a unit test writes and reads one back.
 */
#ifndef MPISNAP_PART_H
#define MPISNAP_PART_H

#include "ctl.h"
#include "cur.h"

#define INLINE_MAX ((uint64_t)4 << 20) /* regions up to this much in all travel in the part */
#define PIECE      ((uint64_t)1 << 30) /* the largest message of region bytes */

/* A growable byte buffer. */
typedef struct blob {
    uint8_t *p;
    size_t len, cap;
} blob;
void blob_put(blob *b, const void *v, size_t n);

/* A part as the collector reads it: the sf_rank and the memory it points into (into
 * the received bytes, which must outlive it), and the conserved quantity the rank
 * declared (region "" when none). */
typedef struct part {
    uint32_t epoch;
    uint8_t direct; /* the regions' bytes are written by the rank itself, not in the blob */
    sf_rank r;
    sf_region *regions;
    sf_msg *msgs;
    const char **stack;
    sf_comm *comms;
    char conserve_region[SF_NAME_MAX];
    int64_t conserve_total;
    int32_t conserve_offset;
} part;

/* Append the part of snapshot c (its messages' data are offsets into c->payload) with
 * the conserved quantity; the regions' bytes follow unless direct. */
void part_put(blob *b, const snap_cur *c, uint8_t direct, const char *conserve_region, int64_t conserve_total,
              int32_t conserve_offset);
/* Read a part of a job of nranks ranks from data[0..len): 0, or -1 when malformed. */
int part_get(const uint8_t *data, size_t len, int nranks, part *o);
void part_free(part *o);

/* The messages of the place/wrote exchange (followed by uint64_t arrays of n). */
typedef struct place_msg {
    uint32_t epoch, n;
    int32_t go;            /* 0: write nothing (the snapshot is over, or its file failed) */
    uint64_t token, probe; /* the file's proof of identity (dump.h) */
    char path[4200];
} place_msg; /* + offs[n] */
typedef struct wrote_msg {
    uint32_t epoch, n;
    int32_t sent; /* 1: the bytes could not be written here and follow as TAG_DATA */
    char why[300];
} wrote_msg; /* + sums[n], bytes[n] */

/* A message of tag from src on the private communicator, received whole (NULL if none). */
uint8_t *part_msg_take(int src, int tag, int *from, size_t *len);

#endif
