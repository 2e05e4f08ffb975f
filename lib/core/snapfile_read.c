/*
 * snapfile_read.c - reading snapshot files (the writer is snapfile.c, the layout
 * docs/FORMAT.md).
 *
 * The reader trusts nothing it reads: every count, length, offset and string is checked
 * before use, every dataset must carry its Fletcher32 checksum and every region its
 * XXH3 checksum attribute (checked against its bytes), so a damaged or hostile file
 * yields a one-line reason, never a crash. sf_open() checks the job
 * attributes and that every rank group exists; a rank's datasets are read (and their
 * checksums verified) on its first sf_get_rank(), so a summary of a job with large
 * regions does not read them all up front.
 */
#define _GNU_SOURCE /* O_DIRECT */

#include "snapfile_rd.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One rank's part, loaded on first request; everything it points to is owned here. */
struct rank_data {
    sf_rank pub;
    uint64_t *sent, *recvd;
    sf_request *requests;
    sf_region *regions;
    uint8_t **region_data; /* [nregion_data], freed one by one */
    uint32_t nregion_data;
    char *stack_buf;
    const char **stack;
    sf_msg *msgs;
    uint8_t *payload;
    sf_comm *comms;
    int32_t *comm_members;
};

struct sf_file {
    hid_t file, ranks;
    char *path;
    sf_job job;
    int32_t *initiators;
    uint32_t ninitiators;
    struct rank_data **loaded; /* [nranks], NULL until sf_get_rank */
    int skip_region_data;
};

/* The whole blocks of a region's n bytes at file offset `at`, read with O_DIRECT into
 * buf (page-aligned): straight from the disk into the buffer. Several ranks reading their
 * regions at once keep the disk's queue full this way (three times the bandwidth of
 * reads through the page cache, measured on a virtual disk), and a snapshot's regions,
 * written with O_DIRECT, are not in the page cache anyway. Returns how many bytes it
 * read: the rest, a partial last block or everything where O_DIRECT is refused, is for
 * the caller. */
static uint64_t read_direct(const char *path, haddr_t at, uint8_t *buf, uint64_t n)
{
    uint64_t got = 0;
#ifdef O_DIRECT
    uint64_t whole = n / SF_ALIGN * SF_ALIGN;
    if (at == HADDR_UNDEF || at % SF_ALIGN || !whole) return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_DIRECT);
    while (fd >= 0 && got < whole) {
        uint64_t want = whole - got < ((uint64_t)1 << 30) ? whole - got : (uint64_t)1 << 30;
        ssize_t k = pread(fd, buf + got, (size_t)want, (off_t)(at + got));
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0 || k % SF_ALIGN) break; /* refused, or short (a truncated file): the caller's read says why */
        got += (uint64_t)k;
    }
    if (fd >= 0) close(fd);
#else
    (void)path, (void)at, (void)buf, (void)n;
#endif
    return got;
}

/* sfr_read_all() for a region's bytes, into a buffer of sf_big_alloc. Closes d. */
static int read_region(rctx *c, hid_t d, const char *path, hsize_t n, uint8_t **out)
{
    int rc = 0;
    *out = NULL;
    /* the buffers are populated at once: a part's regions, however many, may not claim
     * more memory than the file's size */
    if (n > c->region_budget)
        rc = sfr_fail(c, "%s claims %llu bytes, more than the file holds (file corrupt)", path, (unsigned long long)n);
    else if (!(*out = sf_big_alloc(n ? (size_t)n : 1)))
        rc = sfr_fail(c, "out of memory reading %s", path);
    c->region_budget -= rc == 0 ? n : 0;
    haddr_t at = H5Dget_offset(d);
    hid_t fid = at != HADDR_UNDEF ? H5Iget_file_id(d) : -1;
    hid_t fcpl = fid >= 0 ? H5Fget_create_plist(fid) : -1;
    hsize_t ub = 0; /* a user block (h5jam) comes before HDF5's addresses */
    if (fcpl < 0 || H5Pget_userblock(fcpl, &ub) < 0) at = HADDR_UNDEF;
    if (fcpl >= 0) H5Pclose(fcpl);
    if (fid >= 0) H5Fclose(fid);
    hsize_t done = rc == 0 ? read_direct(c->path, at == HADDR_UNDEF ? at : at + ub, *out, n) : 0;
    if (rc == 0 && done < n) { /* the rest through HDF5 */
        hsize_t rest = n - done;
        hid_t fs = H5Dget_space(d), ms = H5Screate_simple(1, &rest, NULL);
        if (fs < 0 || ms < 0 || H5Sselect_hyperslab(fs, H5S_SELECT_SET, &done, NULL, &rest, NULL) < 0 ||
            H5Dread(d, H5T_NATIVE_UINT8, ms, fs, H5P_DEFAULT, *out + done) < 0)
            rc = sfr_h5fail(c, path);
        if (fs >= 0) H5Sclose(fs);
        if (ms >= 0) H5Sclose(ms);
    }
    H5Dclose(d);
    if (rc < 0) {
        sf_big_free(*out);
        *out = NULL;
    }
    return rc;
}

static int load(rctx *c, hid_t loc, const char *where, const char *name, hid_t mtype, size_t msize, hsize_t max,
                void **out, hsize_t *n)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", where, name);
    hid_t d = sfr_open_data(c, loc, where, name, H5Tget_class(mtype), max, n);
    return d < 0 ? -1 : sfr_read_all(c, d, path, mtype, msize, *n, out);
}

static int load_counters(rctx *c, hid_t g, const char *where, int32_t nranks, uint64_t **v, const char *name)
{
    hsize_t n;
    if (load(c, g, where, name, H5T_NATIVE_UINT64, sizeof **v, (hsize_t)nranks, (void **)v, &n) < 0) return -1;
    if (n != (hsize_t)nranks)
        return sfr_fail(c, "%s/%s has %llu entries, expected %d", where, name, (unsigned long long)n, nranks);
    return 0;
}

static int load_requests(rctx *c, hid_t g, const char *where, struct rank_data *rd)
{
    hid_t mt = sfi_compound_type(&sfi_request_rec, 0);
    hsize_t n = 0;
    int rc = mt < 0 ? sfr_fail(c, "out of memory")
                    : load(c, g, where, "requests", mt, sizeof(sf_request), UINT32_MAX, (void **)&rd->requests, &n);
    if (mt >= 0) H5Tclose(mt);
    for (hsize_t i = 0; rc == 0 && i < n; i++) {
        rd->requests[i].kind[SF_NAME_MAX - 1] = '\0';
        rd->requests[i].datatype[SF_NAME_MAX - 1] = '\0';
    }
    rd->pub.requests = rd->requests;
    rd->pub.nrequests = (uint32_t)n;
    return rc;
}

/* Region i of the regions group, in creation order (the writer's order). */
static int load_region(rctx *c, hid_t rg, const char *where, hsize_t i, sf_region *reg, uint8_t **data)
{
    ssize_t len = H5Lget_name_by_idx(rg, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, i, NULL, 0, H5P_DEFAULT);
    if (len < 1 || len >= SF_NAME_MAX ||
        H5Lget_name_by_idx(rg, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, i, reg->name, SF_NAME_MAX, H5P_DEFAULT) != len)
        return sfr_fail(c, "%s: entry %llu has no valid name", where, (unsigned long long)i);
    char path[256];
    snprintf(path, sizeof path, "%s/%s", where, reg->name);
    hsize_t n;
    hid_t d = sfr_open_region(c, rg, where, reg->name, &n);
    if (d < 0) return -1;
    if (sfr_get_str(c, d, path, "type", reg->type, SF_NAME_MAX) < 0 ||
        sfr_get_num(c, d, path, "count", H5T_NATIVE_UINT64, &reg->count) < 0 ||
        sfr_get_num(c, d, path, "checksum", H5T_NATIVE_UINT64, &reg->checksum) < 0) {
        H5Dclose(d);
        return -1;
    }
    reg->bytes = n;
    if (c->skip_region_data) {
        H5Dclose(d);
        return 0;
    }
    if (read_region(c, d, path, n, data) < 0) return -1;
    if (sf_sum_bytes(*data, n) != reg->checksum) return sfr_fail(c, "checksum error in %s (file corrupt)", path);
    reg->data = *data;
    return 0;
}

static int load_regions(rctx *c, hid_t g, const char *where, struct rank_data *rd)
{
    char path[64];
    snprintf(path, sizeof path, "%s/regions", where);
    int there = sfr_has_object(c, g, where, "regions");
    if (there <= 0) return there < 0 ? -1 : sfr_fail(c, "%s missing", path);
    hid_t rg = H5Gopen2(g, "regions", H5P_DEFAULT);
    H5G_info_t gi;
    if (rg < 0 || H5Gget_info(rg, &gi) < 0) {
        int rc = sfr_h5fail(c, path);
        if (rg >= 0) H5Gclose(rg);
        return rc;
    }
    int rc = 0;
    struct stat st;
    c->region_budget = stat(c->path, &st) == 0 ? (uint64_t)st.st_size : 0;
    if (gi.nlinks > UINT32_MAX)
        rc = sfr_fail(c, "%s has too many entries", path);
    else if (!(rd->regions = calloc(gi.nlinks ? gi.nlinks : 1, sizeof *rd->regions)) ||
             !(rd->region_data = calloc(gi.nlinks ? gi.nlinks : 1, sizeof *rd->region_data)))
        rc = sfr_fail(c, "out of memory reading %s", path);
    else
        rd->nregion_data = (uint32_t)gi.nlinks;
    for (hsize_t i = 0; rc == 0 && i < gi.nlinks; i++)
        rc = load_region(c, rg, path, i, &rd->regions[i], &rd->region_data[i]);
    H5Gclose(rg);
    rd->pub.regions = rd->regions;
    rd->pub.nregions = rc == 0 ? (uint32_t)gi.nlinks : 0;
    return rc;
}

static int load_stack(rctx *c, hid_t g, const char *where, struct rank_data *rd)
{
    char path[64];
    snprintf(path, sizeof path, "%s/stack", where);
    hsize_t n;
    hid_t d = sfr_open_data(c, g, where, "stack", H5T_STRING, UINT32_MAX, &n);
    if (d < 0) return -1;
    hid_t t = H5Dget_type(d);
    size_t width = t < 0 ? 0 : H5Tget_size(t);
    int rc = 0;
    if (t < 0 || H5Tis_variable_str(t) != 0 || width < 1 || width > SF_FRAME_MAX) {
        H5Dclose(d);
        rc = sfr_fail(c, "%s: frames are not fixed strings of at most %d bytes", path, SF_FRAME_MAX - 1);
    } else {
        rc = sfr_read_all(c, d, path, t, width, n, (void **)&rd->stack_buf);
    }
    if (t >= 0) H5Tclose(t);
    if (rc == 0 && !(rd->stack = calloc(n ? n : 1, sizeof *rd->stack)))
        rc = sfr_fail(c, "out of memory reading %s", path);
    for (hsize_t i = 0; rc == 0 && i < n; i++) {
        rd->stack[i] = rd->stack_buf + i * width;
        if (!memchr(rd->stack[i], '\0', width))
            rc = sfr_fail(c, "%s: frame %llu is not terminated", path, (unsigned long long)i);
    }
    rd->pub.stack = rd->stack;
    rd->pub.nstack = rc == 0 ? (uint32_t)n : 0;
    return rc;
}

/* Envelopes and payload; every message must lie inside the payload. */
static int load_messages(rctx *c, hid_t it, const char *path, struct rank_data *rd)
{
    hid_t mt = sfi_compound_type(&sfi_envelope_rec, 0);
    struct sfi_envelope *env = NULL;
    hsize_t n = 0, np = 0;
    int rc = mt < 0 ? sfr_fail(c, "out of memory")
                    : load(c, it, path, "envelopes", mt, sizeof *env, UINT32_MAX, (void **)&env, &n);
    if (mt >= 0) H5Tclose(mt);
    if (rc == 0) rc = load(c, it, path, "payload", H5T_NATIVE_UINT8, 1, HSIZE_UNDEF, (void **)&rd->payload, &np);
    if (rc == 0 && !(rd->msgs = calloc(n ? n : 1, sizeof *rd->msgs)))
        rc = sfr_fail(c, "out of memory reading %s", path);
    for (hsize_t i = 0; rc == 0 && i < n; i++) {
        const struct sfi_envelope *e = &env[i];
        if (e->offset > np || e->bytes > np - e->offset)
            rc = sfr_fail(c, "%s/envelopes: message %llu lies outside the payload", path, (unsigned long long)i);
        else
            rd->msgs[i] = (sf_msg){.src = e->src,
                                   .dst = e->dst,
                                   .comm = e->comm,
                                   .src_comm = e->src_comm,
                                   .tag = e->tag,
                                   .epoch = e->epoch,
                                   .order = e->order,
                                   .bytes = e->bytes,
                                   .data = rd->payload + e->offset};
        if (rc == 0) { /* optional fields: whatever the file holds, cut to a string */
            memcpy(rd->msgs[i].datatype, e->datatype, SF_NAME_MAX - 1);
            memcpy(rd->msgs[i].signature, e->signature, SF_NAME_MAX - 1);
        }
    }
    free(env);
    rd->pub.msgs = rd->msgs;
    rd->pub.nmsgs = rc == 0 ? (uint32_t)n : 0;
    return rc;
}

static int load_in_transit(rctx *c, hid_t g, const char *where, struct rank_data *rd)
{
    char path[64];
    snprintf(path, sizeof path, "%s/in_transit", where);
    int there = sfr_has_object(c, g, where, "in_transit");
    if (there <= 0) return there < 0 ? -1 : sfr_fail(c, "%s missing", path);
    hid_t it = H5Gopen2(g, "in_transit", H5P_DEFAULT);
    if (it < 0) return sfr_h5fail(c, path);
    int rc = load_messages(c, it, path, rd);
    H5Gclose(it);
    return rc;
}

/* Communicator i's members must lie inside comm_members and be ranks of the job. */
static int check_comm(rctx *c, const char *where, hsize_t i, const struct sfi_comm *row, const int32_t *members,
                      hsize_t nmembers, int32_t nranks)
{
    if (row->size < 1 || row->size > nranks || row->offset > nmembers || (hsize_t)row->size > nmembers - row->offset)
        return sfr_fail(c, "%s/comms: communicator %llu (id %d) lies outside comm_members", where,
                        (unsigned long long)i, row->id);
    for (int32_t k = 0; k < row->size; k++) {
        int32_t w = members[row->offset + (hsize_t)k];
        if (w < 0 || w >= nranks)
            return sfr_fail(c, "%s/comms: communicator %d: member %d is rank %d, outside 0..%d", where, row->id, k, w,
                            nranks - 1);
    }
    return 0;
}

/* The communicator table and its concatenated member lists. */
static int load_comms(rctx *c, hid_t g, const char *where, int32_t nranks, struct rank_data *rd)
{
    hid_t mt = sfi_compound_type(&sfi_comm_rec, 0);
    struct sfi_comm *rows = NULL;
    hsize_t n = 0, nm = 0;
    int rc = mt < 0 ? sfr_fail(c, "out of memory")
                    : load(c, g, where, "comms", mt, sizeof *rows, UINT32_MAX, (void **)&rows, &n);
    if (mt >= 0) H5Tclose(mt);
    if (rc == 0)
        rc = load(c, g, where, "comm_members", H5T_NATIVE_INT32, sizeof(int32_t), HSIZE_UNDEF,
                  (void **)&rd->comm_members, &nm);
    if (rc == 0 && !(rd->comms = calloc(n ? n : 1, sizeof *rd->comms)))
        rc = sfr_fail(c, "out of memory reading %s/comms", where);
    for (hsize_t i = 0; rc == 0 && i < n; i++) {
        rc = check_comm(c, where, i, &rows[i], rd->comm_members, nm, nranks);
        if (rc == 0)
            rd->comms[i] = (sf_comm){.id = rows[i].id,
                                     .size = rows[i].size,
                                     .world = rd->comm_members + rows[i].offset,
                                     .colls = rows[i].colls};
    }
    free(rows);
    rd->pub.comms = rd->comms;
    rd->pub.ncomms = rc == 0 ? (uint32_t)n : 0;
    return rc;
}

static int load_rank_attrs(rctx *c, hid_t g, const char *where, int32_t r, sf_rank *p)
{
    if (sfr_get_i32(c, g, where, "rank", &p->rank) < 0) return -1;
    if (p->rank != r) return sfr_fail(c, "%s says it is rank %d", where, p->rank);
    return sfr_get_i32(c, g, where, "pid", &p->pid) < 0 || sfr_get_str(c, g, where, "host", p->host, SF_TEXT_MAX) < 0 ||
                   sfr_get_i32(c, g, where, "initiator", &p->initiator) < 0 ||
                   sfr_get_f64(c, g, where, "t_record", &p->t_record) < 0 ||
                   sfr_get_str(c, g, where, "trigger", p->trigger, SF_NAME_MAX) < 0 ||
                   sfr_get_str(c, g, where, "call", p->call, SF_NAME_MAX) < 0 ||
                   sfr_get_str(c, g, where, "call_args", p->call_args, SF_TEXT_MAX) < 0 ||
                   sfr_get_f64(c, g, where, "call_seconds", &p->call_seconds) < 0
               ? -1
               : 0;
}

static void rank_data_free(struct rank_data *rd)
{
    if (!rd) return;
    for (uint32_t i = 0; i < rd->nregion_data; i++) sf_big_free(rd->region_data[i]);
    free(rd->sent);
    free(rd->recvd);
    free(rd->requests);
    free(rd->regions);
    free(rd->region_data);
    free(rd->stack_buf);
    free(rd->stack);
    free(rd->msgs);
    free(rd->payload);
    free(rd->comms);
    free(rd->comm_members);
    free(rd);
}

static struct rank_data *load_rank(rctx *c, sf_file *f, int32_t r)
{
    struct rank_data *rd = calloc(1, sizeof *rd);
    char name[16], where[32];
    snprintf(name, sizeof name, "%d", r);
    snprintf(where, sizeof where, "/ranks/%d", r);
    if (!rd) {
        sfr_fail(c, "out of memory reading %s", where);
        return NULL;
    }
    hid_t g = H5Gopen2(f->ranks, name, H5P_DEFAULT);
    int rc = g < 0 ? sfr_h5fail(c, where) : 0;
    if (rc == 0)
        rc = load_rank_attrs(c, g, where, r, &rd->pub) < 0 ||
                     load_counters(c, g, where, f->job.nranks, &rd->sent, "sent") < 0 ||
                     load_counters(c, g, where, f->job.nranks, &rd->recvd, "recvd") < 0 ||
                     load_requests(c, g, where, rd) < 0 || load_regions(c, g, where, rd) < 0 ||
                     load_stack(c, g, where, rd) < 0 || load_in_transit(c, g, where, rd) < 0 ||
                     load_comms(c, g, where, f->job.nranks, rd) < 0
                 ? -1
                 : 0;
    if (g >= 0) H5Gclose(g);
    if (rc < 0) {
        rank_data_free(rd);
        return NULL;
    }
    rd->pub.nranks = f->job.nranks;
    rd->pub.sent = rd->sent;
    rd->pub.recvd = rd->recvd;
    return rd;
}

/* A .part left by a job that died: never closed (so HDF5 itself refuses it), or closed
 * without the completion mark. */
static const char INCOMPLETE[] = "incomplete snapshot (no completion mark); it was being written when the job stopped";

/* The file must exist, be HDF5, and open; HDF5's reason is turned into ours. */
static int open_file(rctx *c, sf_file *f)
{
    struct stat st;
    if (stat(c->path, &st) < 0 || access(c->path, R_OK) < 0) return sfr_fail(c, "%s", strerror(errno));
    if (!S_ISREG(st.st_mode)) return sfr_fail(c, "not a regular file");
    htri_t is = H5Fis_hdf5(c->path);
    if (is == 0) return sfr_fail(c, "not an HDF5 file");
    if (is < 0) return sfr_fail(c, "cannot read (%s)", sfi_quiet_reason(&c->q));
    hid_t fapl = sfi_fapl();
    if (fapl < 0) return sfr_fail(c, "cannot set up HDF5");
    f->file = H5Fopen(c->path, H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    if (f->file >= 0) return 0;
    if (c->q.unclosed) return sfr_fail(c, "%s", INCOMPLETE);
    if (c->q.truncated) return sfr_fail(c, "truncated file (shorter than its HDF5 header says)");
    if (c->q.checksum) return sfr_fail(c, "checksum error in the file's metadata (file corrupt)");
    return sfr_fail(c, "damaged HDF5 file (%s)", sfi_quiet_reason(&c->q));
}

/* Ours, of our version, and complete; checked in this order so that each refusal names
 * the first thing wrong. */
static int check_identity(rctx *c, hid_t root, int32_t *version_out)
{
    char format[SF_NAME_MAX];
    int64_t version, complete;
    int there = sfr_attr_there(c, root, "/", "format");
    if (there <= 0) return there < 0 ? -1 : sfr_fail(c, "not an mpisnap snapshot (no 'format' attribute)");
    if (sfr_get_str(c, root, "/", "format", format, sizeof format) < 0) return -1;
    if (strcmp(format, SF_MAGIC) != 0) return sfr_fail(c, "not an mpisnap snapshot ('format' is not \"%s\")", SF_MAGIC);
    if (sfr_get_i64(c, root, "/", "format_version", &version) < 0) return -1;
    if (version < SF_FORMAT_OLDEST || version > SF_FORMAT_VERSION)
        return sfr_fail(c, "format version %" PRId64 ", this reader understands %d to %d", version, SF_FORMAT_OLDEST,
                        SF_FORMAT_VERSION);
    *version_out = (int32_t)version;
    if ((there = sfr_attr_there(c, root, "/", "complete")) < 0 ||
        (there && sfr_get_i64(c, root, "/", "complete", &complete) < 0))
        return -1;
    if (!there || complete != 1) return sfr_fail(c, "%s", INCOMPLETE);
    return 0;
}

static int read_initiators(rctx *c, sf_file *f, hid_t root)
{
    int there = sfr_attr_there(c, root, "/", "initiators");
    if (there <= 0) return there < 0 ? -1 : sfr_fail(c, "attribute 'initiators' missing on /");
    hid_t a = H5Aopen(root, "initiators", H5P_DEFAULT);
    hid_t s = a < 0 ? -1 : H5Aget_space(a), t = a < 0 ? -1 : H5Aget_type(a);
    hssize_t n = s < 0 ? -1 : H5Sget_simple_extent_npoints(s);
    int ok = t >= 0 && H5Tget_class(t) == H5T_INTEGER && H5Sget_simple_extent_ndims(s) == 1 && n >= 0 &&
             n <= f->job.nranks && (f->initiators = calloc(n ? (size_t)n : 1, sizeof *f->initiators)) &&
             (n == 0 || H5Aread(a, H5T_NATIVE_INT32, f->initiators) >= 0);
    if (t >= 0) H5Tclose(t);
    if (s >= 0) H5Sclose(s);
    if (a >= 0) H5Aclose(a);
    if (!ok) return sfr_fail(c, "attribute 'initiators' on / is not a list of at most %d ranks", f->job.nranks);
    f->ninitiators = (uint32_t)n;
    for (uint32_t i = 0; i < f->ninitiators; i++)
        if (f->initiators[i] < 0 || f->initiators[i] >= f->job.nranks)
            return sfr_fail(c, "initiator %d out of range 0..%d", f->initiators[i], f->job.nranks - 1);
    return 0;
}

/* The conserved quantity is optional; when declared, all three attributes are. */
static int read_conserve(rctx *c, sf_job *j, hid_t root)
{
    int64_t off;
    int there = sfr_attr_there(c, root, "/", "conserve_region");
    if (there <= 0) return there;
    if (sfr_get_str(c, root, "/", "conserve_region", j->conserve_region, SF_NAME_MAX) < 0 ||
        sfr_get_i64(c, root, "/", "conserve_total", &j->conserve_total) < 0 ||
        sfr_get_i64(c, root, "/", "conserve_offset", &off) < 0)
        return -1;
    if (!j->conserve_region[0] || off < 0 || off > INT32_MAX)
        return sfr_fail(c, "bad conserved-quantity attributes (region '%s', offset %" PRId64 ")", j->conserve_region,
                        off);
    j->conserve_offset = (int32_t)off;
    return 0;
}

static int read_job(rctx *c, sf_file *f)
{
    sf_job *j = &f->job;
    hid_t root = f->file;
    int64_t n;
    if (sfr_get_num(c, root, "/", "snapshot_id", H5T_NATIVE_UINT64, &j->id) < 0 ||
        sfr_get_i64(c, root, "/", "nranks", &n) < 0)
        return -1;
    if (n < 1 || n > SF_MAX_RANKS) return sfr_fail(c, "nranks %" PRId64 " out of range 1..%d", n, SF_MAX_RANKS);
    j->nranks = (int32_t)n;
    if (sfr_get_str(c, root, "/", "algorithm", j->algo, sizeof j->algo) < 0 ||
        sfr_get_str(c, root, "/", "program", j->program, SF_TEXT_MAX) < 0 ||
        sfr_get_str(c, root, "/", "library_version", j->library_version, SF_NAME_MAX) < 0 ||
        sfr_get_str(c, root, "/", "job_key", j->job_key, SF_NAME_MAX) < 0 ||
        sfr_get_f64(c, root, "/", "t_start", &j->t_start) < 0 || sfr_get_f64(c, root, "/", "t_end", &j->t_end) < 0)
        return -1;
    return read_initiators(c, f, root) < 0 || read_conserve(c, j, root) < 0 ? -1 : 0;
}

/* Every rank group 0..nranks-1 is there, and nothing else (another job size). */
static int find_ranks(rctx *c, sf_file *f)
{
    int there = sfr_has_object(c, f->file, "/", "ranks");
    if (there <= 0) return there < 0 ? -1 : sfr_fail(c, "no /ranks group");
    f->ranks = H5Gopen2(f->file, "ranks", H5P_DEFAULT);
    H5G_info_t gi;
    if (f->ranks < 0 || H5Gget_info(f->ranks, &gi) < 0) return sfr_h5fail(c, "/ranks");
    for (int32_t r = 0; r < f->job.nranks; r++) {
        char name[16];
        snprintf(name, sizeof name, "%d", r);
        if ((there = sfr_has_object(c, f->ranks, "/ranks", name)) <= 0)
            return there < 0 ? -1 : sfr_fail(c, "rank group %d missing", r);
    }
    if (gi.nlinks != (hsize_t)f->job.nranks)
        return sfr_fail(c, "/ranks has %llu members for %d ranks", (unsigned long long)gi.nlinks, f->job.nranks);
    if (!(f->loaded = calloc((size_t)f->job.nranks, sizeof *f->loaded))) return sfr_fail(c, "out of memory");
    return 0;
}

sf_file *sf_open(const char *path, char *err, size_t errlen)
{
    rctx c = {path, err, errlen, {0}, 0, 0, 0};
    sf_file *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(path))) {
        free(f);
        sfr_fail(&c, "out of memory");
        return NULL;
    }
    f->file = f->ranks = -1;
    sfi_quiet_on(&c.q);
    int rc = open_file(&c, f) < 0 || check_identity(&c, f->file, &f->job.format_version) < 0 || read_job(&c, f) < 0 ||
                     find_ranks(&c, f) < 0
                 ? -1
                 : 0;
    sfi_quiet_off(&c.q);
    if (rc < 0) {
        sf_close(f);
        return NULL;
    }
    return f;
}

void sf_close(sf_file *f)
{
    if (!f) return;
    for (int32_t r = 0; f->loaded && r < f->job.nranks; r++) rank_data_free(f->loaded[r]);
    sfi_quiet q;
    sfi_quiet_on(&q);
    if (f->ranks >= 0) H5Gclose(f->ranks);
    if (f->file >= 0) H5Fclose(f->file);
    sfi_quiet_off(&q);
    free(f->loaded);
    free(f->initiators);
    free(f->path);
    free(f);
}

const sf_job *sf_job_info(const sf_file *f) { return &f->job; }

const int32_t *sf_initiators(const sf_file *f, uint32_t *n)
{
    *n = f->ninitiators;
    return f->initiators;
}

void sf_skip_region_data(sf_file *f) { f->skip_region_data = 1; }

const sf_rank *sf_get_rank(sf_file *f, int32_t r, char *err, size_t errlen)
{
    rctx c = {f->path, err, errlen, {0}, f->skip_region_data, 0, f->job.format_version};
    if (r < 0 || r >= f->job.nranks) {
        sfr_fail(&c, "rank %d out of range 0..%d", r, f->job.nranks - 1);
        return NULL;
    }
    if (!f->loaded[r]) {
        sfi_quiet_on(&c.q);
        f->loaded[r] = load_rank(&c, f, r);
        sfi_quiet_off(&c.q);
    }
    return f->loaded[r] ? &f->loaded[r]->pub : NULL;
}
