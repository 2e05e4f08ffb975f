/*
 * part.c - a part's layout on its way to the collector (part.h).
 */
#include "part.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void blob_put(blob *b, const void *v, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = 2 * (b->len + n) + 1024;
        b->p = snap_xrealloc(b->p, b->cap);
    }
    if (n) memcpy(b->p + b->len, v, n);
    b->len += n;
}
#define PUT(b, v) blob_put((b), &(v), sizeof(v))
/* Arrays the collector uses in place (counters, requests, envelopes, member lists)
 * start at a multiple of 8 bytes of the blob, as their types need (UBSan found int32
 * member lists at odd addresses); get_part skips the same padding. */
static void align8(blob *b)
{
    static const uint8_t zero[8];
    blob_put(b, zero, (8 - b->len % 8) % 8);
}

typedef struct reader {
    const uint8_t *p;
    size_t len, pos;
    int bad;
} reader;

static const void *get(reader *r, size_t n)
{
    if (r->bad || n > r->len - r->pos) {
        r->bad = 1;
        return NULL;
    }
    const void *v = r->p + r->pos;
    r->pos += n;
    return v;
}
#define GET(r, v)                             \
    do {                                      \
        const void *q_ = get((r), sizeof(v)); \
        if (q_) memcpy(&(v), q_, sizeof(v));  \
    } while (0)
static void skip8(reader *r) { get(r, (8 - r->pos % 8) % 8); }

void part_put(blob *b, const snap_cur *c, uint8_t direct, const char *conserve_region, int64_t conserve_total,
              int32_t conserve_offset)
{
    const sf_rank *p = &c->part;
    uint32_t epoch = c->epoch;
    PUT(b, epoch);
    PUT(b, direct);
    PUT(b, *p); /* fixed fields; pointers are rewritten on the other side */
    align8(b);
    blob_put(b, p->sent, (size_t)p->nranks * sizeof(uint64_t));
    blob_put(b, p->recvd, (size_t)p->nranks * sizeof(uint64_t));
    align8(b);
    blob_put(b, p->requests, p->nrequests * sizeof(sf_request));
    for (uint32_t i = 0; i < p->nregions; i++) PUT(b, p->regions[i]); /* bytes at the end, or not sent */
    align8(b);
    blob_put(b, c->msgs, c->nmsgs * sizeof(sf_msg));
    uint64_t plen = c->plen;
    PUT(b, plen);
    blob_put(b, c->payload, c->plen);
    for (uint32_t i = 0; i < p->nstack; i++) {
        uint32_t l = (uint32_t)strlen(p->stack[i]) + 1;
        PUT(b, l);
        blob_put(b, p->stack[i], l);
    }
    for (uint32_t i = 0; i < p->ncomms; i++) {
        PUT(b, p->comms[i]);
        align8(b);
        blob_put(b, p->comms[i].world, (size_t)p->comms[i].size * sizeof(int32_t));
    }
    /* the conserved quantity, when this rank declared one */
    char region[SF_NAME_MAX] = "";
    snprintf(region, sizeof region, "%s", conserve_region);
    PUT(b, region);
    PUT(b, conserve_total);
    PUT(b, conserve_offset);
    for (uint32_t i = 0; !direct && i < p->nregions; i++) blob_put(b, p->regions[i].data, p->regions[i].bytes);
}

static int get_part(reader *rd, int nranks, part *o)
{
    memset(o, 0, sizeof *o);
    GET(rd, o->epoch);
    GET(rd, o->direct);
    GET(rd, o->r);
    sf_rank *p = &o->r;
    if (rd->bad || p->nranks != nranks || p->rank < 0 || p->rank >= nranks) return -1;
    skip8(rd);
    p->sent = get(rd, (size_t)p->nranks * sizeof(uint64_t));
    p->recvd = get(rd, (size_t)p->nranks * sizeof(uint64_t));
    skip8(rd);
    p->requests = get(rd, (size_t)p->nrequests * sizeof(sf_request));
    if (p->nregions > rd->len / sizeof(sf_region)) return -1;
    o->regions = snap_xcalloc(p->nregions, sizeof *o->regions);
    for (uint32_t i = 0; i < p->nregions && !rd->bad; i++) {
        GET(rd, o->regions[i]);
        o->regions[i].data = NULL; /* below, or written by the rank */
    }
    p->regions = o->regions;
    skip8(rd);
    const sf_msg *m = get(rd, (size_t)p->nmsgs * sizeof(sf_msg));
    uint64_t plen = 0;
    GET(rd, plen);
    const uint8_t *payload = get(rd, plen);
    o->msgs = snap_xcalloc(p->nmsgs, sizeof *o->msgs);
    for (uint32_t i = 0; m && i < p->nmsgs; i++) {
        o->msgs[i] = m[i];
        uint64_t off = (uint64_t)(uintptr_t)m[i].data;
        if (off + m[i].bytes > plen) return -1;
        o->msgs[i].data = payload + off;
    }
    p->msgs = o->msgs;
    o->stack = snap_xcalloc(p->nstack, sizeof *o->stack);
    for (uint32_t i = 0; i < p->nstack && !rd->bad; i++) {
        uint32_t l = 0;
        GET(rd, l);
        o->stack[i] = get(rd, l);
        if (o->stack[i] && (l == 0 || o->stack[i][l - 1])) rd->bad = 1;
    }
    p->stack = o->stack;
    o->comms = snap_xcalloc(p->ncomms, sizeof *o->comms);
    for (uint32_t i = 0; i < p->ncomms && !rd->bad; i++) {
        GET(rd, o->comms[i]);
        if (o->comms[i].size < 0 || o->comms[i].size > nranks) return -1;
        skip8(rd);
        o->comms[i].world = get(rd, (size_t)o->comms[i].size * sizeof(int32_t));
    }
    p->comms = o->comms;
    GET(rd, o->conserve_region);
    GET(rd, o->conserve_total);
    GET(rd, o->conserve_offset);
    o->conserve_region[SF_NAME_MAX - 1] = 0;
    for (uint32_t i = 0; !o->direct && i < p->nregions && !rd->bad; i++)
        o->regions[i].data = get(rd, o->regions[i].bytes);
    return rd->bad || rd->pos != rd->len ? -1 : 0;
}

int part_get(const uint8_t *data, size_t len, int nranks, part *o)
{
    reader rd = {data, len, 0, 0};
    return get_part(&rd, nranks, o);
}

void part_free(part *o)
{
    free(o->regions);
    free(o->msgs);
    free(o->stack);
    free(o->comms);
}

uint8_t *part_msg_take(int src, int tag, int *from, size_t *len)
{
    int flag = 0, n = 0;
    MPI_Message msg;
    MPI_Status st;
    PMPI_Improbe(src, tag, snap_job.ctl, &flag, &msg, &st);
    if (!flag) return NULL;
    PMPI_Get_count(&st, MPI_BYTE, &n);
    uint8_t *b = snap_xmalloc(n ? (size_t)n : 1);
    PMPI_Mrecv(b, n, MPI_BYTE, &msg, MPI_STATUS_IGNORE);
    *from = st.MPI_SOURCE, *len = (size_t)n;
    return b;
}
