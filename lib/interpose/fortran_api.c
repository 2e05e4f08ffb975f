/*
 * fortran_api.c - what the Fortran module (lib/fortran/mpisnap.f90.in) calls: the
 * mpisnap.h calls that take a name or a memory region, in Fortran's terms. A region is
 * a C descriptor (ISO_Fortran_binding.h, Fortran 2018), which gives its address,
 * shape and element type; names come with their length, blank-padded.
 */
#include "snap.h"
#include "snapfile.h"

#include <ISO_Fortran_binding.h>
#include <limits.h>
#include <mpisnap.h>
#include <stdio.h>
#include <stdlib.h>

/* A Fortran name without its trailing blanks, or NULL (log line) when too long. */
static const char *c_name(const char *name, int len, char *out, size_t cap, const char *call)
{
    while (len > 0 && name[len - 1] == ' ') len--;
    if (len <= 0 || (size_t)len >= cap) {
        snap_log(SNAP_LOG_ERROR, "%s: a name of 1 to %zu characters is needed, got %d", call, cap - 1, len);
        return NULL;
    }
    memcpy(out, name, (size_t)len);
    out[len] = 0;
    return out;
}

/* The MPI datatype of one element of a Fortran object; MPI_DATATYPE_NULL when it has
 * none of its own (a derived type, a LOGICAL, a string: saved as bytes). */
static MPI_Datatype element_type(const CFI_cdesc_t *a)
{
    const struct {
        CFI_type_t t;
        MPI_Datatype dt;
    } map[] = {
        {CFI_type_int8_t, MPI_INT8_T},
        {CFI_type_int16_t, MPI_INT16_T},
        {CFI_type_int32_t, MPI_INT32_T},
        {CFI_type_int64_t, MPI_INT64_T},
        {CFI_type_float, MPI_FLOAT},
        {CFI_type_double, MPI_DOUBLE},
        {CFI_type_float_Complex, MPI_C_FLOAT_COMPLEX},
        {CFI_type_double_Complex, MPI_C_DOUBLE_COMPLEX},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (a->type == map[i].t) return map[i].dt;
    return MPI_DATATYPE_NULL;
}

/* Are a's elements one run of memory? (CFI_is_contiguous would make C programs load
 * the Fortran run-time library.) A dimension of extent 1 has any stride. */
static int contiguous(const CFI_cdesc_t *a)
{
    CFI_index_t run = (CFI_index_t)a->elem_len;
    for (int i = 0; i < a->rank; i++) {
        if (a->dim[i].extent > 1 && a->dim[i].sm != run) return 0;
        run *= a->dim[i].extent;
    }
    return 1;
}

SNAP_API int mpisnap_protect_f(const char *name, int name_len, CFI_cdesc_t *a)
{
    char n[SF_NAME_MAX];
    if (!c_name(name, name_len, n, sizeof n, "mpisnap_protect")) return MPISNAP_EINVAL;
    if (!contiguous(a)) {
        snap_log(SNAP_LOG_ERROR,
                 "mpisnap_protect('%s'): the array is not contiguous (a section with a stride?); "
                 "protect the whole array, or a contiguous copy that keeps its address",
                 n);
        return MPISNAP_EINVAL;
    }
    size_t count = 1;
    for (int i = 0; i < a->rank; i++) count *= (size_t)a->dim[i].extent;
    MPI_Datatype dt = element_type(a);
    if (dt == MPI_DATATYPE_NULL) { /* bytes */
        dt = MPI_BYTE;
        count *= a->elem_len;
    }
    if (count > INT_MAX) {
        snap_log(SNAP_LOG_ERROR,
                 "mpisnap_protect('%s'): %zu elements, at most %d can be protected as one region; "
                 "protect it in parts",
                 n, count, INT_MAX);
        return MPISNAP_EINVAL;
    }
    return mpisnap_protect(n, a->base_addr, (int)count, dt);
}

SNAP_API int mpisnap_unprotect_f(const char *name, int name_len)
{
    char n[SF_NAME_MAX];
    if (!c_name(name, name_len, n, sizeof n, "mpisnap_unprotect")) return MPISNAP_EINVAL;
    return mpisnap_unprotect(n);
}

SNAP_API int mpisnap_conserve_f(const char *region, int region_len, int64_t total, int payload_offset)
{
    char n[SF_NAME_MAX];
    if (!c_name(region, region_len, n, sizeof n, "mpisnap_conserve")) return MPISNAP_EINVAL;
    return mpisnap_conserve(n, total, payload_offset);
}

/* A call of the module without ierror failed: one line, and the job stops, as MPI's
 * default error handler would stop it. */
SNAP_API void mpisnap_f_fail(int rc, const char *what, int what_len)
{
    const char *msg = mpisnap_strerror(rc), *prefix = "mpisnap: ";
    if (!strncmp(msg, prefix, strlen(prefix))) msg += strlen(prefix);
    snap_log_impl(SNAP_LOG_ERROR, "%.*s failed: %s (pass ierror to handle the error in the program)", what_len, what,
                  msg);
    int up = 0, down = 0;
    PMPI_Initialized(&up);
    PMPI_Finalized(&down);
    if (up && !down) PMPI_Abort(MPI_COMM_WORLD, 2);
    exit(2);
}
