/*
 * snapfile_h5.c - the HDF5 helpers the snapshot-file writer (snapfile.c) and reader
 * (snapfile_read.c) share: the error silencer that turns HDF5's error stack into our
 * one-line reasons, the file-access settings, fixed-length strings, and the compound
 * record tables from which both the in-memory and the on-disk layouts are built (so a
 * field added to a table is written and read back by name, in one place).
 */
#include "snapfile_int.h"

#include <stdlib.h>
#include <string.h>

static herr_t note_error(unsigned n, const H5E_error2_t *e, void *arg)
{
    static const char key[] = "error message = '";
    sfi_quiet *q = arg;
    const char *d = e->desc ? e->desc : "";
    const char *m = strstr(d, key);
    (void)n;
    if (!q->reason[0] && m) {
        m += sizeof key - 1;
        snprintf(q->reason, sizeof q->reason, "%.*s", (int)strcspn(m, "'"), m);
    }
    q->checksum |= strstr(d, "checksum") != NULL;
    q->truncated |= strstr(d, "truncated") != NULL;
    q->unclosed |= strstr(d, "already open for write") != NULL;
    return 0;
}

static herr_t note_stack(hid_t estack, void *arg)
{
    H5Ewalk2(estack, H5E_WALK_UPWARD, note_error, arg);
    return 0;
}

void sfi_quiet_on(sfi_quiet *q)
{
    memset(q, 0, sizeof *q);
    H5Eget_auto2(H5E_DEFAULT, &q->func, &q->data);
    H5Eset_auto2(H5E_DEFAULT, note_stack, q);
}

void sfi_quiet_off(const sfi_quiet *q) { H5Eset_auto2(H5E_DEFAULT, q->func, q->data); }

const char *sfi_quiet_reason(const sfi_quiet *q) { return q->reason[0] ? q->reason : "HDF5 error"; }

/* No file locking (the .part protocol makes it unnecessary, and locking fails on many
 * parallel file systems), strong close (closing the file closes whatever an error path
 * left open), and the HDF5 1.10 file format, in which every metadata structure (the
 * superblock, object headers, chunk indexes) carries a checksum of its own, as the
 * Fletcher32 filter gives the data one; h5py and any HDF5 >= 1.10 read it. */
hid_t sfi_fapl(void)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0) return -1;
    /* large objects (regions above all) start on a 4 KiB boundary: a rank writes its
     * regions with O_DIRECT, which needs aligned file offsets */
    if (H5Pset_file_locking(fapl, 0, 1) < 0 || H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0 ||
        H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_LATEST) < 0 ||
        H5Pset_alignment(fapl, SF_ALIGN_FROM, SF_ALIGN) < 0) {
        H5Pclose(fapl);
        return -1;
    }
    return fapl;
}

hid_t sfi_str_type(size_t size)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0) return -1;
    if (H5Tset_size(t, size) < 0 || H5Tset_strpad(t, H5T_STR_NULLTERM) < 0) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

static const struct sfi_field envelope_fields[] = {
    {"src", offsetof(struct sfi_envelope, src), SFI_I32},
    {"dst", offsetof(struct sfi_envelope, dst), SFI_I32},
    {"comm", offsetof(struct sfi_envelope, comm), SFI_I32},
    {"src_comm", offsetof(struct sfi_envelope, src_comm), SFI_I32},
    {"tag", offsetof(struct sfi_envelope, tag), SFI_I32},
    {"epoch", offsetof(struct sfi_envelope, epoch), SFI_U32},
    {"order", offsetof(struct sfi_envelope, order), SFI_U64},
    {"bytes", offsetof(struct sfi_envelope, bytes), SFI_U64},
    {"offset", offsetof(struct sfi_envelope, offset), SFI_U64},
    {"datatype", offsetof(struct sfi_envelope, datatype), SFI_NAME},
    {"signature", offsetof(struct sfi_envelope, signature), SFI_NAME},
};

static const struct sfi_field request_fields[] = {
    {"kind", offsetof(sf_request, kind), SFI_NAME},      {"peer", offsetof(sf_request, peer), SFI_I32},
    {"tag", offsetof(sf_request, tag), SFI_I32},         {"comm", offsetof(sf_request, comm), SFI_I32},
    {"count", offsetof(sf_request, count), SFI_I64},     {"datatype", offsetof(sf_request, datatype), SFI_NAME},
    {"awaited", offsetof(sf_request, awaited), SFI_I32},
};

static const struct sfi_field comm_fields[] = {
    {"id", offsetof(struct sfi_comm, id), SFI_I32},
    {"size", offsetof(struct sfi_comm, size), SFI_I32},
    {"offset", offsetof(struct sfi_comm, offset), SFI_U64},
    {"colls", offsetof(struct sfi_comm, colls), SFI_U64},
};

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))
const sfi_record sfi_envelope_rec = {envelope_fields, NFIELDS(envelope_fields), sizeof(struct sfi_envelope)};
const sfi_record sfi_request_rec = {request_fields, NFIELDS(request_fields), sizeof(sf_request)};
const sfi_record sfi_comm_rec = {comm_fields, NFIELDS(comm_fields), sizeof(struct sfi_comm)};

static hid_t field_type(enum sfi_ftype t, int in_file)
{
    switch (t) {
    case SFI_I32: return H5Tcopy(in_file ? H5T_STD_I32LE : H5T_NATIVE_INT32);
    case SFI_U32: return H5Tcopy(in_file ? H5T_STD_U32LE : H5T_NATIVE_UINT32);
    case SFI_I64: return H5Tcopy(in_file ? H5T_STD_I64LE : H5T_NATIVE_INT64);
    case SFI_U64: return H5Tcopy(in_file ? H5T_STD_U64LE : H5T_NATIVE_UINT64);
    case SFI_NAME: return sfi_str_type(SF_NAME_MAX);
    }
    return -1;
}

static size_t field_size(enum sfi_ftype t)
{
    return t == SFI_NAME ? SF_NAME_MAX : (t == SFI_I32 || t == SFI_U32) ? 4 : 8;
}

hid_t sfi_compound_type(const sfi_record *rec, int in_file)
{
    size_t size = 0;
    for (size_t i = 0; i < rec->nfields; i++) size += field_size(rec->fields[i].type);
    hid_t ct = H5Tcreate(H5T_COMPOUND, in_file ? size : rec->memsize);
    size_t off = 0;
    for (size_t i = 0; ct >= 0 && i < rec->nfields; i++) {
        const struct sfi_field *f = &rec->fields[i];
        hid_t mt = field_type(f->type, in_file);
        herr_t st = mt < 0 ? -1 : H5Tinsert(ct, f->name, in_file ? off : f->offset, mt);
        if (mt >= 0) H5Tclose(mt);
        if (st < 0) {
            H5Tclose(ct);
            ct = -1;
        }
        off += field_size(f->type);
    }
    return ct;
}

/* The checksum of n elements of mtype at buf in their file layout ftype (version 4):
 * the bytes HDF5 stores, before its Fletcher32 filter, whatever the memory layout (a
 * compound's padding, another byte order). HDF5's Fletcher32 is 0 for data that is all
 * zero, so a chunk zeroed with its checksum passes it; this checksum, an attribute in
 * the object header (which has a checksum of its own), does not. */
int sfi_data_sum(hid_t ftype, hid_t mtype, const void *buf, size_t n, uint64_t *sum)
{
    size_t fsize = H5Tget_size(ftype), msize = H5Tget_size(mtype);
    htri_t same = H5Tequal(ftype, mtype);
    if (!fsize || !msize || same < 0 || (n && (n > SIZE_MAX / fsize || n > SIZE_MAX / msize))) return -1;
    if (same > 0 || n == 0) {
        *sum = sf_sum_bytes(buf, n * fsize);
        return 0;
    }
    /* a compound's conversion needs a background buffer (HDF5 crashes without one) */
    size_t wide = fsize > msize ? fsize : msize;
    uint8_t *tmp = malloc(n * wide), *bkg = calloc(n, wide);
    int rc = tmp && bkg ? 0 : -1;
    if (rc == 0) memcpy(tmp, buf, n * msize);
    if (rc == 0 && H5Tconvert(mtype, ftype, n, tmp, bkg, H5P_DEFAULT) < 0) rc = -1;
    if (rc == 0) *sum = sf_sum_bytes(tmp, n * fsize);
    free(tmp);
    free(bkg);
    return rc;
}
