/*
 * test_snapfile_reader.c - every refusal of the snapshot-file reader (snapfile_read.c):
 * incomplete, foreign, truncated, corrupt or hostile files each get their one-line
 * reason. Run by test_snapfile.c's main, on its fixture (sf_fixture.h).
 */
#define _XOPEN_SOURCE 700

#include "sf_fixture.h"

#include <CUnit/Basic.h>
#include <fcntl.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the reader's refusals ---- */

/* sf_open must refuse path with one line "mpisnap: PATH: ...<text>...". */
static void assert_refused(const char *path, const char *text)
{
    char err[512] = "", prefix[4300];
    sf_file *f = sf_open(path, err, sizeof err);
    CU_ASSERT_PTR_NULL(f);
    sf_close(f);
    snprintf(prefix, sizeof prefix, "mpisnap: %s: ", path);
    CU_ASSERT(strncmp(err, prefix, strlen(prefix)) == 0);
    CU_ASSERT(strchr(err, '\n') == NULL);
    CU_ASSERT(has(err, text));
}

static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char buf[65536];
    size_t n;
    int rc = in && out ? 0 : -1;
    while (rc == 0 && (n = fread(buf, 1, sizeof buf, in)) > 0) rc = fwrite(buf, 1, n, out) == n ? 0 : -1;
    if (in) fclose(in);
    if (out && fclose(out) != 0) rc = -1;
    return rc;
}

/* What a job killed while writing leaves: the .part, or a copy of it. */
void test_refuse_incomplete(void)
{
    char path[4200], part[4300], copy[4200], err[512] = "";
    fixture_init();
    path_of(path, sizeof path, "killed.h5");
    path_of(copy, sizeof copy, "killed-copy.h5");
    snprintf(part, sizeof part, "%s.part", path);
    sf_writer *w = sf_create(path, &fx.job, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    for (int r = 0; r < N; r++) CU_ASSERT_EQUAL(sf_write_rank(w, &fx.ranks[r], err, sizeof err), 0);
    CU_ASSERT_EQUAL_FATAL(copy_file(part, copy), 0);
    assert_refused(part, "incomplete snapshot (no completion mark); it was being written when "
                         "the job stopped");
    sf_abort(w);
    assert_refused(copy, "incomplete snapshot (no completion mark)");
}

/* A writer process that dies after two ranks: no close, no exit handlers. */
void test_refuse_killed_writer(void)
{
    char path[4200], part[4300], err[512];
    fixture_init();
    path_of(path, sizeof path, "died.h5");
    snprintf(part, sizeof part, "%s.part", path);
    fflush(NULL);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        sf_writer *w = sf_create(path, &fx.job, err, sizeof err);
        int ok = w && sf_write_rank(w, &fx.ranks[0], err, sizeof err) == 0 &&
                 sf_write_rank(w, &fx.ranks[1], err, sizeof err) == 0;
        _exit(ok ? 0 : 1);
    }
    int status = -1;
    CU_ASSERT_FATAL(waitpid(pid, &status, 0) == pid);
    CU_ASSERT_FATAL(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CU_ASSERT(exists(part) && !exists(path));
    assert_refused(part, "incomplete snapshot (no completion mark); it was being written when "
                         "the job stopped");
}

void test_refuse_not_hdf5(void)
{
    char path[4200];
    path_of(path, sizeof path, "notes.txt");
    FILE *t = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    fputs("this is not a snapshot\n", t);
    fclose(t);
    assert_refused(path, "not an HDF5 file");
    path_of(path, sizeof path, "does-not-exist.h5");
    assert_refused(path, "No such file or directory");
    assert_refused(g_dir, "not a regular file");
}

void test_refuse_foreign_hdf5(void)
{
    char path[4200];
    path_of(path, sizeof path, "foreign.h5");
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    CU_ASSERT_FATAL(f >= 0);
    CU_ASSERT(H5Fclose(f) >= 0);
    assert_refused(path, "not an mpisnap snapshot (no 'format' attribute)");
}

/* Overwrite integer attribute `name` of the root group of a written snapshot. */
static void set_root_int(const char *path, const char *name, int value)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    CU_ASSERT_FATAL(f >= 0);
    hid_t a = H5Aopen(f, name, H5P_DEFAULT);
    CU_ASSERT_FATAL(a >= 0);
    CU_ASSERT(H5Awrite(a, H5T_NATIVE_INT, &value) >= 0);
    CU_ASSERT(H5Aclose(a) >= 0);
    CU_ASSERT(H5Fclose(f) >= 0);
}

void test_refuse_version(void)
{
    char path[4200];
    fixture_init();
    write_fixture(path, sizeof path, "version.h5");
    set_root_int(path, "format_version", 7);
    char want[64];
    snprintf(want, sizeof want, "format version 7, this reader understands %d to %d", SF_FORMAT_OLDEST,
             SF_FORMAT_VERSION);
    assert_refused(path, want);
}

/* A file of format 3, whose datasets had only HDF5's Fletcher32 checksum, is still read
 * (the attributes format 4 added are then not looked at). */
void test_read_format3(void)
{
    char path[4200], err[512] = "";
    fixture_init();
    write_fixture(path, sizeof path, "format3.h5");
    set_root_int(path, "format_version", 3);
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    CU_ASSERT_FATAL(f >= 0);
    CU_ASSERT(H5Adelete_by_name(f, "/ranks/1/sent", "checksum", H5P_DEFAULT) >= 0);
    CU_ASSERT(H5Fclose(f) >= 0);
    sf_file *sf = sf_open(path, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sf);
    CU_ASSERT_EQUAL(sf_job_info(sf)->format_version, 3);
    for (int r = 0; r < N; r++) CU_ASSERT_PTR_NOT_NULL(sf_get_rank(sf, r, err, sizeof err));
    CU_ASSERT_EQUAL(sf_check(sf, NULL), 0);
    sf_close(sf);
}

/* A chunk zeroed together with its Fletcher32 checksum passes HDF5's check (the
 * Fletcher32 of zeros is 0): the dataset's own checksum refuses it. Damage as the
 * mutation campaign made it (a block of zeros over /ranks/1/stack). */
void test_refuse_zeroed_chunk(void)
{
    char path[4200], err[512] = "";
    fixture_init();
    write_fixture(path, sizeof path, "zeroed.h5");
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = f < 0 ? -1 : H5Dopen2(f, "/ranks/1/sent", H5P_DEFAULT);
    hid_t sp = d < 0 ? -1 : H5Dget_space(d);
    hsize_t where[1];
    unsigned mask = 0;
    haddr_t addr = HADDR_UNDEF;
    hsize_t size = 0;
    CU_ASSERT_FATAL(sp >= 0 && H5Dget_chunk_info(d, sp, 0, where, &mask, &addr, &size) >= 0 && size > 4);
    CU_ASSERT(H5Sclose(sp) >= 0 && H5Dclose(d) >= 0 && H5Fclose(f) >= 0);
    FILE *fp = fopen(path, "r+b");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    static const uint8_t zeros[4096];
    CU_ASSERT_FATAL(size <= sizeof zeros && fseek(fp, (long)addr, SEEK_SET) == 0);
    CU_ASSERT(fwrite(zeros, 1, (size_t)size, fp) == size);
    CU_ASSERT(fclose(fp) == 0);
    /* HDF5 itself reads the zeros as good data */
    uint64_t sent[N] = {1};
    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    d = f < 0 ? -1 : H5Dopen2(f, "/ranks/1/sent", H5P_DEFAULT);
    CU_ASSERT(d >= 0 && H5Dread(d, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, sent) >= 0 && sent[0] == 0);
    CU_ASSERT(H5Dclose(d) >= 0 && H5Fclose(f) >= 0);
    sf_file *sf = sf_open(path, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sf);
    CU_ASSERT_PTR_NULL(sf_get_rank(sf, 1, err, sizeof err));
    CU_ASSERT(has(err, "checksum error in /ranks/1/sent (file corrupt)"));
    sf_close(sf);
}

/* What a hostile file would do after changing a dataset: give it the checksum its new
 * data has (XXH3 of the data in the file's layout, read with the dataset's own type). */
static void reseal(hid_t f, const char *path)
{
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    hid_t t = d < 0 ? -1 : H5Dget_type(d), sp = d < 0 ? -1 : H5Dget_space(d);
    CU_ASSERT_FATAL(t >= 0 && sp >= 0);
    size_t bytes = H5Tget_size(t) * (size_t)H5Sget_simple_extent_npoints(sp);
    void *buf = malloc(bytes ? bytes : 1);
    CU_ASSERT_FATAL(buf != NULL && H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
    uint64_t sum = sf_sum_bytes(buf, bytes);
    hid_t a = H5Aopen(d, "checksum", H5P_DEFAULT);
    CU_ASSERT(a >= 0 && H5Awrite(a, H5T_NATIVE_UINT64, &sum) >= 0 && H5Aclose(a) >= 0);
    free(buf);
    CU_ASSERT(H5Sclose(sp) >= 0 && H5Tclose(t) >= 0 && H5Dclose(d) >= 0);
}

/* nranks says 4 but the file holds 3 rank groups: a file of another job size. */
void test_refuse_missing_rank(void)
{
    char path[4200];
    fixture_init();
    fx.initiators[1] = 1; /* still valid when nranks shrinks to 2 */
    write_fixture(path, sizeof path, "ranks.h5");
    set_root_int(path, "nranks", 4);
    assert_refused(path, "rank group 3 missing");
    set_root_int(path, "nranks", 2);
    assert_refused(path, "/ranks has 3 members for 2 ranks");
}

void test_refuse_truncated(void)
{
    char path[4200];
    struct stat st;
    fixture_init();
    write_fixture(path, sizeof path, "truncated.h5");
    CU_ASSERT_FATAL(stat(path, &st) == 0);
    CU_ASSERT_FATAL(truncate(path, st.st_size / 2) == 0);
    assert_refused(path, "truncated file");
}

/* Find the 64 bytes of 0xA5 of rank 1's region "pattern" in the file and flip one. */
static void flip_pattern_byte(const char *path)
{
    FILE *fp = fopen(path, "r+b");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    long run = 0, at = -1, pos = 0;
    int c;
    while (at < 0 && (c = fgetc(fp)) != EOF) {
        run = c == 0xA5 ? run + 1 : 0;
        if (run == 64) at = pos - 31; /* a byte in the middle of the run */
        pos++;
    }
    CU_ASSERT_FATAL(at >= 0);
    CU_ASSERT_FATAL(fseek(fp, at, SEEK_SET) == 0);
    CU_ASSERT(fputc(0xA4, fp) == 0xA4);
    CU_ASSERT(fclose(fp) == 0);
}

void test_refuse_corrupt_data(void)
{
    char path[4200], err[512] = "";
    fixture_init();
    write_fixture(path, sizeof path, "corrupt.h5");
    flip_pattern_byte(path);
    sf_file *f = sf_open(path, err, sizeof err); /* data is read lazily, per rank */
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_PTR_NOT_NULL(sf_get_rank(f, 0, err, sizeof err));
    CU_ASSERT_PTR_NULL(sf_get_rank(f, 1, err, sizeof err));
    CU_ASSERT(has(err, "checksum error in /ranks/1/regions/pattern (file corrupt)"));
    CU_ASSERT_EQUAL(sf_check(f, NULL), 1); /* the unreadable rank is the one problem */
    sf_close(f);
}

/* A message whose envelope points past the payload is refused, not followed. */
void test_refuse_bad_offset(void)
{
    char path[4200], err[512] = "";
    fixture_init();
    write_fixture(path, sizeof path, "offset.h5");
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    CU_ASSERT_FATAL(f >= 0);
    hid_t d = H5Dopen2(f, "/ranks/1/in_transit/envelopes", H5P_DEFAULT);
    hid_t mt = H5Tcreate(H5T_COMPOUND, sizeof(uint64_t));
    CU_ASSERT_FATAL(d >= 0 && mt >= 0 && H5Tinsert(mt, "offset", 0, H5T_NATIVE_UINT64) >= 0);
    uint64_t offsets[NMSG1] = {0, UINT64_MAX - 4, 16};
    CU_ASSERT(H5Dwrite(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, offsets) >= 0);
    CU_ASSERT(H5Tclose(mt) >= 0 && H5Dclose(d) >= 0);
    reseal(f, "/ranks/1/in_transit/envelopes");
    CU_ASSERT(H5Fclose(f) >= 0);
    sf_file *sf = sf_open(path, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sf);
    CU_ASSERT_PTR_NULL(sf_get_rank(sf, 1, err, sizeof err));
    CU_ASSERT(has(err, "/ranks/1/in_transit/envelopes: message 1 lies outside the payload"));
    sf_close(sf);
}

/* A communicator row whose member list runs past comm_members, and a member that is
 * not a rank of the job, are refused when the rank is read. */
void test_refuse_bad_comm(void)
{
    char path[4200], err[512] = "";
    fixture_init();
    write_fixture(path, sizeof path, "comm.h5");
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    CU_ASSERT_FATAL(f >= 0);
    hid_t d = H5Dopen2(f, "/ranks/0/comms", H5P_DEFAULT);
    hid_t m = H5Dopen2(f, "/ranks/0/comm_members", H5P_DEFAULT);
    hid_t mt = H5Tcreate(H5T_COMPOUND, sizeof(uint64_t));
    CU_ASSERT_FATAL(d >= 0 && m >= 0 && mt >= 0 && H5Tinsert(mt, "offset", 0, H5T_NATIVE_UINT64) >= 0);
    uint64_t offsets[3] = {0, 3, 5}; /* 6 members in all: the last list runs to 7 */
    int32_t members[6] = {0, 1, 2, 0, 2, 0};
    CU_ASSERT(H5Dwrite(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, offsets) >= 0);
    CU_ASSERT(H5Dwrite(m, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, members) >= 0);
    CU_ASSERT(H5Tclose(mt) >= 0 && H5Dclose(d) >= 0 && H5Dclose(m) >= 0);
    reseal(f, "/ranks/0/comms");
    reseal(f, "/ranks/0/comm_members");
    CU_ASSERT(H5Fclose(f) >= 0);
    sf_file *sf = sf_open(path, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sf);
    CU_ASSERT_PTR_NULL(sf_get_rank(sf, 0, err, sizeof err));
    CU_ASSERT(has(err, "/ranks/0/comms: communicator 2 (id 5) lies outside comm_members"));
    sf_close(sf);

    f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    m = f < 0 ? -1 : H5Dopen2(f, "/ranks/0/comm_members", H5P_DEFAULT);
    CU_ASSERT_FATAL(m >= 0);
    members[1] = -4;
    CU_ASSERT(H5Dwrite(m, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, members) >= 0);
    CU_ASSERT(H5Dclose(m) >= 0);
    reseal(f, "/ranks/0/comm_members");
    CU_ASSERT(H5Fclose(f) >= 0);
    sf = sf_open(path, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sf);
    CU_ASSERT_PTR_NULL(sf_get_rank(sf, 0, err, sizeof err));
    CU_ASSERT(has(err, "/ranks/0/comms: communicator 0: member 1 is rank -4, outside 0..2"));
    sf_close(sf);
}
