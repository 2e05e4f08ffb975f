/*
 * wire.h - the data path of application messages.
 *
 * Every application message travels as one MPI message [wire_hdr | packed payload] on
 * the application's own communicator, source and tag, so MPI's matching and ordering
 * are untouched. Senders and receivers each choose how to get there without copying
 * too much: a payload up to MPISNAP_SMALL_MSG bytes is copied next to the header in a
 * scratch buffer (MPI_PACKED); a larger one is sent or received in place through a
 * struct datatype {header bytes, the application's buffer} at MPI_BOTTOM. Both sides
 * produce the same bytes on the wire, so they need not agree on the choice. The
 * application sees nothing: its status is rewritten to the payload size, so
 * MPI_Get_count and MPI_Get_elements answer as without the library.
 */
#ifndef MPISNAP_WIRE_H
#define MPISNAP_WIRE_H

#include "reqs.h"

/* Send modes. Ready sends go as standard sends (wrap_p2p.c says why). */
enum { SEND_STANDARD, SEND_SYNC, SEND_BUFFERED };

/* At MPI_Init: the transport's progress clients and communicator observers. */
void wire_init(void);

/* Post an application send (mode: SEND_*). With req ==
 * NULL the call completes it (serving snapshots while it waits); otherwise *req is the
 * handle the application gets. Counts the message as sent. Returns an MPI error code. */
int wire_send(const void *buf, int count, MPI_Datatype dt, int dest, int tag, MPI_Comm comm, int mode, MPI_Request *req,
              const char *op);
/* The same for a blocking standard send: the common case (a small contiguous payload)
 * without the general path's branches, anything else through wire_send. */
int wire_send_blocking(const void *buf, int count, MPI_Datatype dt, int dest, int tag, MPI_Comm comm, const char *op);
/* Post an application receive; held (drained) messages are matched first. With req ==
 * NULL the call completes it and fills *st (may be MPI_STATUS_IGNORE). */
int wire_recv(void *buf, int count, MPI_Datatype dt, int src, int tag, MPI_Comm comm, MPI_Status *st, MPI_Request *req,
              const char *op);
/* The same for a blocking receive: the common case (a small contiguous payload, nothing
 * held) without the general path's layers, anything else through wire_recv. */
int wire_recv_blocking(void *buf, int count, MPI_Datatype dt, int src, int tag, MPI_Comm comm, MPI_Status *st);
/* Receive a message the application obtained with MPI_Mprobe/Improbe. */
int wire_mrecv(void *buf, int count, MPI_Datatype dt, MPI_Message *msg, MPI_Status *st, MPI_Request *req);
/* Probes: held messages first, then MPI; the status is the application's view. */
int wire_iprobe(int src, int tag, MPI_Comm comm, int *flag, MPI_Status *st);
int wire_improbe(int src, int tag, MPI_Comm comm, int *flag, MPI_Message *msg, MPI_Status *st);
/* Fortran handles of messages (the Fortran entry points): a message Mprobe/Improbe
 * served from the held queue has a handle of the library's own, which MPI_Message_c2f
 * cannot translate; it gets a Fortran handle from WIRE_FMSG_FIRST down (MPI's own are
 * indices from 0). Others are MPI's. */
#define WIRE_FMSG_FIRST (-0x40000000)
MPI_Fint wire_message_c2f(MPI_Message m);
MPI_Message wire_message_f2c(MPI_Fint f);
/* Persistent requests and their start. */
int wire_send_init(const void *buf, int count, MPI_Datatype dt, int dest, int tag, MPI_Comm comm, int mode,
                   MPI_Request *req, const char *op);
int wire_recv_init(void *buf, int count, MPI_Datatype dt, int src, int tag, MPI_Comm comm, MPI_Request *req);
int wire_start(MPI_Request *req);
/* MPI_Request_free: an active request the library owns buffers for is kept and reaped. */
int wire_request_free(MPI_Request *req);
/* Requests the application freed while active, and buffered sends, are finished by
 * the library itself, from progress (WORK_ORPHANS while there are any). */

/* Completion, in two phases so that a batch is classified before any of it is handed
 * back (see snap_before_deliver). seen: the PMPI part of r completed with status *st;
 * read the header and count the message. Returns the epoch that delivering needs. */
uint32_t wire_req_seen(snap_req *r, const MPI_Status *st);
/* deliver: copy the payload into the application's buffer, count it as received and
 * write the application's status. Returns the MPI error code of the operation. Does not
 * free r. */
int wire_req_deliver(snap_req *r, MPI_Status *st);
/* MPI_Request_get_status: a completed receive is handed back now (the application may
 * read its buffer), and its later MPI_Wait/Test only frees it. */
int wire_get_status(MPI_Request req, int *flag, MPI_Status *st);
/* Persistent receives served from the held queue: MPI sees them inactive, so the
 * Waitany/Testany/Waitsome/Testsome wrappers must report them themselves. */
extern int wire_persist_held;
/* After delivery: free r, or make a persistent request inactive again. */
void wire_req_done(snap_req *r);

/* Synchronous sends complete when the receiving APPLICATION has the message, not when
 * the library drained it: the receiver acknowledges at delivery (CTL_SACK). wire_sync.c */
int wire_sync_send(const void *buf, int count, const snap_dtinfo *d, uint64_t n, int dest, int tag, snap_comm *c,
                   wire_hdr h, MPI_Request *req, const char *op);
void wire_sync_init(void);

/* MPI_Type_free of dt: drop the library's types built on it. */
void wire_type_forget(MPI_Datatype dt);

/* wire_types.c: [header | count x dt at buf] as one committed datatype at MPI_BOTTOM
 * (free it); the same for the blocking calls' header h, kept (do not free it). */
MPI_Datatype wire_hdr_type(wire_hdr *h, const void *buf, int count, MPI_Datatype dt);
MPI_Datatype wire_blocking_type(wire_hdr *h, const void *buf, int count, MPI_Datatype dt);

/* The drain queue (chan.h) of this process. The engine drains through xport.h:
 * messages pending from a source are taken out of MPI per communicator with
 * MPI_ANY_TAG, oldest first (at most 64 per communicator per call). */
extern chan_queue wire_held;

#endif
