/*
 * dtsig.c - an MPI datatype's type signature as text, recorded with each in-transit
 * message of a snapshot so that mpisnap-inspect can show its payload as values.
 *
 * The payload of a message is kept in MPI's packed form: the basic elements of the
 * datatype's type map, in order, without gaps. Its signature (the sequence of basic
 * types) is therefore all a reader needs, and it is written as a numpy dtype string
 * of one element: "<f8" for MPI_DOUBLE, "3<i4,<f8,4S1" for a struct of three ints, a
 * double and four chars ("<": little-endian, the sizes are the basic types' sizes on
 * this machine). Runs only at snapshot time, when a message is captured, never on the
 * message path (the sender's datatype is not on the wire: adding it would cost every
 * send); a datatype it cannot flatten (MPI_Type_create_darray, an unknown named type,
 * a signature longer than the field) gives "".
 */
#include "dtype.h"

#include <stdio.h>
#include <stdlib.h>

enum { MAXRUNS = 24, MAXDEPTH = 16 };

typedef struct sig {
    struct run {
        char kind;  /* numpy kind: i u f c b S */
        int size;   /* bytes */
        uint64_t n; /* repeats */
    } r[MAXRUNS];
    int nr;
    int bad;
} sig;

static void add_run(sig *s, char kind, int size, uint64_t n)
{
    if (n == 0 || s->bad) return;
    struct run *last = s->nr ? &s->r[s->nr - 1] : NULL;
    if (last && last->kind == kind && last->size == size) {
        last->n += n;
        return;
    }
    if (s->nr == MAXRUNS) {
        s->bad = 1;
        return;
    }
    s->r[s->nr++] = (struct run){kind, size, n};
}

/* Repeat the runs from `from` on so that they appear `times` times in all. */
static void repeat(sig *s, int from, uint64_t times)
{
    if (times == 0) {
        s->nr = from;
        return;
    }
    int len = s->nr - from;
    if (len == 1) {
        s->r[from].n *= times;
        return;
    }
    for (uint64_t t = 1; t < times && !s->bad; t++)
        for (int k = 0; k < len && !s->bad; k++) {
            struct run x = s->r[from + k];
            add_run(s, x.kind, x.size, x.n);
        }
}

/* The numpy kind of a named basic type, or 0. Sizes come from MPI_Type_size. */
static char basic_kind(MPI_Datatype dt)
{
    static const struct {
        MPI_Datatype dt;
        char kind;
    } t[] = {
        {MPI_CHAR, 'S'},
        {MPI_SIGNED_CHAR, 'i'},
        {MPI_UNSIGNED_CHAR, 'u'},
        {MPI_BYTE, 'u'},
        {MPI_SHORT, 'i'},
        {MPI_UNSIGNED_SHORT, 'u'},
        {MPI_INT, 'i'},
        {MPI_UNSIGNED, 'u'},
        {MPI_LONG, 'i'},
        {MPI_UNSIGNED_LONG, 'u'},
        {MPI_LONG_LONG, 'i'},
        {MPI_UNSIGNED_LONG_LONG, 'u'},
        {MPI_INT8_T, 'i'},
        {MPI_INT16_T, 'i'},
        {MPI_INT32_T, 'i'},
        {MPI_INT64_T, 'i'},
        {MPI_UINT8_T, 'u'},
        {MPI_UINT16_T, 'u'},
        {MPI_UINT32_T, 'u'},
        {MPI_UINT64_T, 'u'},
        {MPI_AINT, 'i'},
        {MPI_OFFSET, 'i'},
        {MPI_COUNT, 'i'},
        {MPI_C_BOOL, 'b'},
        {MPI_FLOAT, 'f'},
        {MPI_DOUBLE, 'f'},
        {MPI_LONG_DOUBLE, 'f'},
        {MPI_C_FLOAT_COMPLEX, 'c'},
        {MPI_C_DOUBLE_COMPLEX, 'c'},
        {MPI_CHARACTER, 'S'},
        {MPI_INTEGER, 'i'},
        {MPI_REAL, 'f'},
        {MPI_DOUBLE_PRECISION, 'f'},
        {MPI_LOGICAL, 'i'},
        {MPI_COMPLEX, 'c'},
        {MPI_DOUBLE_COMPLEX, 'c'},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i].dt == dt) return t[i].kind;
    return 0;
}

static void walk(MPI_Datatype dt, sig *s, int depth);

/* The pair types of MPI_MINLOC/MAXLOC are named but hold two basic types. */
static int walk_pair(MPI_Datatype dt, sig *s)
{
    static const struct {
        MPI_Datatype dt;
        MPI_Datatype a, b;
    } t[] = {
        {MPI_FLOAT_INT, MPI_FLOAT, MPI_INT}, {MPI_DOUBLE_INT, MPI_DOUBLE, MPI_INT},
        {MPI_LONG_INT, MPI_LONG, MPI_INT},   {MPI_2INT, MPI_INT, MPI_INT},
        {MPI_SHORT_INT, MPI_SHORT, MPI_INT}, {MPI_LONG_DOUBLE_INT, MPI_LONG_DOUBLE, MPI_INT},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i].dt == dt) {
            walk(t[i].a, s, 0);
            walk(t[i].b, s, 0);
            return 1;
        }
    return 0;
}

/* Integer arguments of a combiner, checked against what the combiner needs. */
static int arg(const int *ints, int ni, int i) { return i < ni && ints[i] >= 0 ? ints[i] : 0; }

static void walk_derived(int comb, const int *ints, int ni, const MPI_Datatype *types, int nt, sig *s, int depth)
{
    int from = s->nr;
    uint64_t times = 0;
    switch (comb) {
    case MPI_COMBINER_DUP:
    case MPI_COMBINER_RESIZED: times = 1; break;
    case MPI_COMBINER_CONTIGUOUS: times = (uint64_t)arg(ints, ni, 0); break;
    case MPI_COMBINER_VECTOR:
    case MPI_COMBINER_HVECTOR:
    case MPI_COMBINER_INDEXED_BLOCK:
    case MPI_COMBINER_HINDEXED_BLOCK: times = (uint64_t)arg(ints, ni, 0) * (uint64_t)arg(ints, ni, 1); break;
    case MPI_COMBINER_INDEXED:
    case MPI_COMBINER_HINDEXED:
        for (int i = 0; i < arg(ints, ni, 0); i++) times += (uint64_t)arg(ints, ni, 1 + i);
        break;
    case MPI_COMBINER_SUBARRAY: {
        int nd = arg(ints, ni, 0);
        times = nd > 0;
        for (int i = 0; i < nd; i++) times *= (uint64_t)arg(ints, ni, 1 + nd + i);
        break;
    }
    case MPI_COMBINER_STRUCT:
        for (int i = 0; i < arg(ints, ni, 0) && i < nt && !s->bad; i++) {
            int f = s->nr;
            walk(types[i], s, depth + 1);
            repeat(s, f, (uint64_t)arg(ints, ni, 1 + i));
        }
        return;
    default: /* darray, the Fortran parameterised types: not flattened */ s->bad = 1; return;
    }
    if (nt < 1) {
        s->bad = 1;
        return;
    }
    walk(types[0], s, depth + 1);
    repeat(s, from, times);
}

static void walk(MPI_Datatype dt, sig *s, int depth)
{
    int ni, na, nt, comb, size = 0;
    if (s->bad || depth > MAXDEPTH || PMPI_Type_get_envelope(dt, &ni, &na, &nt, &comb) != MPI_SUCCESS) {
        s->bad = 1;
        return;
    }
    if (comb == MPI_COMBINER_NAMED) {
        char kind = basic_kind(dt);
        if (kind && PMPI_Type_size(dt, &size) == MPI_SUCCESS && size > 0)
            add_run(s, kind, size, 1);
        else if (!walk_pair(dt, s))
            s->bad = 1;
        return;
    }
    int *ints = snap_xmalloc(((size_t)ni + 1) * sizeof *ints);
    MPI_Aint *addrs = snap_xmalloc(((size_t)na + 1) * sizeof *addrs);
    MPI_Datatype *types = snap_xmalloc(((size_t)nt + 1) * sizeof *types);
    if (PMPI_Type_get_contents(dt, ni, na, nt, ints, addrs, types) == MPI_SUCCESS)
        walk_derived(comb, ints, ni, types, nt, s, depth);
    else
        s->bad = 1;
    for (int i = 0; i < nt; i++) { /* MPI returns derived constituents as new handles */
        int tni, tna, tnt, tcomb;
        if (PMPI_Type_get_envelope(types[i], &tni, &tna, &tnt, &tcomb) == MPI_SUCCESS && tcomb != MPI_COMBINER_NAMED)
            PMPI_Type_free(&types[i]);
    }
    free(ints);
    free(addrs);
    free(types);
}

void snap_dt_describe(MPI_Datatype dt, char *name, size_t nlen, char *out, size_t len)
{
    static const union {
        uint16_t u;
        uint8_t b[2];
    } probe = {1};
    const char *order = probe.b[0] ? "<" : ">";
    sig s = {.nr = 0};
    int ni, na, nt, comb;
    out[0] = name[0] = '\0';
    if (dt == MPI_DATATYPE_NULL || PMPI_Type_get_envelope(dt, &ni, &na, &nt, &comb) != MPI_SUCCESS) return;
    snap_dt_name(dt, name, nlen);
    walk(dt, &s, 0);
    if (s.bad || s.nr == 0) return;
    size_t at = 0;
    for (int i = 0; i < s.nr; i++) {
        const struct run *x = &s.r[i];
        char count[24] = "";
        if (x->n > 1) snprintf(count, sizeof count, "%llu", (unsigned long long)x->n);
        int k = snprintf(out + at, len - at, "%s%s%s%c%d", i ? "," : "", count,
                         x->kind == 'S' || x->size == 1 ? "" : order, x->kind, x->size);
        if (k < 0 || (size_t)k >= len - at) {
            out[0] = '\0'; /* does not fit: not known, rather than cut */
            return;
        }
        at += (size_t)k;
    }
}
