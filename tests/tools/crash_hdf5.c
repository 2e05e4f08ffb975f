/*
 * crash_hdf5.c - preloaded into mpisnap-inspect by the tests tools.inspect_crash_guard
 * and tools.inspect_read_limit: HDF5's H5Fis_hdf5, the first call that parses a file,
 * crashes (SIGSEGV, as HDF5's parser does on some crafted files), or with
 * CRASH_HDF5=loop never returns (a parser looping on a damaged file). Either way the
 * tool must answer with one line naming the file and exit status 2.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

int H5Fis_hdf5(const char *name);

int H5Fis_hdf5(const char *name)
{
    const char *how = getenv("CRASH_HDF5");
    if (how && strcmp(how, "loop") == 0)
        for (volatile const char *volatile p = name;;) p = p ? p : name;
    raise(SIGSEGV);
    return -1;
}
