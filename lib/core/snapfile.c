/*
 * snapfile.c - writing snapshot files (snapfile_read.c reads them back, with the HDF5
 * helpers both share in snapfile_h5.c). The layout is documented in docs/FORMAT.md.
 *
 * Serial HDF5 only (default sec2 driver, no MPI call), so the same code serves the
 * collector rank inside a job, mpisnap-inspect and the unit tests. The writer fills
 * "<path>.part", flushed after every rank, and makes it visible under <path> only after
 * the completion mark, an fsync and a rename: a file under its final name is complete.
 */
#define _GNU_SOURCE /* sync_file_range, memfd_create */

#include "snapfile_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int put_attr(hid_t obj, const char *name, hid_t ftype, hid_t mtype, hid_t space, const void *v)
{
    hid_t a = H5Acreate2(obj, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0) return -1;
    herr_t st = H5Awrite(a, mtype, v);
    return (H5Aclose(a) < 0 || st < 0) ? -1 : 0;
}

static int put_array(hid_t obj, const char *name, hid_t ftype, hid_t mtype, const void *v, hsize_t n)
{
    hid_t s = H5Screate_simple(1, &n, NULL);
    if (s < 0) return -1;
    int rc = put_attr(obj, name, ftype, mtype, s, v);
    return H5Sclose(s) < 0 ? -1 : rc;
}

static int put_scalar(hid_t obj, const char *name, hid_t ftype, hid_t mtype, const void *v)
{
    hid_t s = H5Screate(H5S_SCALAR);
    if (s < 0) return -1;
    int rc = put_attr(obj, name, ftype, mtype, s, v);
    return H5Sclose(s) < 0 ? -1 : rc;
}

static int put_i32(hid_t o, const char *name, int32_t v)
{
    return put_scalar(o, name, H5T_STD_I32LE, H5T_NATIVE_INT32, &v);
}

static int put_i64(hid_t o, const char *name, int64_t v)
{
    return put_scalar(o, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &v);
}

static int put_u64(hid_t o, const char *name, uint64_t v)
{
    return put_scalar(o, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, &v);
}

static int put_f64(hid_t o, const char *name, double v)
{
    return put_scalar(o, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v);
}

/* Strings are fixed-length, NUL-terminated, sized to fit (h5py reads them as bytes). */
static int put_str(hid_t obj, const char *name, const char *v)
{
    hid_t t = sfi_str_type(strlen(v) + 1);
    if (t < 0) return -1;
    int rc = put_scalar(obj, name, t, t, v);
    return H5Tclose(t) < 0 ? -1 : rc;
}

/* Create a 1-D dataset of n elements, chunked (up to 1 MiB per chunk) with the Fletcher32
 * checksum filter. An empty dataset gets extent 0 and an unlimited maximum, since a chunk
 * dimension must be at least 1. Returns the open dataset; the caller closes it. */
static hid_t make_dataset(hid_t loc, const char *name, hid_t ftype, hsize_t n)
{
    size_t esize = H5Tget_size(ftype);
    hsize_t per_chunk = esize && esize < SF_CHUNK_BYTES ? SF_CHUNK_BYTES / esize : 1;
    hsize_t chunk = n == 0 ? 1 : n < per_chunk ? n : per_chunk;
    hsize_t maxdim = n == 0 ? H5S_UNLIMITED : n;
    hid_t d = -1;
    hid_t space = H5Screate_simple(1, &n, &maxdim);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (esize && space >= 0 && dcpl >= 0 && H5Pset_chunk(dcpl, 1, &chunk) >= 0 && H5Pset_fletcher32(dcpl) >= 0)
        d = H5Dcreate2(loc, name, ftype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (dcpl >= 0) H5Pclose(dcpl);
    if (space >= 0) H5Sclose(space);
    return d;
}

/* make_dataset() filled from buf (n elements of mtype), with its `checksum` attribute.
 * Returns the open dataset. */
static hid_t write_dataset(hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *buf, hsize_t n)
{
    hid_t d = make_dataset(loc, name, ftype, n);
    uint64_t sum = 0;
    if (d >= 0 && ((n > 0 && H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) ||
                   sfi_data_sum(ftype, mtype, buf, (size_t)n, &sum) < 0 || put_u64(d, "checksum", sum) < 0)) {
        H5Dclose(d);
        return -1;
    }
    return d;
}

static int write_closed(hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *buf, hsize_t n)
{
    hid_t d = write_dataset(loc, name, ftype, mtype, buf, n);
    return d < 0 || H5Dclose(d) < 0 ? -1 : 0;
}

static int write_compound(hid_t loc, const char *name, const sfi_record *rec, const void *buf, hsize_t n)
{
    hid_t ft = sfi_compound_type(rec, 1);
    hid_t mt = sfi_compound_type(rec, 0);
    int rc = ft < 0 || mt < 0 ? -1 : write_closed(loc, name, ft, mt, buf, n);
    if (ft >= 0) H5Tclose(ft);
    if (mt >= 0) H5Tclose(mt);
    return rc;
}

static int write_rank_attrs(hid_t g, const sf_rank *r)
{
    return put_i32(g, "rank", r->rank) || put_i32(g, "pid", r->pid) || put_str(g, "host", r->host) ||
                   put_i32(g, "initiator", r->initiator) || put_f64(g, "t_record", r->t_record) ||
                   put_str(g, "trigger", r->trigger) || put_str(g, "call", r->call) ||
                   put_str(g, "call_args", r->call_args) || put_f64(g, "call_seconds", r->call_seconds)
               ? -1
               : 0;
}

/* Have the OS start writing the file's dirty pages to disk now, without waiting, so the
 * disk works while the rest of the snapshot is produced: the fsync of the commit then
 * waits only for the tail. (The OS would otherwise start only at its dirty-memory
 * threshold, often gigabytes: the whole file would be written during the fsync.) */
static int start_writeback(sf_writer *w)
{
    if (H5Fflush(w->file, H5F_SCOPE_LOCAL) < 0 || sfi_copy_out(w) < 0) return -1;
#ifdef SYNC_FILE_RANGE_WRITE
    sync_file_range(w->disk, 0, 0, SYNC_FILE_RANGE_WRITE);
#endif
    return 0;
}

/* Write count bytes from buf at element `start` of the 1-D byte dataset d. */
static int write_bytes_at(hid_t d, hsize_t start, const uint8_t *buf, hsize_t count)
{
    hid_t fs = H5Dget_space(d);
    hid_t ms = H5Screate_simple(1, &count, NULL);
    int rc = fs >= 0 && ms >= 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL) >= 0 &&
                     H5Dwrite(d, H5T_NATIVE_UINT8, ms, fs, H5P_DEFAULT, buf) >= 0
                 ? 0
                 : -1;
    if (fs >= 0) H5Sclose(fs);
    if (ms >= 0) H5Sclose(ms);
    return rc;
}

/* A region's bytes, in slabs of SF_SLAB_BYTES, writeback started after each. */
enum { SF_SLAB_BYTES = 32 << 20 };
static int write_region_data(sf_writer *w, hid_t d, const uint8_t *data, uint64_t bytes)
{
    int rc = 0;
    for (uint64_t pos = 0; rc == 0 && pos < bytes; pos += SF_SLAB_BYTES) {
        rc = write_bytes_at(d, pos, data + pos, bytes - pos < SF_SLAB_BYTES ? bytes - pos : SF_SLAB_BYTES);
        if (rc == 0 && bytes > SF_SLAB_BYTES) rc = start_writeback(w);
    }
    return rc;
}

/* A region's dataset: n bytes, contiguous and allocated at once (its file offset is
 * known from the start and never changes), never filled (the bytes are written once). */
static hid_t make_region(hid_t loc, const char *name, hsize_t n)
{
    hid_t d = -1;
    hid_t space = H5Screate_simple(1, &n, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (space >= 0 && dcpl >= 0 && H5Pset_layout(dcpl, H5D_CONTIGUOUS) >= 0 &&
        H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY) >= 0 && H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) >= 0)
        d = H5Dcreate2(loc, name, H5T_STD_U8LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (dcpl >= 0) H5Pclose(dcpl);
    if (space >= 0) H5Sclose(space);
    return d;
}

static int add_placed(sf_writer *w, int32_t rank, uint32_t i, const char *name, uint64_t at, uint64_t bytes)
{
    if (w->nplaced == w->capplaced) {
        uint32_t cap = w->capplaced ? 2 * w->capplaced : 16;
        struct placed *p = realloc(w->placed, cap * sizeof *p);
        if (!p) return -1;
        w->placed = p, w->capplaced = cap;
    }
    struct placed *p = &w->placed[w->nplaced++];
    p->rank = rank, p->i = i, p->done = 0, p->at = at, p->bytes = bytes;
    snprintf(p->name, sizeof p->name, "%s", name);
    return 0;
}

/* Regions keep the caller's order: the group tracks link creation order. One with data
 * is written and checksummed here; one without is placed (offsets[i]). */
static int write_regions(sf_writer *w, hid_t g, const sf_rank *r, uint64_t *offsets)
{
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    hid_t rg = -1;
    if (gcpl >= 0 && H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) >= 0)
        rg = H5Gcreate2(g, "regions", H5P_DEFAULT, gcpl, H5P_DEFAULT);
    int rc = rg < 0 ? -1 : 0;
    for (uint32_t i = 0; rc == 0 && i < r->nregions; i++) {
        const sf_region *reg = &r->regions[i];
        hid_t d = make_region(rg, reg->name, reg->bytes);
        rc = d < 0 || put_str(d, "type", reg->type) || put_u64(d, "count", reg->count) ? -1 : 0;
        if (rc == 0 && (reg->data || !reg->bytes)) {
            if (offsets) offsets[i] = UINT64_MAX;
            rc = write_region_data(w, d, reg->data, reg->bytes) ||
                         put_u64(d, "checksum", sf_sum_bytes(reg->data, reg->bytes))
                     ? -1
                     : 0;
        } else if (rc == 0) {
            haddr_t at = H5Dget_offset(d);
            rc = at == HADDR_UNDEF || add_placed(w, r->rank, i, reg->name, at, reg->bytes) ? -1 : 0;
            offsets[i] = (uint64_t)at;
        }
        if (d >= 0 && H5Dclose(d) < 0) rc = -1;
    }
    if (rg >= 0 && H5Gclose(rg) < 0) rc = -1;
    if (gcpl >= 0) H5Pclose(gcpl);
    return rc;
}

/* The call stack as fixed-length strings (variable-length strings would live outside
 * the checksummed chunks), as wide as the longest frame, frames cut at SF_FRAME_MAX. */
static int write_stack(hid_t g, const sf_rank *r)
{
    size_t width = 1;
    for (uint32_t i = 0; i < r->nstack; i++) {
        size_t len = strlen(r->stack[i]);
        if (len + 1 > width) width = len + 1 < SF_FRAME_MAX ? len + 1 : SF_FRAME_MAX;
    }
    char *buf = calloc(r->nstack ? r->nstack : 1, width);
    hid_t t = sfi_str_type(width);
    int rc = -1;
    if (buf && t >= 0) {
        for (uint32_t i = 0; i < r->nstack; i++) {
            size_t len = strlen(r->stack[i]);
            memcpy(buf + (size_t)i * width, r->stack[i], len < width ? len : width - 1);
        }
        rc = write_closed(g, "stack", t, t, buf, r->nstack);
    }
    if (t >= 0) H5Tclose(t);
    free(buf);
    return rc;
}

/* Payloads are concatenated through a chunk-sized staging buffer, so each chunk of the
 * payload dataset is written (and checksummed) once, whatever the message sizes. */
struct stager {
    hid_t d;
    uint8_t *buf;
    size_t fill;
    hsize_t pos;
    sf_sum *sum; /* of every byte staged: the dataset's `checksum` */
};

static int stage_flush(struct stager *s)
{
    if (s->fill == 0) return 0;
    sf_sum_add(s->sum, s->buf, s->fill);
    int rc = write_bytes_at(s->d, s->pos, s->buf, s->fill);
    s->pos += s->fill;
    s->fill = 0;
    return rc;
}

static int stage(struct stager *s, const uint8_t *p, uint64_t n)
{
    while (n > 0) {
        size_t k = SF_CHUNK_BYTES - s->fill;
        if (k > n) k = (size_t)n;
        memcpy(s->buf + s->fill, p, k);
        s->fill += k;
        p += k;
        n -= k;
        if (s->fill == SF_CHUNK_BYTES && stage_flush(s) < 0) return -1;
    }
    return 0;
}

static int write_payload(hid_t it, const sf_rank *r, uint64_t total)
{
    struct stager s = {make_dataset(it, "payload", H5T_STD_U8LE, total), NULL, 0, 0, sf_sum_new()};
    int rc = s.d < 0 || !s.sum ? -1 : 0;
    if (rc == 0 && total > 0) {
        s.buf = malloc(SF_CHUNK_BYTES);
        rc = s.buf ? 0 : -1;
        for (uint32_t i = 0; rc == 0 && i < r->nmsgs; i++) rc = stage(&s, r->msgs[i].data, r->msgs[i].bytes);
        if (rc == 0) rc = stage_flush(&s);
    }
    uint64_t sum = s.sum ? sf_sum_end(s.sum) : 0;
    if (rc == 0) rc = put_u64(s.d, "checksum", sum);
    free(s.buf);
    if (s.d >= 0 && H5Dclose(s.d) < 0) rc = -1;
    return rc;
}

static int write_in_transit(hid_t g, const sf_rank *r)
{
    struct sfi_envelope *env = calloc(r->nmsgs ? r->nmsgs : 1, sizeof *env);
    hid_t it = env ? H5Gcreate2(g, "in_transit", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
    uint64_t off = 0;
    for (uint32_t i = 0; env && i < r->nmsgs; i++) {
        const sf_msg *m = &r->msgs[i];
        env[i] = (struct sfi_envelope){.src = m->src,
                                       .dst = m->dst,
                                       .comm = m->comm,
                                       .src_comm = m->src_comm,
                                       .tag = m->tag,
                                       .epoch = m->epoch,
                                       .order = m->order,
                                       .bytes = m->bytes,
                                       .offset = off};
        memcpy(env[i].datatype, m->datatype, SF_NAME_MAX);
        memcpy(env[i].signature, m->signature, SF_NAME_MAX);
        off += m->bytes;
    }
    int rc = it < 0 ? -1 : 0;
    if (rc == 0) rc = write_compound(it, "envelopes", &sfi_envelope_rec, env, r->nmsgs);
    if (rc == 0) rc = write_payload(it, r, off);
    if (it >= 0 && H5Gclose(it) < 0) rc = -1;
    free(env);
    return rc;
}

/* The communicator table: one compound row per communicator, and every member list
 * concatenated in comm_members (check_comms() has bounded the sizes). */
static int write_comms(hid_t g, const sf_rank *r)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < r->ncomms; i++) total += (uint64_t)r->comms[i].size;
    struct sfi_comm *rows = calloc(r->ncomms ? r->ncomms : 1, sizeof *rows);
    int32_t *members = calloc(total ? (size_t)total : 1, sizeof *members);
    int rc = rows && members ? 0 : -1;
    uint64_t at = 0;
    for (uint32_t i = 0; rc == 0 && i < r->ncomms; i++) {
        const sf_comm *c = &r->comms[i];
        rows[i] = (struct sfi_comm){.id = c->id, .size = c->size, .offset = at, .colls = c->colls};
        memcpy(members + at, c->world, (size_t)c->size * sizeof *members);
        at += (uint64_t)c->size;
    }
    if (rc == 0) rc = write_compound(g, "comms", &sfi_comm_rec, rows, r->ncomms);
    if (rc == 0) rc = write_closed(g, "comm_members", H5T_STD_I32LE, H5T_NATIVE_INT32, members, total);
    free(rows);
    free(members);
    return rc;
}

static int write_rank_group(sf_writer *w, hid_t g, const sf_rank *r, uint64_t *offsets)
{
    hsize_t n = (hsize_t)r->nranks;
    return write_rank_attrs(g, r) || write_closed(g, "sent", H5T_STD_U64LE, H5T_NATIVE_UINT64, r->sent, n) ||
                   write_closed(g, "recvd", H5T_STD_U64LE, H5T_NATIVE_UINT64, r->recvd, n) ||
                   write_compound(g, "requests", &sfi_request_rec, r->requests, r->nrequests) ||
                   write_regions(w, g, r, offsets) || write_stack(g, r) || write_in_transit(g, r) || write_comms(g, r)
               ? -1
               : 0;
}

static int write_job_attrs(hid_t file, const sf_job *job)
{
    int rc = put_str(file, "format", SF_MAGIC) || put_i32(file, "format_version", SF_FORMAT_VERSION) ||
             put_u64(file, "snapshot_id", job->id) || put_i32(file, "nranks", job->nranks) ||
             put_str(file, "algorithm", job->algo) || put_str(file, "program", job->program) ||
             put_str(file, "library_version", job->library_version) || put_f64(file, "t_start", job->t_start) ||
             put_str(file, "job_key", job->job_key);
    if (rc == 0 && job->conserve_region[0])
        rc = put_str(file, "conserve_region", job->conserve_region) ||
             put_i64(file, "conserve_total", job->conserve_total) ||
             put_i32(file, "conserve_offset", job->conserve_offset);
    return rc ? -1 : 0;
}

/* Close whatever HDF5 objects and files w still holds (errors ignored: the file is
 * being given up). HDF5 wrote only memory, so it lets go of the file. Call with HDF5
 * errors quiet. */
static void close_file(sf_writer *w)
{
    if (w->ranks >= 0) H5Gclose(w->ranks);
    if (w->file >= 0) H5Fclose(w->file);
    w->ranks = w->file = -1;
    sfi_close_fds(w);
}

static void writer_free(sf_writer *w)
{
    free(w->path);
    free(w->part);
    free(w->written);
    free(w->placed);
    free(w);
}

static sf_writer *writer_new(const char *path, const sf_job *job)
{
    sf_writer *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->file = w->ranks = -1;
    w->mem = w->disk = -1;
    w->job = *job;
    w->path = strdup(path);
    w->part = malloc(strlen(path) + sizeof ".part");
    w->written = calloc((size_t)job->nranks, 1);
    if (!w->path || !w->part || !w->written) {
        writer_free(w);
        return NULL;
    }
    strcpy(w->part, path);
    strcat(w->part, ".part");
    return w;
}

/* Creates the .part (replacing a stale one) and the HDF5 file, in memory (copy_out),
 * with the job attributes and /ranks, copied out. */
static int create_file(sf_writer *w, char *err, size_t errlen)
{
    /* private by default: it holds message payloads and application memory */
    mode_t mode = w->job.file_mode ? (mode_t)w->job.file_mode : 0600;
    w->disk = open(w->part, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (w->disk < 0) return sfi_werr(err, errlen, w->part, "cannot create (%s)", strerror(errno));
    if (fchmod(w->disk, mode) < 0) { /* a stale .part kept its mode; the umask may take bits */
        sfi_werr(err, errlen, w->part, "cannot set its permissions (%s)", strerror(errno));
        sfi_close_fds(w);
        unlink(w->part);
        return -1;
    }
    w->mem = memfd_create("mpisnap-snapshot", MFD_CLOEXEC);
    if (w->mem < 0) {
        sfi_werr(err, errlen, w->part, "cannot create (a memory file: %s)", strerror(errno));
        sfi_close_fds(w);
        unlink(w->part);
        return -1;
    }
    sfi_quiet q;
    sfi_quiet_on(&q);
    hid_t fapl = sfi_fapl();
    /* created in /dev/shm (memory, never full in practice), where a failing first write
     * cannot leave HDF5 with a file it cannot close, else on the .part itself */
    char scratch[128];
    snprintf(scratch, sizeof scratch, "/dev/shm/mpisnap-%d-%llu.h5", (int)getpid(), (unsigned long long)w->job.id);
    if (fapl >= 0 && (w->file = H5Fcreate(scratch, H5F_ACC_TRUNC, H5P_DEFAULT, fapl)) >= 0)
        unlink(scratch);
    else if (fapl >= 0)
        w->file = H5Fcreate(w->part, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    int rc = w->file >= 0 ? 0 : sfi_werr(err, errlen, w->part, "cannot create (%s)", sfi_quiet_reason(&q));
    if (rc == 0 && sfi_move_to_memory(w) < 0)
        rc = sfi_werr(err, errlen, w->part, "cannot create (%s)", strerror(errno));
    if (rc == 0) {
        w->ranks = H5Gcreate2(w->file, "ranks", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (w->ranks < 0 || write_job_attrs(w->file, &w->job) < 0 || H5Fflush(w->file, H5F_SCOPE_LOCAL) < 0)
            rc = sfi_werr(err, errlen, w->part, "cannot create (%s)", sfi_quiet_reason(&q));
    }
    if (rc == 0 && sfi_copy_out(w) < 0) rc = sfi_werr(err, errlen, w->part, "cannot create (%s)", strerror(errno));
    if (rc < 0) close_file(w);
    if (fapl >= 0) H5Pclose(fapl);
    sfi_quiet_off(&q);
    if (rc < 0) unlink(w->part);
    return rc;
}

sf_writer *sf_create(const char *path, const sf_job *job, char *err, size_t errlen)
{
    if (sfi_check_job(path, job, err, errlen) < 0) return NULL;
    sf_writer *w = writer_new(path, job);
    if (!w) {
        sfi_werr(err, errlen, path, "out of memory");
        return NULL;
    }
    if (create_file(w, err, errlen) < 0) {
        writer_free(w);
        return NULL;
    }
    return w;
}

int sf_place_rank(sf_writer *w, const sf_rank *r, uint64_t *offsets, char *err, size_t errlen)
{
    if (w->broken) return sfi_werr(err, errlen, w->part, "an earlier write failed");
    if (sfi_check_rank(r, w->job.nranks, w->written, offsets != NULL, w->part, err, errlen) < 0) return -1;
    sfi_quiet q;
    sfi_quiet_on(&q);
    char name[16];
    snprintf(name, sizeof name, "%d", r->rank);
    hid_t g = H5Gcreate2(w->ranks, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int rc = g < 0 ? -1 : write_rank_group(w, g, r, offsets);
    if (g >= 0 && H5Gclose(g) < 0) rc = -1;
    /* Flushed and copied out per rank: the .part a dead job leaves holds every rank
     * written so far, for a post-mortem (after `h5clear -s`; mpisnap itself refuses it
     * as incomplete). */
    if (rc == 0 && H5Fflush(w->file, H5F_SCOPE_LOCAL) < 0) rc = -1;
    if (rc < 0)
        sfi_werr(err, errlen, w->part, "cannot write /ranks/%d (%s)", r->rank, sfi_quiet_reason(&q));
    else if (sfi_copy_out(w) < 0)
        rc = sfi_werr(err, errlen, w->part, "cannot write /ranks/%d (%s)", r->rank, strerror(errno));
    sfi_quiet_off(&q);
    if (rc < 0) {
        w->broken = 1;
        return -1;
    }
    w->written[r->rank] = 1;
    return 0;
}

int sf_write_rank(sf_writer *w, const sf_rank *r, char *err, size_t errlen)
{
    return sf_place_rank(w, r, NULL, err, errlen);
}

const char *sf_part_path(const sf_writer *w) { return w->part; }

int sf_region_done(sf_writer *w, int32_t rank, uint32_t i, uint64_t checksum, char *err, size_t errlen)
{
    struct placed *p = NULL;
    for (uint32_t k = 0; k < w->nplaced && !p; k++)
        if (w->placed[k].rank == rank && w->placed[k].i == i) p = &w->placed[k];
    if (!p || p->done)
        return sfi_werr(err, errlen, w->part, "rank %d: region %u was not placed, or is done already", rank, i);
    if (w->broken) return sfi_werr(err, errlen, w->part, "an earlier write failed");
    sfi_quiet q;
    sfi_quiet_on(&q);
    char path[SF_NAME_MAX + 32];
    snprintf(path, sizeof path, "%d/regions/%s", rank, p->name);
    hid_t d = H5Dopen2(w->ranks, path, H5P_DEFAULT);
    int rc = d < 0 || put_u64(d, "checksum", checksum) ? -1 : 0;
    if (d >= 0 && H5Dclose(d) < 0) rc = -1;
    if (rc < 0) {
        sfi_werr(err, errlen, w->part, "cannot write the checksum of /ranks/%s (%s)", path, sfi_quiet_reason(&q));
        w->broken = 1;
    }
    sfi_quiet_off(&q);
    p->done = rc == 0;
    return rc;
}

static int check_commit(const sf_writer *w, const int32_t *ini, uint32_t nini, char *err, size_t errlen)
{
    if (w->broken) return sfi_werr(err, errlen, w->part, "an earlier write failed");
    for (int32_t r = 0; r < w->job.nranks; r++)
        if (!w->written[r]) return sfi_werr(err, errlen, w->part, "rank %d was never written", r);
    for (uint32_t k = 0; k < w->nplaced; k++)
        if (!w->placed[k].done)
            return sfi_werr(err, errlen, w->part, "rank %d: the bytes of region '%s' were never written",
                            w->placed[k].rank, w->placed[k].name);
    if (nini > (uint32_t)w->job.nranks || (nini && !ini)) return sfi_werr(err, errlen, w->part, "bad initiator list");
    for (uint32_t i = 0; i < nini; i++)
        if (ini[i] < 0 || ini[i] >= w->job.nranks)
            return sfi_werr(err, errlen, w->part, "initiator %d out of range", ini[i]);
    return 0;
}

/* Everything before the rename: the last attributes, the completion mark (last of
 * all), flush and close. The file is closed on return, whatever happened. */
static int finish_file(sf_writer *w, const int32_t *ini, uint32_t nini, double t_end, char *err, size_t errlen)
{
    sfi_quiet q;
    sfi_quiet_on(&q);
    int32_t none = -1; /* H5Awrite wants a buffer even for zero elements */
    herr_t closed = H5Gclose(w->ranks);
    w->ranks = -1;
    int rc = closed < 0 || put_f64(w->file, "t_end", t_end) ||
                     put_array(w->file, "initiators", H5T_STD_I32LE, H5T_NATIVE_INT32, nini ? ini : &none, nini) ||
                     put_i32(w->file, "complete", 1) || H5Fflush(w->file, H5F_SCOPE_GLOBAL) < 0
                 ? -1
                 : 0;
    if (H5Fclose(w->file) < 0)
        rc = -1; /* still open in HDF5: close_file gives it up */
    else
        w->file = -1;
    if (rc < 0)
        sfi_werr(err, errlen, w->part, "cannot finish the file (%s)", sfi_quiet_reason(&q));
    else if (sfi_copy_out_final(w) < 0 || fsync(w->disk) < 0)
        rc = sfi_werr(err, errlen, w->part, "cannot finish the file (%s)", strerror(errno));
    sfi_quiet_off(&q);
    if (rc == 0) sfi_close_fds(w);
    return rc;
}

static int fsync_path(const char *path, int flags)
{
    int fd = open(path, flags);
    if (fd < 0) return -1;
    /* Some file systems cannot sync a directory (EINVAL); the rename is then as durable
     * as they make it. */
    int rc = fsync(fd) < 0 && !((flags & O_DIRECTORY) && errno == EINVAL) ? -1 : 0;
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

/* Make the finished .part (made durable by finish_file) visible under its final name,
 * then make the rename durable. A failure of that last step leaves the complete file in
 * place. */
static int publish(const sf_writer *w, char *err, size_t errlen)
{
    if (rename(w->part, w->path) < 0)
        return sfi_werr(err, errlen, w->part, "rename to %s: %s", w->path, strerror(errno));
    char *dir = strdup(w->path);
    if (!dir) return sfi_werr(err, errlen, w->path, "out of memory");
    char *slash = strrchr(dir, '/');
    if (!slash)
        strcpy(dir, ".");
    else
        slash[slash == dir] = '\0'; /* keep "/" for a file in the root */
    int rc = fsync_path(dir, O_RDONLY | O_DIRECTORY);
    if (rc < 0) sfi_werr(err, errlen, w->path, "written, but syncing directory %s failed: %s", dir, strerror(errno));
    free(dir);
    return rc;
}

int sf_commit(sf_writer *w, const int32_t *initiators, uint32_t ninitiators, double t_end, char *err, size_t errlen)
{
    int rc = check_commit(w, initiators, ninitiators, err, errlen);
    if (rc == 0) rc = finish_file(w, initiators, ninitiators, t_end, err, errlen);
    if (rc == 0) rc = publish(w, err, errlen);
    if (rc < 0) {
        sfi_quiet q;
        sfi_quiet_on(&q);
        close_file(w);
        sfi_quiet_off(&q);
        unlink(w->part); /* gone already when only the directory sync failed */
    }
    writer_free(w);
    return rc;
}

void sf_abort(sf_writer *w)
{
    if (!w) return;
    sfi_quiet q;
    sfi_quiet_on(&q);
    close_file(w);
    sfi_quiet_off(&q);
    unlink(w->part);
    writer_free(w);
}
