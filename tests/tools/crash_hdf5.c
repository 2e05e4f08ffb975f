/*
 * crash_hdf5.c - preloaded into mpisnap-inspect by the test tools.inspect_crash_guard:
 * HDF5's H5Fis_hdf5, the first call that parses a file, crashes (SIGSEGV, as HDF5's
 * parser does on some crafted files). The tool must answer with one line naming the
 * file and exit status 2.
 */
#include <signal.h>

int H5Fis_hdf5(const char *name)
{
    (void)name;
    raise(SIGSEGV);
    return -1;
}
