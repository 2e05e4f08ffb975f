/*
 * noclose.c - preloaded into every process of the suite under MPISNAP_SANITIZE
 * (tests/sanitize/env.cmake.in): dlclose() keeps the library loaded. Open MPI 4.1 closes
 * its components (mca_*.so) at MPI_Finalize; LeakSanitizer, which looks at leaks at
 * exit, then cannot name the module that allocated what a component never freed
 * ("<unknown module>"), and lsan.supp cannot suppress it by name. Open MPI 4.1 has no
 * setting for this (5.0's mca_base_component_disable_dlclose).
 */
int dlclose(void *handle)
{
    (void)handle;
    return 0;
}
