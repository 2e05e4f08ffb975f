/*
 * comms.c - communicators the library knows, with job-wide ids.
 *
 * A channel is (source, destination, communicator), so ranks must agree on a
 * communicator's id. Creation is collective, so the id is agreed then: every member
 * proposes its next free id and all take the maximum (an allreduce on the new
 * communicator). Ids are therefore unique among the communicators any one rank belongs
 * to, which is what naming a channel needs. MPI_COMM_WORLD is 0, MPI_COMM_SELF is 1.
 */
#include "comms.h"

#include <stdlib.h>
#include <string.h>

/* Live communicators, searched linearly (few in practice). An entry is never freed:
 * requests keep a pointer to the communicator they were posted on, and MPI lets a
 * communicator be freed while operations on it are pending. */
static snap_comm **comms;
static int ncomms, capcomms;
static int32_t next_id = 2;
static snap_comm no_comm = {.comm = MPI_COMM_NULL};
/* entries of freed communicators, kept until the process ends for requests still
 * pointing at them (held here, not lost: LeakSanitizer reported them) */
static snap_comm **retired;
static int nretired, capretired;
snap_comm *snap_comm_last = &no_comm; /* the last one found (snap.h, snap_comm_get) */

enum { MAX_OBSERVERS = 4 };
static const snap_comm_observer *observers[MAX_OBSERVERS];
static int nobservers;

void snap_comm_observe(const snap_comm_observer *o)
{
    if (nobservers < MAX_OBSERVERS)
        observers[nobservers++] = o;
    else
        snap_log(SNAP_LOG_ERROR, "internal: too many communicator observers");
}

static void tell_freed(MPI_Comm c)
{
    for (int i = 0; i < nobservers; i++)
        if (observers[i]->freed) observers[i]->freed(c);
}

static snap_comm *add(MPI_Comm c, int32_t id)
{
    if (ncomms == capcomms) {
        capcomms = capcomms ? 2 * capcomms : 8;
        comms = snap_xrealloc(comms, (size_t)capcomms * sizeof *comms);
    }
    snap_comm *e = snap_xcalloc(1, sizeof *e);
    comms[ncomms++] = e;
    e->comm = c;
    e->id = id;
    PMPI_Comm_size(c, &e->size);
    PMPI_Comm_rank(c, &e->rank);
    e->world = snap_xmalloc((size_t)e->size * sizeof(int));
    MPI_Group g, wg;
    PMPI_Comm_group(c, &g);
    PMPI_Comm_group(MPI_COMM_WORLD, &wg);
    int *ranks = snap_xmalloc((size_t)e->size * sizeof(int));
    for (int i = 0; i < e->size; i++) ranks[i] = i;
    PMPI_Group_translate_ranks(g, e->size, ranks, wg, e->world);
    free(ranks);
    PMPI_Group_free(&g);
    PMPI_Group_free(&wg);
    return e;
}

void snap_comms_init(void)
{
    add(MPI_COMM_WORLD, 0);
    add(MPI_COMM_SELF, 1);
}

snap_comm *snap_comm_find(MPI_Comm c)
{
    if (c == MPI_COMM_NULL) return NULL;
    for (int i = 0; i < ncomms; i++)
        if (comms[i]->comm == c) return snap_comm_last = comms[i];
    return NULL;
}

snap_comm *snap_comm_at(int i) { return i < ncomms ? comms[i] : NULL; }

int snap_comm_register(MPI_Comm c)
{
    if (c == MPI_COMM_NULL) return MPI_SUCCESS;
    int inter = 0;
    PMPI_Comm_test_inter(c, &inter);
    if (inter) return snap_unsupported("intercommunicator", c, "intercommunicators are not supported");
    int32_t id = next_id;
    int rc = PMPI_Allreduce(MPI_IN_PLACE, &id, 1, MPI_INT32_T, MPI_MAX, c);
    if (rc != MPI_SUCCESS) return rc;
    next_id = id + 1;
    /* defensive: MPI_Comm_free tells the observers first, but a communicator freed while
     * the library passes calls through (snap_passthrough) is not seen */
    tell_freed(c);
    add(c, id);
    for (int i = 0; i < nobservers; i++)
        if (observers[i]->created) observers[i]->created(id, c);
    return MPI_SUCCESS;
}

void snap_comms_fini(void) { tell_freed(MPI_COMM_NULL); }

void snap_comm_forget(MPI_Comm c)
{
    tell_freed(c);
    for (int i = 0; i < ncomms; i++) {
        if (comms[i]->comm != c) continue;
        comms[i]->comm = MPI_COMM_NULL; /* kept for requests still pointing at it */
        if (nretired == capretired) {
            capretired = capretired ? 2 * capretired : 8;
            retired = snap_xrealloc(retired, (size_t)capretired * sizeof *retired);
        }
        retired[nretired++] = comms[i];
        comms[i] = comms[--ncomms];
        snap_comm_last = &no_comm;
        return;
    }
}
