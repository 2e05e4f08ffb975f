/*
 * chan.c - the drain queue (see chan.h for why queue-first matching is MPI's order).
 */
#include "chan.h"
#include "dtype.h"

#include <stdlib.h>
#include <string.h>

void chan_push(chan_queue *q, snap_msg *m)
{
    m->next = NULL;
    if (q->tail)
        q->tail->next = m;
    else
        q->head = m;
    q->tail = m;
    q->len++;
}

static int matches(const snap_msg *m, int source, int tag, MPI_Comm comm)
{
    return m->comm == comm && (source == MPI_ANY_SOURCE || source == m->src) && (tag == MPI_ANY_TAG || tag == m->tag);
}

snap_msg *chan_match(chan_queue *q, int source, int tag, MPI_Comm comm, int take)
{
    snap_msg *prev = NULL;
    for (snap_msg *m = q->head; m; prev = m, m = m->next) {
        if (!matches(m, source, tag, comm)) continue;
        if (take) {
            if (prev)
                prev->next = m->next;
            else
                q->head = m->next;
            if (q->tail == m) q->tail = prev;
            q->len--;
            m->next = NULL;
        }
        return m;
    }
    return NULL;
}

void chan_free(snap_msg *m)
{
    if (!m) return;
    free(m->data);
    free(m);
}

void chan_payload(const snap_msg *m, uint8_t *out)
{
    if (m->data)
        memcpy(out, m->data, m->bytes);
    else
        snap_dt_pack(m->buf, m->count, m->dt, m->bytes, out);
}
