/*
 * ompi.c - the MPI seam (mpiseam.h) for Open MPI.
 */
#include "mpiseam.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

typedef int (*progress_cb)(void);

int seam_progress_register(int (*cb)(void))
{
    int (*reg)(progress_cb) = (int (*)(progress_cb))dlsym(RTLD_DEFAULT, "opal_progress_register");
    return reg && reg(cb) == 0 ? 0 : -1;
}

void seam_progress_unregister(int (*cb)(void))
{
    int (*unreg)(progress_cb) = (int (*)(progress_cb))dlsym(RTLD_DEFAULT, "opal_progress_unregister");
    if (unreg) unreg(cb);
}

MPI_Request seam_req_empty;
int seam_req_empty_known;

int seam_sent_at_once_slow(MPI_Request r)
{
    if (!seam_req_empty_known) {
        seam_req_empty = (MPI_Request)dlsym(RTLD_DEFAULT, "ompi_request_empty");
        seam_req_empty_known = 1;
    }
    if (seam_req_empty) return r == seam_req_empty;
    int flag = 0;
    PMPI_Request_get_status(r, &flag, MPI_STATUS_IGNORE);
    return flag;
}

int seam_launcher_rank0(void)
{
    const char *v = getenv("OMPI_COMM_WORLD_RANK");
    if (!v) v = getenv("PMI_RANK");
    if (!v) v = getenv("PMIX_RANK");
    return !v || !strcmp(v, "0");
}

const char *seam_why_unseen(void)
{
    if (dlopen("libmpi_mpifh.so.40", RTLD_NOW | RTLD_NOLOAD) && !dlsym(RTLD_DEFAULT, "ompi_init_f"))
        return "this is a Fortran program and this libmpisnap was built without Fortran support "
               "(cmake -DMPISNAP_FORTRAN=ON)";
    return "MPI_Init was called through a path mpisnap does not interpose (PMPI_Init called directly, a language "
           "binding it does not cover, or an MPI library loaded ahead of it); libmpisnap must come first: run the "
           "program under mpisnap-run, or link it with -lmpisnap before the MPI libraries";
}
