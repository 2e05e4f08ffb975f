/*
 * xport.h - what the engine and its protocol plug-ins need from the layers below them,
 * besides control messages (ctl.h): the transport's held and pending messages, and the
 * library's own collectives. wire.c and coll.c provide it over MPI; the simulated
 * network of tests/sim provides it in one process.
 */
#ifndef MPISNAP_XPORT_H
#define MPISNAP_XPORT_H

#include "snap.h"

typedef struct snap_msg snap_msg; /* chan.h */

/* Take out of MPI the messages pending from world rank src (-1: from anyone) on any
 * communicator, oldest first, and hold them for the application (each reported through
 * snap_seen). Returns how many were taken. */
int xport_drain_from(int src);
/* Look at the application's posted receives: those MPI has completed are taken now
 * (snap_seen), so a channel can close without waiting for the application's MPI_Wait. */
void xport_look_at_posted(void);
/* Every message the library holds for the application (taken, not yet delivered), with
 * the datatype of the receive it matched (0 or MPI_DATATYPE_NULL: none yet). */
void xport_each_held(void (*fn)(const snap_msg *m, MPI_Datatype dt, void *arg), void *arg);

/* The library's own non-blocking collectives, one of each kind in flight at a time:
 * sum_start: out = the sum over ranks of contrib[this rank] (a reduce-scatter of one
 * element each, on the protocol's communicator); max_start: out[i] = the maximum over
 * ranks of in[i] (an allreduce on the library's communicator). *_test: 1 once complete. */
void xport_sum_start(const uint64_t *contrib, uint64_t *out);
int xport_sum_test(void);
void xport_max_start(const int *in, int *out, int n);
int xport_max_test(void);

#endif
