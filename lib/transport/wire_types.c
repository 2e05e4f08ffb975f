/*
 * wire_types.c - the [header | application buffer] datatypes of messages sent and
 * received in place (wire.h).
 */
#include "wire.h"

/* [header | count x dt at buf] as one datatype at MPI_BOTTOM. */
MPI_Datatype wire_hdr_type(wire_hdr *h, const void *buf, int count, MPI_Datatype dt)
{
    int bl[2] = {WIRE_H, count};
    MPI_Aint d[2];
    MPI_Datatype t[2] = {MPI_BYTE, dt}, out;
    PMPI_Get_address(h, &d[0]);
    PMPI_Get_address(buf, &d[1]);
    PMPI_Type_create_struct(2, bl, d, t, &out);
    PMPI_Type_commit(&out);
    return out;
}

/* The types of blocking calls, whose header sits in one static place per direction, depend
 * only on (buf, count, dt): the recent ones are kept (creating and committing a type per
 * message costs more than a 64 KiB copy). */
enum { TCACHE = 8 };
static struct {
    const void *buf;
    int count;
    MPI_Datatype dt, t;
    const wire_hdr *h;
    int valid;
} tcache[TCACHE];
static unsigned tcache_next;

MPI_Datatype wire_blocking_type(wire_hdr *h, const void *buf, int count, MPI_Datatype dt)
{
    for (int i = 0; i < TCACHE; i++)
        if (tcache[i].valid && tcache[i].buf == buf && tcache[i].count == count && tcache[i].dt == dt &&
            tcache[i].h == h)
            return tcache[i].t;
    unsigned k = tcache_next++ % TCACHE;
    if (tcache[k].valid) PMPI_Type_free(&tcache[k].t);
    tcache[k].buf = buf, tcache[k].count = count, tcache[k].dt = dt, tcache[k].h = h, tcache[k].valid = 1;
    tcache[k].t = wire_hdr_type(h, buf, count, dt);
    return tcache[k].t;
}

void wire_type_forget(MPI_Datatype dt)
{
    for (int i = 0; i < TCACHE; i++)
        if (tcache[i].valid && tcache[i].dt == dt) {
            PMPI_Type_free(&tcache[i].t);
            tcache[i].valid = 0;
        }
}
