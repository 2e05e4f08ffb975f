/*
 * stub_api.c - the mpisnap API as no-ops, to build the example apps WITHOUT the library
 * (bank-plain): the reference that "same result with and without mpisnap" compares to.
 */
#include <mpisnap.h>

const char *mpisnap_strerror(int err) { return err ? "mpisnap: error" : "mpisnap: success"; }
int mpisnap_request(void) { return MPISNAP_OK; }
int mpisnap_protect(const char *n, void *p, int c, MPI_Datatype t) { return MPISNAP_OK; }
int mpisnap_unprotect(const char *n) { return MPISNAP_OK; }
int mpisnap_conserve(const char *r, int64_t t, int o) { return MPISNAP_OK; }
int mpisnap_safepoint(void) { return MPISNAP_OK; }
int mpisnap_restarted(void) { return 0; }
long mpisnap_last_snapshot(void) { return 0; }
long mpisnap_wait_all(void) { return 0; }
