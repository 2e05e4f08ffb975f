/*
 * wait.c - blocking without spinning in the library.
 *
 * A blocking call waits in one MPI_Waitany over its own request, the pre-posted
 * control receive and a "wake" generalized request, so MPI's own wait loop runs and
 * the library costs nothing per iteration. Asynchronous triggers (SIGUSR1, the ticker
 * thread's interval and hang watchdog) only raise snap_async.attention; a callback in
 * MPI's progress loop (mpiseam.h) sees it and completes the wake request.
 *
 * A blocking receive, the call small messages spend their time in, waits cheaper
 * still: in a plain MPI_Wait on its own request (MPI_Waitany costs more per message
 * than the whole library's bookkeeping). The callback then also watches the control
 * receive's buffer, and when a trigger or a control message arrives it cancels the
 * receive, which the library had posted itself; the caller serves the engine and
 * receives again (snap_wait_recv). Cancelling cannot lose a message: MPI cancels a
 * receive only if nothing matched it.
 *
 * Whenever any module has work in flight (pump_work), or without that callback, waits
 * are test loops that serve the library between tests.
 */
#include "wait.h"
#include "call.h"
#include "ctl.h"
#include "mpiseam.h"

#include <time.h>

static MPI_Request wake_req = MPI_REQUEST_NULL;
static volatile int wake_armed;
static int wake_done;            /* wake_req is complete; a Waitany that returned another request left it */
static int can_block_mpi;        /* the progress callback is registered */
static MPI_Request *wake_cancel; /* armed by snap_wait_recv: the receive to cancel */

static int wake_cb(void)
{
    if (SNAP_LIKELY(!wake_armed)) return 0;
    if (wake_cancel) {
        if (SNAP_LIKELY(!(snap_async.attention | ctl_recv_landed()))) return 0;
        wake_armed = 0;
        PMPI_Cancel(wake_cancel);
        return 1;
    }
    if (SNAP_UNLIKELY(snap_async.attention)) {
        wake_armed = 0;
        wake_done = 1;
        PMPI_Grequest_complete(wake_req);
        return 1;
    }
    return 0;
}

void snap_wait_init(void) { can_block_mpi = seam_progress_register(wake_cb) == 0; }

void snap_wait_fini(void)
{
    if (can_block_mpi) seam_progress_unregister(wake_cb);
    can_block_mpi = 0;
    if (wake_req != MPI_REQUEST_NULL) {
        if (!wake_done) PMPI_Grequest_complete(wake_req);
        PMPI_Wait(&wake_req, MPI_STATUS_IGNORE);
        wake_done = 0;
    }
}

/* Nothing for the library to do until a control message or a trigger arrives. */
static int idle(void)
{
    return can_block_mpi && !(snap_async.attention | pump_work | snap_job.in_lib) &&
           *ctl_recv_request() != MPI_REQUEST_NULL;
}

/* A wait loop of a rank with nothing left to do for the snapshot in progress but wait
 * for the others (their parts, the regions being written, the collector's commit) gives
 * the CPU away now and then: where ranks outnumber cores, spinning ranks would take it
 * from the ones writing. Only after a while (it counts the loop's polls), so a wait
 * that ends soon never sleeps. */
void snap_yield_if_waiting(unsigned it)
{
    if (it >= 4096 && (pump_work & WORK_WAITING) && !(pump_work & WORK_NO_YIELD)) {
        struct timespec ts = {0, 20000};
        nanosleep(&ts, NULL);
    }
}

void snap_spin_slow(unsigned it)
{
    if (snap_call.name && snap_call.t0 < 0) snap_call.t0 = snap_now();
    pump_spin(it);
    snap_progress();
    snap_yield_if_waiting(it);
}

void snap_poll_slow(void)
{
    if (snap_async.attention | (pump_work & (WORK_EVERY_CALL | WORK_COLLECT | WORK_COLLECTOR)))
        snap_progress();
    else if (!snap_job.in_lib && pump_peek())
        snap_progress(); /* every 64th call: a cheap look */
}

int snap_wait(MPI_Request *r, MPI_Status *st)
{
    int flag = 0, rc;
    unsigned it = 0;
    if (st != MPI_STATUS_IGNORE) st->MPI_ERROR = MPI_SUCCESS; /* MPI_Test leaves it alone */
    for (;;) {
        if (idle()) {
            if (wake_req != MPI_REQUEST_NULL && wake_done) PMPI_Wait(&wake_req, MPI_STATUS_IGNORE);
            if (wake_req == MPI_REQUEST_NULL) {
                snap_grequest_start(&wake_req);
                wake_done = 0;
            }
            MPI_Request *ctl = ctl_recv_request();
            MPI_Request set[3] = {*r, *ctl, wake_req};
            MPI_Status s;
            s.MPI_ERROR = MPI_SUCCESS; /* MPI_Waitany does not set it */
            int idx = MPI_UNDEFINED;
            wake_armed = 1;
            rc = PMPI_Waitany(3, set, &idx, &s);
            wake_armed = 0;
            if (idx == 0 || idx == MPI_UNDEFINED) {
                *r = set[0];
                if (st != MPI_STATUS_IGNORE) *st = s;
                return rc;
            }
            *ctl = set[1], wake_req = set[2];
            if (rc != MPI_SUCCESS) {             /* one of the library's own requests failed */
                if (idx == 1) ctl_recv_failed(); /* do not process the failed receive's buffer */
                snap_log(SNAP_LOG_ERROR, "internal: waiting on a control request failed (%d); test loops from now", rc);
                can_block_mpi = 0;
                continue;
            }
            if (idx == 1) ctl_recv_completed(&s);
            if (snap_call.name && snap_call.t0 < 0) snap_call.t0 = snap_now();
            snap_progress();
            continue;
        }
        if ((rc = PMPI_Test(r, &flag, st)) != MPI_SUCCESS || flag) return rc;
        snap_spin(&it);
    }
}

/* Known limit: an error handler that leaves MPI_Wait without returning (longjmp, a C++
 * exception) leaves the callback armed on a receive that no longer exists. */
int snap_wait_recv(MPI_Request *r, MPI_Status *st)
{
    if (!idle()) return snap_wait(r, st);
    st->MPI_ERROR = MPI_SUCCESS;
    wake_cancel = r;
    wake_armed = 1;
    int rc = PMPI_Wait(r, st);
    wake_armed = 0;
    wake_cancel = NULL;
    return rc;
}
