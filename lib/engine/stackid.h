/*
 * stackid.h - what identifies a frame of a call stack without naming it: the module's
 * path, its GNU build-id and the frame's offset in it, as "path+0xoffset build-id=hex"
 * (file format 3's stack frames; docs/FORMAT.md). mpisnap-inspect names frames from
 * these offline. No MPI, no symbol lookup: cheap enough for snapshot time.
 */
#ifndef MPISNAP_STACKID_H
#define MPISNAP_STACKID_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#define STACKID_BUILD_ID_MAX 64 /* bytes; GNU ld writes 20 (SHA-1) */
#define STACKID_FRAME_MAX    (PATH_MAX + 2 * STACKID_BUILD_ID_MAX + 64)

/* Forgets the modules kept so far if any was unloaded since (dlclose): call it before
 * each stack, so that no frame is given a module that is gone. */
void stackid_refresh(void);
/* Writes the frame at address pc into buf ("?+0x<pc>" when no loaded module holds it)
 * and returns the load bias of its module (UINTPTR_MAX when none). A module is looked
 * up with dl_iterate_phdr the first time one of its addresses is seen, and its path,
 * build-id and address span kept. Not thread-safe: one recording thread at a time. */
uintptr_t stackid_frame(uintptr_t pc, char *buf, size_t len);
/* The load bias of the shared library that holds pc; 0 when pc is in the main program
 * or in no module (a library linked statically into the program cannot be told apart
 * from it). */
uintptr_t stackid_library_bias(uintptr_t pc);

#endif
