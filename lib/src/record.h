/*
 * record.h - regions registered with mpisnap_protect(), read by record.c at every record.
 */
#ifndef MPISNAP_RECORD_H
#define MPISNAP_RECORD_H

#include "snap.h"

int record_protect(const char *name, void *ptr, int count, MPI_Datatype dt);
int record_unprotect(const char *name);
void record_forget_all(void);

#endif
