/*
 * sf_fixture.h - what the snapshot-file unit tests share (test_snapfile.c): the fixture,
 * a consistent 3-rank bank snapshot, the test directory and small helpers; and the
 * reader's refusal tests (test_snapfile_reader.c) that test_snapfile.c's main runs.
 */
#ifndef MPISNAP_SF_FIXTURE_H
#define MPISNAP_SF_FIXTURE_H

#include "snapfile.h"

#include <stddef.h>
#include <stdint.h>

enum { N = 3, NMSG1 = 3 };

struct fixture {
    sf_job job;
    int32_t initiators[2];
    uint64_t sent[N][N], recvd[N][N];
    uint8_t balance[N][8], grid[100], pattern[64], pay[3][16];
    sf_region regions[N][2];
    sf_request requests[2];
    const char *stack0[3], *stack1[1];
    char long_frame[5001];
    sf_msg msgs0[1], msgs1[NMSG1];
    int32_t world[N], self0[1], split0[2];
    sf_comm comms0[3];
    sf_rank ranks[N];
};

extern struct fixture fx;
extern char g_dir[4096]; /* where the tests write their files */

const char *path_of(char *buf, size_t len, const char *name); /* g_dir/name in buf */
int exists(const char *path);
int has(const char *err, const char *text); /* err contains text (printed when not) */
void fixture_init(void);
/* Write the fixture (as modified by the test) to g_dir/name; fatal on failure. */
const char *write_fixture(char *buf, size_t len, const char *name);

void test_refuse_incomplete(void);
void test_refuse_killed_writer(void);
void test_refuse_not_hdf5(void);
void test_refuse_foreign_hdf5(void);
void test_refuse_version(void);
void test_read_format3(void);
void test_refuse_zeroed_chunk(void);
void test_refuse_missing_rank(void);
void test_refuse_truncated(void);
void test_refuse_corrupt_data(void);
void test_refuse_bad_offset(void);
void test_refuse_bad_comm(void);

#endif
