/*
 * ctl.c - control messages (ctl.h).
 */
#include "ctl.h"
#include "pump.h"

#include <stdlib.h>

static ctl_msg in;
static MPI_Request in_req = MPI_REQUEST_NULL;
static MPI_Status in_st;
static int in_ready; /* in_req completed inside a wait; in_st is its status */
static ctl_handler handlers[CTL_TYPES];

/* (Re)post the control receive. Its type field is cleared first: the progress
 * callback reads it to see that a control message has arrived (wait.c). */
static void post(void)
{
    in.type = 0;
    PMPI_Irecv(&in, sizeof in, MPI_BYTE, MPI_ANY_SOURCE, TAG_CTL, snap_job.ctl, &in_req);
}

/* Sends in flight, each in its own allocation: its buffer must not move. */
typedef struct ctl_out {
    MPI_Request req;
    ctl_msg m;
} ctl_out;
static ctl_out **sending;
static int nsending, capsending;

void snap_ctl_send(int dest, uint32_t type, uint32_t epoch, uint64_t a, uint64_t b)
{
    if (nsending == capsending) {
        capsending = capsending ? 2 * capsending : 64;
        sending = snap_xrealloc(sending, (size_t)capsending * sizeof *sending);
    }
    ctl_out *o = snap_xmalloc(sizeof *o);
    o->m = (ctl_msg){type, epoch, a, b};
    if (PMPI_Isend(&o->m, sizeof o->m, MPI_BYTE, dest, TAG_CTL, snap_job.ctl, &o->req) != MPI_SUCCESS) {
        snap_log(SNAP_LOG_ERROR, "cannot send a control message to rank %d", dest);
        free(o);
        return;
    }
    sending[nsending++] = o;
    pump_work |= WORK_CTL_OUT;
}

static void reap(void)
{
    for (int i = 0; i < nsending;) {
        int flag = 0;
        PMPI_Test(&sending[i]->req, &flag, MPI_STATUS_IGNORE);
        if (flag) {
            free(sending[i]);
            sending[i] = sending[--nsending];
        } else {
            i++;
        }
    }
    pump_set(WORK_CTL_OUT, nsending > 0);
}

void ctl_on(uint32_t type, ctl_handler h) { handlers[type] = h; }

static void dispatch(int src, const ctl_msg *m)
{
    ctl_handler h = m->type < CTL_TYPES ? handlers[m->type] : NULL;
    if (h)
        h(src, m);
    else
        snap_log(SNAP_LOG_WARN, "unexpected control message %u from rank %d", m->type, src);
}

static void poll(void)
{
    for (int k = 0; k < 64; k++) {
        int flag = 0;
        if (!in_ready && (PMPI_Test(&in_req, &flag, &in_st) != MPI_SUCCESS || !flag)) break;
        in_ready = 0;
        pump_work &= ~WORK_CTL_IN;
        ctl_msg m = in;
        int src = in_st.MPI_SOURCE;
        post();
        dispatch(src, &m);
    }
    if (nsending) reap();
}

/* Between progress passes, a cheap look: the pre-posted receive matches control
 * messages as they arrive, so look at it (a probe would never see them). */
static int peek(void)
{
    int flag = 0;
    PMPI_Request_get_status(in_req, &flag, MPI_STATUS_IGNORE);
    return flag;
}

static const pump_client client = {.name = "control", .poll = poll, .peek = peek};

void ctl_init(void)
{
    post();
    pump_register(&client);
}

void ctl_fini(void)
{
    if (in_req != MPI_REQUEST_NULL) {
        PMPI_Cancel(&in_req);
        PMPI_Wait(&in_req, MPI_STATUS_IGNORE);
    }
    while (nsending) reap();
}

MPI_Request *ctl_recv_request(void) { return &in_req; }

void ctl_recv_completed(const MPI_Status *st)
{
    in_ready = 1;
    in_st = *st;
    pump_work |= WORK_CTL_IN;
}

void ctl_recv_failed(void) { post(); }

int ctl_recv_landed(void) { return ((volatile ctl_msg *)&in)->type != 0; }
