/*
 * record.h - regions registered with mpisnap_protect(), read by record.c at every record.
 */
#ifndef MPISNAP_RECORD_H
#define MPISNAP_RECORD_H

#include "snap.h"

int record_protect(const char *name, void *ptr, int count, MPI_Datatype dt);
int record_unprotect(const char *name);
void record_forget_all(void);
/* For restart: the type name and packed size of the protected region `name` (0), or -1
 * if no region has that name; the first protected region whose name is not among
 * names[0..n) (NULL if none); unpack `bytes` bytes into the region `name`. */
int record_describe(const char *name, char *type, uint64_t *bytes);
const char *record_first_missing(const char *const *names, uint32_t n);
void record_restore(const char *name, const uint8_t *data, uint64_t bytes);

#endif
