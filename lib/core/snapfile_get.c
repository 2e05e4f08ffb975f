/*
 * snapfile_get.c - reading one attribute or dataset of a snapshot file, checked (its
 * class, shape, size and checksum), with a one-line reason when it fails; what the
 * reader (snapfile_read.c) builds on.
 */
#include "snapfile_rd.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Put "mpisnap: FILE: <reason>" in c's buffer; -1, for `return sfr_fail(...)`. */
int sfr_fail(rctx *c, const char *fmt, ...)
{
    if (c->err && c->errlen) {
        int n = snprintf(c->err, c->errlen, "mpisnap: %s: ", c->path);
        va_list ap;
        va_start(ap, fmt);
        if (n >= 0 && (size_t)n < c->errlen) vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* An HDF5 call on `what` failed: a checksum failure is corruption, anything else is
 * reported as unreadable. */
int sfr_h5fail(rctx *c, const char *what)
{
    if (c->q.checksum) return sfr_fail(c, "checksum error in %s (file corrupt)", what);
    return sfr_fail(c, "cannot read %s (%s)", what, sfi_quiet_reason(&c->q));
}

/* 1 if `name` is a hard link under loc (path `where`), 0 if absent, -1 (reason set) if
 * the group cannot be read. Soft and external links count as absent: a snapshot never
 * contains them, and following one would read another file. */
int sfr_has_object(rctx *c, hid_t loc, const char *where, const char *name)
{
    H5L_info_t li;
    htri_t there = H5Lexists(loc, name, H5P_DEFAULT);
    if (there < 0 || (there > 0 && H5Lget_info(loc, name, &li, H5P_DEFAULT) < 0)) return sfr_h5fail(c, where);
    return there > 0 && li.type == H5L_TYPE_HARD;
}

/* 1 if obj has attribute `name`, 0 if not, -1 (reason set) if the header is unreadable. */
int sfr_attr_there(rctx *c, hid_t obj, const char *where, const char *name)
{
    htri_t there = H5Aexists(obj, name);
    return there < 0 ? sfr_h5fail(c, where) : there > 0;
}

/* Open attribute `name` of obj, which must hold exactly one value of class cls. */
static hid_t open_attr(rctx *c, hid_t obj, const char *where, const char *name, H5T_class_t cls)
{
    int there = sfr_attr_there(c, obj, where, name);
    if (there <= 0) return there < 0 ? -1 : sfr_fail(c, "attribute '%s' missing on %s", name, where);
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return sfr_h5fail(c, where);
    hid_t s = H5Aget_space(a), t = H5Aget_type(a);
    int ok = s >= 0 && t >= 0 && H5Sget_simple_extent_npoints(s) == 1 && H5Tget_class(t) == cls;
    if (s >= 0) H5Sclose(s);
    if (t >= 0) H5Tclose(t);
    if (!ok) {
        H5Aclose(a);
        return sfr_fail(c, "attribute '%s' on %s has the wrong type or shape", name, where);
    }
    return a;
}

/* A numeric attribute, converted by HDF5 to mtype (out-of-range values are clipped,
 * which the callers' range checks then refuse). */
int sfr_get_num(rctx *c, hid_t obj, const char *where, const char *name, hid_t mtype, void *v)
{
    hid_t a = open_attr(c, obj, where, name, H5Tget_class(mtype));
    if (a < 0) return -1;
    herr_t st = H5Aread(a, mtype, v);
    H5Aclose(a);
    return st < 0 ? sfr_fail(c, "cannot read attribute '%s' on %s", name, where) : 0;
}

int sfr_get_i64(rctx *c, hid_t obj, const char *where, const char *name, int64_t *v)
{
    return sfr_get_num(c, obj, where, name, H5T_NATIVE_INT64, v);
}

int sfr_get_i32(rctx *c, hid_t obj, const char *where, const char *name, int32_t *v)
{
    return sfr_get_num(c, obj, where, name, H5T_NATIVE_INT32, v);
}

int sfr_get_f64(rctx *c, hid_t obj, const char *where, const char *name, double *v)
{
    return sfr_get_num(c, obj, where, name, H5T_NATIVE_DOUBLE, v);
}

/* A fixed-length string attribute into buf[cap], which it must fit with its NUL. */
int sfr_get_str(rctx *c, hid_t obj, const char *where, const char *name, char *buf, size_t cap)
{
    hid_t a = open_attr(c, obj, where, name, H5T_STRING);
    if (a < 0) return -1;
    hid_t t = H5Aget_type(a);
    size_t size = t < 0 ? 0 : H5Tget_size(t);
    int ok = t >= 0 && H5Tis_variable_str(t) == 0 && size >= 1 && size <= cap && H5Aread(a, t, buf) >= 0 &&
             memchr(buf, '\0', size);
    if (t >= 0) H5Tclose(t);
    H5Aclose(a);
    if (!ok) return sfr_fail(c, "attribute '%s' on %s is not a string of at most %zu bytes", name, where, cap - 1);
    return 0;
}

/* Open dataset where/name: 1-D, of class cls, at most max elements, checksummed, and
 * with all its data stored (a hostile extent cannot make us allocate more than the file
 * holds). Returns the dataset and its length in *n. A region's dataset is contiguous,
 * unfiltered, its checksum an attribute instead (checked against the bytes when they
 * are read, by load_region). */
static hid_t open_checked(rctx *c, hid_t loc, const char *where, const char *name, H5T_class_t cls, hsize_t max,
                          hsize_t *n, int region)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", where, name);
    int there = sfr_has_object(c, loc, where, name);
    if (there <= 0) return there < 0 ? -1 : sfr_fail(c, "%s missing", path);
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d < 0) return sfr_h5fail(c, path);
    hid_t s = H5Dget_space(d), t = H5Dget_type(d), dcpl = H5Dget_create_plist(d);
    unsigned flags = 0;
    size_t nvals = 0;
    int shaped = s >= 0 && t >= 0 && H5Sget_simple_extent_ndims(s) == 1 && H5Sget_simple_extent_dims(s, n, NULL) == 1 &&
                 H5Tget_class(t) == cls && (!region || H5Tget_size(t) == 1);
    int summed =
        region
            ? dcpl >= 0 && H5Pget_layout(dcpl) == H5D_CONTIGUOUS && sfr_attr_there(c, d, path, "checksum") == 1
            : dcpl >= 0 && H5Pget_filter_by_id2(dcpl, H5Z_FILTER_FLETCHER32, &flags, &nvals, NULL, 0, NULL, NULL) >= 0;
    size_t esize = t >= 0 ? H5Tget_size(t) : 0;
    int stored = shaped && esize && *n <= HSIZE_UNDEF / esize && H5Dget_storage_size(d) >= *n * esize;
    if (s >= 0) H5Sclose(s);
    if (t >= 0) H5Tclose(t);
    if (dcpl >= 0) H5Pclose(dcpl);
    int rc = !shaped    ? sfr_fail(c, "%s has the wrong type or shape", path)
             : *n > max ? sfr_fail(c, "%s has %llu entries, at most %llu expected", path, (unsigned long long)*n,
                                   (unsigned long long)max)
             : !summed  ? sfr_fail(c, "%s has no checksum (not written by mpisnap)", path)
             : !stored  ? sfr_fail(c, "%s is incomplete (not all its data is stored)", path)
                        : 0;
    if (rc < 0) {
        H5Dclose(d);
        return -1;
    }
    return d;
}

hid_t sfr_open_data(rctx *c, hid_t loc, const char *where, const char *name, H5T_class_t cls, hsize_t max, hsize_t *n)
{
    return open_checked(c, loc, where, name, cls, max, n, 0);
}

hid_t sfr_open_region(rctx *c, hid_t loc, const char *where, const char *name, hsize_t *n)
{
    return open_checked(c, loc, where, name, H5T_INTEGER, HSIZE_UNDEF, n, 1);
}

/* The data's checksum (format 4 on): HDF5's Fletcher32 passes a chunk zeroed together
 * with its checksum, this one does not (sfi_data_sum). */
static int check_sum(rctx *c, hid_t d, const char *path, hid_t mtype, const void *data, hsize_t n)
{
    uint64_t want = 0, got = 0;
    int there = sfr_attr_there(c, d, path, "checksum");
    if (there <= 0) return there < 0 ? -1 : sfr_fail(c, "%s has no checksum (not written by mpisnap)", path);
    if (sfr_get_num(c, d, path, "checksum", H5T_NATIVE_UINT64, &want) < 0) return -1;
    hid_t t = H5Dget_type(d);
    int rc = t < 0 || sfi_data_sum(t, mtype, data, (size_t)n, &got) < 0 ? sfr_h5fail(c, path) : 0;
    if (t >= 0) H5Tclose(t);
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    /* the fuzz targets: a mutated input should reach what lies behind the checksum, as a
     * crafted file with a matching checksum does (HDF5's Fletcher32 still applies) */
    want = got;
#endif
    return rc == 0 && got != want ? sfr_fail(c, "checksum error in %s (file corrupt)", path) : rc;
}

/* Read all n elements of d as mtype (msize bytes each) into a new zeroed buffer *out
 * (owned by the caller, never NULL on success). Closes d in every case. */
int sfr_read_all(rctx *c, hid_t d, const char *path, hid_t mtype, size_t msize, hsize_t n, void **out)
{
    int rc = 0;
    *out = NULL;
    if (n > SIZE_MAX / msize)
        rc = sfr_fail(c, "%s is too large for memory", path);
    else if (!(*out = calloc(n ? (size_t)n : 1, msize)))
        rc = sfr_fail(c, "out of memory reading %s", path);
    c->q.checksum = 0;
    if (rc == 0 && n > 0 && H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, *out) < 0) rc = sfr_h5fail(c, path);
    if (rc == 0 && c->version >= 4) rc = check_sum(c, d, path, mtype, *out, n);
    H5Dclose(d);
    if (rc < 0) {
        free(*out);
        *out = NULL;
    }
    return rc;
}
