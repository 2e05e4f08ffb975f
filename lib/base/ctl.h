/*
 * ctl.h - control messages: fixed-size messages on the library's private communicator,
 * received through one pre-posted receive and dispatched through one table. Each module
 * registers the types it owns (ctl_on), so a protocol plug-in sees only its own.
 */
#ifndef MPISNAP_CTL_H
#define MPISNAP_CTL_H

#include "snap.h"

enum {
    CTL_MARKER = 1, /* cl: a marker, carrying the count of the channel */
    CTL_DONE = 2,   /* the collector: snapshot e is complete job-wide */
    CTL_NOTICE = 3, /* ly: the initiator's notice */
    /* safe points (safepoint.c) */
    CTL_RECORDED = 4,
    CTL_GO = 5,
    CTL_STUCK = 6,
    CTL_ABANDON = 7,
    CTL_STOP = 8,
    CTL_REACHED = 9,
    CTL_TARGET = 10,
    CTL_SACK = 11,  /* wire_sync.c: a synchronous message was matched by the application */
    CTL_SPOLL = 12, /* wire_sync.c: a synchronous sender still waits: look at your posted receives */
    CTL_TYPES
};
/* The world rank that writes the snapshot files (collect.c) and decides safe-point
 * snapshots (safepoint.c). */
#define SNAP_COLLECTOR 0
/* Tags on the private communicator: control messages, and collect.c's own. */
enum { TAG_CTL = 1, TAG_PART = 2, TAG_DATA = 3, TAG_PLACE = 4, TAG_WROTE = 5 };

typedef struct ctl_msg {
    uint32_t type, epoch;
    uint64_t a, b;
} ctl_msg;
typedef void (*ctl_handler)(int src, const ctl_msg *m);

void ctl_init(void); /* posts the receive; a pump client */
void ctl_fini(void);
void ctl_on(uint32_t type, ctl_handler h); /* the handler of a type (one each) */
/* Send a control message (never blocks; the buffer is kept until the send completes). */
void snap_ctl_send(int dest, uint32_t type, uint32_t epoch, uint64_t a, uint64_t b);

/* For the blocking wait (wait.c): the pre-posted receive, which it may wait on with its
 * own request; that it completed there (with its status); and, from the progress
 * callback, whether a message has landed in its buffer. */
MPI_Request *ctl_recv_request(void);
void ctl_recv_completed(const MPI_Status *st);
void ctl_recv_failed(void); /* the wait reported an error on it: post anew */
int ctl_recv_landed(void);

#endif
