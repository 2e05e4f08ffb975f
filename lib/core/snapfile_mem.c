/*
 * snapfile_mem.c - the writer's file lives in memory; mpisnap writes the disk.
 */
#define _GNU_SOURCE /* memfd_create, SEEK_DATA, SEEK_HOLE */

#include "snapfile_int.h"

#include <errno.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* A full disk never breaks HDF5.
 *
 * This HDF5 (1.10) cannot close a file once a flush of its metadata has failed ("slist
 * already enabled?"): the file stays open whatever H5Fclose returns, and HDF5 crashes
 * closing itself at MPI_Finalize (SIGSEGV in H5F__close_cb). A snapshot that met a full
 * disk, a quota, a read-only or removed folder or an I/O error killed
 * the job that way, after it had computed its answer. So HDF5 never writes the disk: it
 * writes the file into an anonymous memory file (memfd), where writes do not fail, and
 * sfi_copy_out copies what HDF5 wrote, byte range for byte range, into the .part on disk
 * with mpisnap's own writes, whose errors mpisnap reports. The large regions ranks write
 * into the .part themselves are holes in the memory file (HDF5 allocates them, never
 * fills them), so copying never touches them; the memory file holds the metadata and
 * the parts' small data and payloads, which the collector holds in memory anyway. */

/* Write [at, at+n) of buf to the .part, but not over the bytes of a placed region (a
 * small one may share a page with what HDF5 wrote around it). */
static int put_range(sf_writer *w, const uint8_t *buf, size_t n, off_t at)
{
    uint64_t a = (uint64_t)at, b = a + n;
    for (uint32_t k = 0; k < w->nplaced; k++) {
        uint64_t pa = w->placed[k].at, pb = pa + w->placed[k].bytes;
        if (pb <= a || pa >= b || pa == pb) continue;
        if (pa > a && put_range(w, buf, (size_t)(pa - a), at) < 0) return -1;
        return pb < b ? put_range(w, buf + (pb - a), (size_t)(b - pb), (off_t)pb) : 0;
    }
    for (size_t put = 0; put < n;) {
        ssize_t m = pwrite(w->disk, buf + put, n - put, at + (off_t)put);
        if (m < 0) return -1;
        put += (size_t)m;
    }
    return 0;
}

/* Copy the byte ranges HDF5 wrote since the file began (the memory file's data, not its
 * holes) to the same offsets of the .part; the .part grows to the memory file's size
 * (never shrinks: a region written by a rank may end past it until the file is final).
 * 0, or -1 with errno. */
int sfi_copy_out(sf_writer *w)
{
    off_t end = lseek(w->mem, 0, SEEK_END), pos = 0;
    static uint8_t buf[1 << 20];
    while (end >= 0 && pos < end) {
        off_t data = lseek(w->mem, pos, SEEK_DATA);
        if (data < 0 && errno == ENXIO) break; /* the rest is a hole: allocated, not written */
        if (data < 0) return -1;
        off_t hole = lseek(w->mem, data, SEEK_HOLE);
        if (hole < 0) return -1;
        for (off_t at = data; at < hole;) {
            size_t k = hole - at < (off_t)sizeof buf ? (size_t)(hole - at) : sizeof buf;
            ssize_t got = pread(w->mem, buf, k, at);
            if (got <= 0) return got < 0 ? -1 : (errno = EIO, -1);
            if (put_range(w, buf, (size_t)got, at) < 0) return -1;
            at += got;
        }
        pos = hole;
    }
    struct stat st;
    if (end < 0 || fstat(w->disk, &st) < 0) return -1;
    return st.st_size < end ? ftruncate(w->disk, end) : 0;
}

/* The file is final (closed in memory): copy its last bytes, give the .part exactly its
 * size. */
int sfi_copy_out_final(sf_writer *w)
{
    off_t end = lseek(w->mem, 0, SEEK_END);
    return end < 0 || sfi_copy_out(w) < 0 || ftruncate(w->disk, end) < 0 ? -1 : 0;
}

void sfi_close_fds(sf_writer *w)
{
    if (w->mem >= 0) close(w->mem);
    if (w->disk >= 0) close(w->disk);
    w->mem = w->disk = -1;
}

/* HDF5 has just created the file (its first bytes, the superblock, are written at once,
 * and HDF5 takes no path but a real file's): from now on its descriptor is the memory
 * file, holding what it wrote so far. */
int sfi_move_to_memory(sf_writer *w)
{
    int *fd = NULL;
    if (H5Fget_vfd_handle(w->file, H5P_DEFAULT, (void **)&fd) < 0 || !fd || *fd < 0) return errno = EINVAL, -1;
    uint8_t buf[4096];
    ssize_t n;
    for (off_t at = 0; (n = pread(*fd, buf, sizeof buf, at)) > 0; at += n)
        if (pwrite(w->mem, buf, (size_t)n, at) != n) return -1;
    return n < 0 || dup2(w->mem, *fd) < 0 ? -1 : 0;
}
