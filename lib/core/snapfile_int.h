/*
 * snapfile_int.h - what the snapshot-file writer (snapfile.c, snapfile_input.c) and
 * reader (snapfile_read.c, snapfile_get.c) share, implemented in snapfile_h5.c: the
 * HDF5 error silencer, file-access settings and the compound record layouts; and the
 * writer's input checks. Internal to the snapfile module; users include snapfile.h.
 */
#ifndef MPISNAP_SNAPFILE_INT_H
#define MPISNAP_SNAPFILE_INT_H

#include "snapfile.h"

#include <hdf5.h>

#define SFI_HIDDEN __attribute__((visibility("hidden")))

#define SF_MAGIC       "mpisnap-snapshot" /* value of the root attribute `format` */
#define SF_MAX_RANKS   (1 << 20)
#define SF_CHUNK_BYTES ((size_t)1 << 20)   /* 1 MiB chunks: big writes run at disk speed */
#define SF_FRAME_MAX   4096                /* longest stack frame kept, NUL included */
#define SF_ALIGN       4096                /* objects of SF_ALIGN_FROM bytes or more start at a */
#define SF_ALIGN_FROM  ((hsize_t)64 << 10) /* multiple of SF_ALIGN (O_DIRECT writes of regions) */

/* While a public function runs, HDF5's automatic error report comes here instead of
 * stderr. It keeps what our one-line messages need: the first system error behind a
 * failure ("No space left on device"), and whether a checksum failed, the file is
 * shorter than HDF5 expects, or its writer never closed it (the "open for write" flag of
 * the 1.10 superblock). sfi_quiet_off() restores the handler found on entry, so an
 * application that uses HDF5 itself keeps its own error reporting. */
typedef struct sfi_quiet {
    H5E_auto2_t func;
    void *data;
    char reason[128];
    int checksum, truncated, unclosed;
} sfi_quiet;

SFI_HIDDEN void sfi_quiet_on(sfi_quiet *q);
SFI_HIDDEN void sfi_quiet_off(const sfi_quiet *q);
SFI_HIDDEN const char *sfi_quiet_reason(const sfi_quiet *q); /* never NULL */

/* Puts "mpisnap: FILE: <message>" in err; returns -1, for `return sfi_werr(...)`. */
SFI_HIDDEN int sfi_werr(char *err, size_t errlen, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The writer's checks of its input (snapfile_input.c): 0, or -1 with the reason. A rank
 * for a job of n ranks, written[] telling which ranks are in the file already, placing
 * when regions without data are to be placed (sf_place_rank); part names the file. */
SFI_HIDDEN int sfi_check_rank(const sf_rank *r, int32_t n, const uint8_t *written, int placing, const char *part,
                              char *err, size_t errlen);
SFI_HIDDEN int sfi_check_job(const char *path, const sf_job *job, char *err, size_t errlen);

/* File-access properties for writing and reading; the caller closes them. */
SFI_HIDDEN hid_t sfi_fapl(void);
/* A fixed-length NUL-terminated string type of `size` bytes; the caller closes it. */
SFI_HIDDEN hid_t sfi_str_type(size_t size);

/* Compound records: one table per struct, from which both the in-memory type and the
 * packed little-endian file type are built. */
enum sfi_ftype { SFI_I32, SFI_U32, SFI_I64, SFI_U64, SFI_NAME };
struct sfi_field {
    const char *name;
    size_t offset;
    enum sfi_ftype type;
};
typedef struct sfi_record {
    const struct sfi_field *fields;
    size_t nfields;
    size_t memsize;
} sfi_record;

/* In-transit envelope as stored; `offset` locates the payload in in_transit/payload. */
struct sfi_envelope {
    int32_t src, dst, comm, src_comm, tag;
    uint32_t epoch;
    uint64_t order, bytes, offset;
    char datatype[SF_NAME_MAX], signature[SF_NAME_MAX]; /* optional: "" when absent */
};

/* A communicator as stored in /ranks/<r>/comms: its members' world ranks are
 * comm_members[offset : offset + size]. */
struct sfi_comm {
    int32_t id, size;
    uint64_t offset, colls;
};

SFI_HIDDEN extern const sfi_record sfi_envelope_rec; /* struct sfi_envelope */
SFI_HIDDEN extern const sfi_record sfi_request_rec;  /* sf_request */
SFI_HIDDEN extern const sfi_record sfi_comm_rec;     /* struct sfi_comm */

/* The compound type of an array of rec's structs: the in-memory layout, or the packed
 * file layout when in_file. The caller closes it. */
SFI_HIDDEN hid_t sfi_compound_type(const sfi_record *rec, int in_file);

/* XXH3-64 of n elements of mtype at buf, taken in their file layout ftype: the
 * `checksum` attribute of every dataset but a region's (format 4). 0, or -1. */
SFI_HIDDEN int sfi_data_sum(hid_t ftype, hid_t mtype, const void *buf, size_t n, uint64_t *sum);

/* ---- the writer (snapfile.c), whose file lives in memory (snapfile_mem.c) ---- */

/* A region placed in the file whose bytes someone else writes (sf_place_rank). */
struct placed {
    int32_t rank;
    uint32_t i;
    char name[SF_NAME_MAX];
    int done;
    uint64_t at, bytes; /* where in the file: its bytes come from the rank, not from HDF5 */
};

struct sf_writer {
    hid_t file, ranks;
    int mem;  /* the anonymous memory file HDF5 writes (snapfile_mem.c) */
    int disk; /* the .part on disk, which only sfi_copy_out writes (and ranks' regions) */
    char *path, *part;
    sf_job job;
    uint8_t *written; /* written[r] once rank r's group exists */
    int broken;       /* a write failed half way: the file can only be abandoned */
    struct placed *placed;
    uint32_t nplaced, capplaced;
};

/* Copy what HDF5 wrote to the .part, which grows to the memory file's size; the last
 * copy, once the file is final, gives the .part exactly that size. 0, or -1 with errno. */
SFI_HIDDEN int sfi_copy_out(sf_writer *w);
SFI_HIDDEN int sfi_copy_out_final(sf_writer *w);
/* HDF5 has just created w's file: move it into the memory file (0, or -1 with errno). */
SFI_HIDDEN int sfi_move_to_memory(sf_writer *w);
SFI_HIDDEN void sfi_close_fds(sf_writer *w);

#endif
