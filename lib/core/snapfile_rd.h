/*
 * snapfile_rd.h - what the reader's files share (snapfile_read.c: the file and its rank
 * parts; snapfile_get.c: reading one attribute or dataset, checked). Internal.
 */
#ifndef MPISNAP_SNAPFILE_RD_H
#define MPISNAP_SNAPFILE_RD_H

#include "snapfile_int.h"

/* What every reading helper needs: the file name and the caller's error buffer for the
 * one-line reason, and the error notes gathered from HDF5. */
typedef struct rctx {
    const char *path;
    char *err;
    size_t errlen;
    sfi_quiet q;
    int skip_region_data;
    uint64_t region_budget; /* bytes the rank's regions may still claim: the file's size */
    int32_t version;        /* the file's format_version, once known (0 before) */
} rctx;

/* Put "mpisnap: FILE: <reason>" in c's buffer; -1, for `return sfr_fail(...)`. */
SFI_HIDDEN int sfr_fail(rctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An HDF5 call on `what` failed: a checksum failure is corruption, anything else is
 * reported as unreadable. */
SFI_HIDDEN int sfr_h5fail(rctx *c, const char *what);
/* 1 if `name` is a hard link under loc (path `where`), 0 if absent, -1 on error. */
SFI_HIDDEN int sfr_has_object(rctx *c, hid_t loc, const char *where, const char *name);
SFI_HIDDEN int sfr_attr_there(rctx *c, hid_t obj, const char *where, const char *name);
/* An attribute of obj, of the class of mtype, read into v; -1 with the reason. */
SFI_HIDDEN int sfr_get_num(rctx *c, hid_t obj, const char *where, const char *name, hid_t mtype, void *v);
SFI_HIDDEN int sfr_get_i64(rctx *c, hid_t obj, const char *where, const char *name, int64_t *v);
SFI_HIDDEN int sfr_get_i32(rctx *c, hid_t obj, const char *where, const char *name, int32_t *v);
SFI_HIDDEN int sfr_get_f64(rctx *c, hid_t obj, const char *where, const char *name, double *v);
SFI_HIDDEN int sfr_get_str(rctx *c, hid_t obj, const char *where, const char *name, char *buf, size_t cap);
/* Open dataset where/name: 1-D, of class cls, at most max elements, checksummed, all its
 * data stored; its length in *n. A region: contiguous, 1-byte elements, its checksum an
 * attribute. */
SFI_HIDDEN hid_t sfr_open_data(rctx *c, hid_t loc, const char *where, const char *name, H5T_class_t cls, hsize_t max,
                               hsize_t *n);
SFI_HIDDEN hid_t sfr_open_region(rctx *c, hid_t loc, const char *where, const char *name, hsize_t *n);
/* All n elements of d as mtype (msize bytes each) into a new zeroed buffer *out;
 * closes d. From format 4 on, d's `checksum` attribute must match the data. */
SFI_HIDDEN int sfr_read_all(rctx *c, hid_t d, const char *path, hid_t mtype, size_t msize, hsize_t n, void **out);

#endif
