/*
 * preload.c - preloaded into every process of the suite under MPISNAP_SANITIZE
 * (tests/sanitize/env.cmake.in), built without the sanitizers. Two fixes for the
 * environment, none for mpisnap:
 *
 * dlclose() keeps the library loaded. Open MPI 4.1 closes its components (mca_*.so) at
 * MPI_Finalize; LeakSanitizer, which looks at leaks at exit, then cannot name the module
 * that allocated what a component never freed ("<unknown module>"), and lsan.supp
 * cannot suppress it by name. Open MPI 4.1 has no setting for this (5.0's
 * mca_base_component_disable_dlclose).
 *
 * newlocale() wakes ASan's run-time before glibc's newlocale takes its lock. In a
 * program built without ASan, whose run-time mpisnap-run preloads, the run-time
 * initializes at the first malloc, and the loader runs libp11-kit's constructor (HDF5 ->
 * curl -> gnutls -> p11-kit) before the run-time's own. That constructor calls
 * newlocale, whose first malloc comes while newlocale holds __libc_setlocale_lock for
 * writing; ASan's initialization then calls dlerror, whose gettext takes the same lock
 * for reading: refused (EDEADLK, the thread is its writer), but unlocked all the same,
 * which releases newlocale's write lock; then newlocale's own unlock takes the reader
 * count to -1. The next gettext (any strerror; HDF5 calls one when it probes a file that
 * is not there) leaves the lock in a read phase with that count, and libp11-kit's
 * destructor, at exit, waits for ever in freelocale. (Seen with gdb, a hardware
 * watchpoint on the lock from the first instruction.) Here, outside the lock, the
 * run-time is initialized first (a no-op once it is, and absent in a process without
 * it).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <locale.h>

void __asan_init(void) __attribute__((weak));

int dlclose(void *handle)
{
    (void)handle;
    return 0;
}

locale_t newlocale(int mask, const char *name, locale_t base)
{
    static locale_t (*real)(int, const char *, locale_t);
    if (__asan_init) __asan_init();
    if (!real) real = (locale_t(*)(int, const char *, locale_t))dlsym(RTLD_NEXT, "newlocale");
    return real(mask, name, base);
}
