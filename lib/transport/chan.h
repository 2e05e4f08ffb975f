/*
 * chan.h - messages the library holds for the application.
 *
 * A snap_msg describes one application message the library has taken out of MPI: its
 * envelope, its header and where its payload is (packed bytes it owns, or the
 * application's own buffer). The drain queue keeps, in arrival order, messages the
 * library received before the application asked for them; receives and probes look
 * here first. That is exactly MPI's matching order because messages are drained per
 * (source, communicator) with MPI_ANY_TAG: each drained message is the oldest one that
 * source had pending on that communicator, so everything still inside MPI from the same
 * source and communicator was sent after everything in the queue.
 * This module makes no MPI calls; it only compares handles.
 */
#ifndef MPISNAP_CHAN_H
#define MPISNAP_CHAN_H

#include "snap.h"

typedef struct snap_msg snap_msg;
struct snap_msg {
    int src_world; /* sender's world rank */
    int src;       /* sender's rank in comm (MPI_SOURCE) */
    int tag;
    MPI_Comm comm;
    int32_t comm_id;
    wire_hdr hdr;
    uint64_t bytes; /* payload bytes */
    uint8_t *data;  /* packed payload, or NULL when it is in the app buffer below */
    void *buf;
    int count;
    MPI_Datatype dt;
    struct snap_msg *next;
};

typedef struct chan_queue {
    snap_msg *head, *tail;
    size_t len;
} chan_queue;

/* Append m (the queue takes ownership of m and m->data, both malloc'd). */
void chan_push(chan_queue *q, snap_msg *m);
/* The first held message an application receive (source, tag, comm) would match, or
 * NULL; `take` removes it from the queue (the caller then owns it). */
snap_msg *chan_match(chan_queue *q, int source, int tag, MPI_Comm comm, int take);
/* Free a message taken from the queue. */
void chan_free(snap_msg *m);
/* Copy of m's payload into out (m->bytes bytes), wherever it lives. */
void chan_payload(const snap_msg *m, uint8_t *out);

#endif
