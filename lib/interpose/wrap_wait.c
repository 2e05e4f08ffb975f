/*
 * wrap_wait.c - MPI_Wait*, MPI_Test*: completion of application requests.
 *
 * Blocking waits become test loops that serve snapshot traffic (DESIGN 4.3). When MPI
 * completes requests the library has work on (reqs.h), it finishes them in two passes:
 * first every completed receive of the batch is classified and counted, and the rank
 * records if one of them comes from a newer snapshot; only then are payloads and
 * statuses handed back. Recording in the middle of a batch would count as received a
 * message the application has not yet seen.
 */
#include "call.h"
#include "hooks.h"
#include "wait.h"
#include "wire.h"
#include "wrap.h"

#include <stdlib.h>

/* Finish the requests at idx[0..n) of reqs, whose handles before completion were
 * keys[], completed by MPI with statuses pst[]. Writes the application's statuses
 * into sts (indexed like reqs, or MPI_STATUSES_IGNORE) or *one. Returns the first
 * error. */
static int finish(int n, const int *idx, const MPI_Request *keys, MPI_Status *pst, MPI_Status *sts, MPI_Status *one)
{
    if (!reqs_count) {
        for (int k = 0; k < n; k++) {
            if (one && one != MPI_STATUS_IGNORE) *one = pst[k];
            if (sts && sts != MPI_STATUSES_IGNORE) sts[idx[k]] = pst[k];
        }
        return MPI_SUCCESS;
    }
    snap_req *stack_e[16], **e = n <= 16 ? stack_e : snap_xmalloc((size_t)n * sizeof *e);
    uint32_t newest = 0;
    for (int k = 0; k < n; k++) {
        e[k] = keys[idx[k]] == MPI_REQUEST_NULL ? NULL : reqs_find(keys[idx[k]]);
        if (e[k] && e[k]->state == RS_INACTIVE && !e[k]->held) e[k] = NULL;
        if (!e[k]) continue;
        uint32_t ep = wire_req_seen(e[k], &pst[k]);
        if (ep > newest) newest = ep;
    }
    snap_before_deliver(newest);
    int err = MPI_SUCCESS;
    for (int k = 0; k < n; k++) {
        MPI_Status s = pst[k];
        if (e[k]) {
            int rc = wire_req_deliver(e[k], &s);
            wire_req_done(e[k]);
            if (rc != MPI_SUCCESS && err == MPI_SUCCESS) err = rc;
        }
        if (one && one != MPI_STATUS_IGNORE) *one = s;
        if (sts && sts != MPI_STATUSES_IGNORE) sts[idx[k]] = s;
    }
    if (e != stack_e) free(e);
    return err;
}

/* Index of a persistent receive served from the held queue, or -1. */
static int held_index(int n, const MPI_Request *reqs)
{
    if (!wire_persist_held) return -1;
    for (int i = 0; i < n; i++) {
        snap_req *e = reqs[i] == MPI_REQUEST_NULL ? NULL : reqs_find(reqs[i]);
        if (e && e->held && e->persistent) return i;
    }
    return -1;
}

static MPI_Request *save_keys(int n, const MPI_Request *reqs, MPI_Request *small)
{
    MPI_Request *k = n <= 16 ? small : snap_xmalloc((size_t)n * sizeof *k);
    for (int i = 0; i < n; i++) k[i] = reqs[i];
    return k;
}

static void free_keys(MPI_Request *k, MPI_Request *small)
{
    if (k != small) free(k);
}

/* MPI's single-request calls do not write MPI_ERROR into a status: start clean. */
static void clear_errors(int n, MPI_Status *st)
{
    for (int i = 0; i < n; i++) st[i].MPI_ERROR = MPI_SUCCESS;
}

static int test_one(MPI_Request *req, int *flag, MPI_Status *st)
{
    MPI_Request key = *req;
    MPI_Status pst;
    clear_errors(1, &pst);
    int rc = PMPI_Test(req, flag, &pst);
    if (rc != MPI_SUCCESS || !*flag) return rc;
    int idx = 0;
    return finish(1, &idx, &key, &pst, NULL, st);
}

int wrap_Test(MPI_Request *req, int *flag, MPI_Status *st)
{
    snap_poll();
    return test_one(req, flag, st);
}

/* One test first: a null, inactive or already complete request (and one the library
 * completed itself) is done at once. Otherwise the request is active and pending, and
 * snap_wait can block on it as MPI_Wait would. */
int wrap_Wait(MPI_Request *req, MPI_Status *st)
{
    snap_enter_reqs("Wait", 1, req);
    MPI_Request key = *req;
    int flag = 0, rc = test_one(req, &flag, st);
    if (rc == MPI_SUCCESS && !flag) {
        MPI_Status pst;
        clear_errors(1, &pst);
        int idx = 0;
        if ((rc = snap_wait(req, &pst)) == MPI_SUCCESS) rc = finish(1, &idx, &key, &pst, NULL, st);
    }
    snap_leave();
    return rc;
}

static int testall(int n, MPI_Request *reqs, int *flag, MPI_Status *sts)
{
    MPI_Request small[16], *keys = save_keys(n, reqs, small);
    MPI_Status pst_small[16], *pst = n <= 16 ? pst_small : snap_xmalloc((size_t)n * sizeof *pst);
    clear_errors(n, pst);
    int rc = PMPI_Testall(n, reqs, flag, pst);
    if (rc == MPI_SUCCESS && *flag) {
        int idx_small[16] = {0}, *idx = n <= 16 ? idx_small : snap_xmalloc((size_t)n * sizeof *idx);
        for (int i = 0; i < n; i++) idx[i] = i;
        rc = finish(n, idx, keys, pst, sts, NULL);
        if (idx != idx_small) free(idx);
    }
    if (pst != pst_small) free(pst);
    free_keys(keys, small);
    return rc;
}

int wrap_Testall(int n, MPI_Request *reqs, int *flag, MPI_Status *sts)
{
    snap_poll();
    return testall(n, reqs, flag, sts);
}

int wrap_Waitall(int n, MPI_Request *reqs, MPI_Status *sts)
{
    snap_enter_reqs("Waitall", n, reqs);
    int flag = 0, rc;
    unsigned it = 0;
    while ((rc = testall(n, reqs, &flag, sts)) == MPI_SUCCESS && !flag) snap_spin(&it);
    snap_leave();
    return rc;
}

static int testany(int n, MPI_Request *reqs, int *index, int *flag, MPI_Status *st)
{
    int h = held_index(n, reqs);
    if (h >= 0) {
        *index = h;
        *flag = 1;
        MPI_Status pst;
        clear_errors(1, &pst);
        PMPI_Test(&reqs[h], flag, &pst); /* inactive: returns at once */
        return finish(1, &h, reqs, &pst, NULL, st);
    }
    MPI_Request small[16], *keys = save_keys(n, reqs, small);
    MPI_Status pst;
    clear_errors(1, &pst);
    int rc = PMPI_Testany(n, reqs, index, flag, &pst);
    if (rc == MPI_SUCCESS && *flag && *index != MPI_UNDEFINED)
        rc = finish(1, index, keys, &pst, NULL, st);
    else if (rc == MPI_SUCCESS && *flag && st != MPI_STATUS_IGNORE)
        *st = pst;
    free_keys(keys, small);
    return rc;
}

int wrap_Testany(int n, MPI_Request *reqs, int *index, int *flag, MPI_Status *st)
{
    snap_poll();
    return testany(n, reqs, index, flag, st);
}

int wrap_Waitany(int n, MPI_Request *reqs, int *index, MPI_Status *st)
{
    snap_enter_reqs("Waitany", n, reqs);
    int flag = 0, rc;
    unsigned it = 0;
    while ((rc = testany(n, reqs, index, &flag, st)) == MPI_SUCCESS && !flag) snap_spin(&it);
    snap_leave();
    return rc;
}

static int testsome(int n, MPI_Request *reqs, int *outcount, int *idx, MPI_Status *sts)
{
    MPI_Request small[16], *keys = save_keys(n, reqs, small);
    MPI_Status pst_small[16], *pst = n <= 16 ? pst_small : snap_xmalloc((size_t)n * sizeof *pst);
    clear_errors(n, pst);
    int rc = PMPI_Testsome(n, reqs, outcount, idx, pst);
    int h = rc == MPI_SUCCESS ? held_index(n, reqs) : -1;
    if (h >= 0) { /* a persistent receive served from held counts among the completed */
        if (*outcount == MPI_UNDEFINED) *outcount = 0;
        idx[*outcount] = h;
        PMPI_Test(&reqs[h], &(int){0}, &pst[*outcount]);
        (*outcount)++;
    }
    if (rc == MPI_SUCCESS && *outcount != MPI_UNDEFINED && *outcount > 0) {
        /* finish() indexes statuses by request; Testsome's are packed by completion */
        MPI_Status sst[16], *tmp = n <= 16 ? sst : snap_xmalloc((size_t)n * sizeof *tmp);
        rc = finish(*outcount, idx, keys, pst, tmp, NULL);
        if (sts != MPI_STATUSES_IGNORE)
            for (int k = 0; k < *outcount; k++) sts[k] = tmp[idx[k]];
        if (tmp != sst) free(tmp);
    }
    if (pst != pst_small) free(pst);
    free_keys(keys, small);
    return rc;
}

int wrap_Testsome(int n, MPI_Request *reqs, int *outcount, int *idx, MPI_Status *sts)
{
    snap_poll();
    return testsome(n, reqs, outcount, idx, sts);
}

int wrap_Waitsome(int n, MPI_Request *reqs, int *outcount, int *idx, MPI_Status *sts)
{
    snap_enter_reqs("Waitsome", n, reqs);
    int rc;
    unsigned it = 0;
    while ((rc = testsome(n, reqs, outcount, idx, sts)) == MPI_SUCCESS && *outcount == 0) snap_spin(&it);
    snap_leave();
    return rc;
}

int wrap_Request_get_status(MPI_Request req, int *flag, MPI_Status *st)
{
    snap_poll();
    return wire_get_status(req, flag, st);
}

int wrap_Request_free(MPI_Request *req) { return wire_request_free(req); }

int wrap_Cancel(MPI_Request *req)
{
    snap_req *e = reqs_count ? reqs_find(*req) : NULL;
    if (e && e->kind == RQ_SEND)
        return snap_unsupported("Cancel", e->comm, "cancelling a send (deprecated in MPI-4.0) is not supported");
    if (e && e->kind != RQ_SEND && (e->held || e->state == RS_SEEN || e->state == RS_DELIVERED))
        return MPI_SUCCESS; /* the library already matched it: too late to cancel, as in MPI */
    return PMPI_Cancel(req);
}

/* Used by MPI_Sendrecv: complete the library's own pair of requests. */
int snap_waitall_internal(int n, MPI_Request *reqs, MPI_Status *sts)
{
    int flag = 0, rc;
    unsigned it = 0;
    while ((rc = testall(n, reqs, &flag, sts)) == MPI_SUCCESS && !flag) snap_spin(&it);
    return rc;
}
