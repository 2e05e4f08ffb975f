/*
 * faultfs.c - a FUSE file system for the fault tests: a passthrough over a backing
 * directory whose writes can be made to fail or hang while a job runs.
 *
 *   faultfs BACKING CONTROL MOUNTPOINT [FUSE options, e.g. -f]
 *
 * Everything under MOUNTPOINT is BACKING's. CONTROL is a file outside the mount, read at
 * every create, write, fsync and fallocate; its first word chooses what they do:
 *
 *   normal (or no file, or empty)   pass through
 *   eio [OP...]                     fail with EIO ("Input/output error")
 *   edquot [OP...]                  fail with EDQUOT ("Disk quota exceeded")
 *   hang S [OP...]                  sleep S seconds, then pass through
 *
 * where OP (create, write, fsync, fallocate) limits the fault to those operations (all
 * four without), so `echo eio > CONTROL` switches at once, without a remount, and
 * `echo 'eio fsync' > CONTROL` lets a file be written but not synced. Reads, directories,
 * renames and unlinks always pass through. Each fault injected is one line on stderr
 * ("faultfs: write /dir/snap-000003.h5.part: Input/output error", "faultfs: fsync
 * /dir/x: hung 2.0 s"), for a test to wait for. Unmount with fusermount3 -u MOUNTPOINT
 * (or SIGTERM to faultfs). Built only where pkg-config finds fuse3.
 */
#define FUSE_USE_VERSION 31
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

static int backing = -1;    /* the backing directory */
static const char *control; /* the control file's path */

/* A path of the mount as a path relative to the backing directory. */
static const char *rel(const char *path) { return path[1] ? path + 1 : "."; }

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Whether the words of list include w. */
static int word_in(const char *list, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = list; (p = strstr(p, w)); p += n)
        if ((p == list || strchr(" \t\n", p[-1])) && strchr(" \t\n", p[n])) return 1;
    return 0;
}

/* The fault of the control file's mode for operation op on path: 0 (after a hang, if
 * the mode says so) or a negative errno. */
static int fault(const char *op, const char *path)
{
    char buf[64] = "";
    int fd = open(control, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, buf, sizeof buf - 1);
        buf[n > 0 ? n : 0] = 0;
        close(fd);
    }
    char *rest = buf + strcspn(buf, " \t\n");
    double s = !strncmp(buf, "hang", 4) ? strtod(rest, &rest) : 0;
    if (strspn(rest, " \t\n") < strlen(rest) && !word_in(rest, op)) return 0; /* not this operation */
    int e = !strncmp(buf, "eio", 3) ? EIO : !strncmp(buf, "edquot", 6) ? EDQUOT : 0;
    if (e) {
        fprintf(stderr, "faultfs: %s %s: %s\n", op, path, strerror(e));
        return -e;
    }
    if (s > 0) {
        fprintf(stderr, "faultfs: %s %s: hanging %.1f s\n", op, path, s);
        double t0 = now();
        struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR) continue;
        fprintf(stderr, "faultfs: %s %s: hung %.1f s\n", op, path, now() - t0);
    }
    return 0;
}

static int ret(int rc) { return rc < 0 ? -errno : rc; }

static void *ffs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
    (void)conn;
    cfg->entry_timeout = cfg->attr_timeout = cfg->negative_timeout = 0; /* BACKING may change beneath */
    cfg->hard_remove = 1; /* an unlinked open file is gone, not renamed .fuse_hidden* */
    return NULL;
}

static int ffs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    if (fi) return ret(fstat((int)fi->fh, st));
    return ret(fstatat(backing, rel(path), st, AT_SYMLINK_NOFOLLOW));
}

static int ffs_access(const char *path, int mask) { return ret(faccessat(backing, rel(path), mask, 0)); }

static int ffs_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off, struct fuse_file_info *fi,
                       enum fuse_readdir_flags flags)
{
    (void)off, (void)fi, (void)flags;
    int fd = openat(backing, rel(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        int e = errno;
        if (fd >= 0) close(fd);
        return -e;
    }
    for (struct dirent *e; (e = readdir(d));) {
        struct stat st = {.st_ino = e->d_ino, .st_mode = (mode_t)DTTOIF(e->d_type)};
        if (fill(buf, e->d_name, &st, 0, 0)) break;
    }
    closedir(d);
    return 0;
}

static int ffs_mkdir(const char *path, mode_t mode) { return ret(mkdirat(backing, rel(path), mode)); }
static int ffs_unlink(const char *path) { return ret(unlinkat(backing, rel(path), 0)); }
static int ffs_rmdir(const char *path) { return ret(unlinkat(backing, rel(path), AT_REMOVEDIR)); }

static int ffs_rename(const char *from, const char *to, unsigned int flags)
{
    return ret(renameat2(backing, rel(from), backing, rel(to), flags));
}

static int ffs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    if (fi) return ret(fchmod((int)fi->fh, mode));
    return ret(fchmodat(backing, rel(path), mode, 0));
}

static int ffs_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
    if (fi) return ret(fchown((int)fi->fh, uid, gid));
    return ret(fchownat(backing, rel(path), uid, gid, AT_SYMLINK_NOFOLLOW));
}

static int ffs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
    if (fi) return ret(ftruncate((int)fi->fh, size));
    int fd = openat(backing, rel(path), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    int rc = ret(ftruncate(fd, size));
    close(fd);
    return rc;
}

static int ffs_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
    if (fi) return ret(futimens((int)fi->fh, tv));
    return ret(utimensat(backing, rel(path), tv, AT_SYMLINK_NOFOLLOW));
}

/* O_DIRECT is the kernel's business on the mount; the backing file may refuse it. */
static int ffs_open(const char *path, struct fuse_file_info *fi)
{
    int fd = openat(backing, rel(path), (fi->flags & ~O_DIRECT) | O_CLOEXEC);
    if (fd < 0) return -errno;
    fi->fh = (uint64_t)fd;
    return 0;
}

static int ffs_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    int rc = fault("create", path);
    if (rc) return rc;
    int fd = openat(backing, rel(path), (fi->flags & ~O_DIRECT) | O_CREAT | O_CLOEXEC, mode);
    if (fd < 0) return -errno;
    fi->fh = (uint64_t)fd;
    return 0;
}

static int ffs_read(const char *path, char *buf, size_t n, off_t off, struct fuse_file_info *fi)
{
    (void)path;
    return (int)ret((int)pread((int)fi->fh, buf, n, off));
}

static int ffs_write(const char *path, const char *buf, size_t n, off_t off, struct fuse_file_info *fi)
{
    int rc = fault("write", path);
    return rc ? rc : ret((int)pwrite((int)fi->fh, buf, n, off));
}

static int ffs_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
    int rc = fault("fsync", path);
    if (rc) return rc;
    return ret(datasync ? fdatasync((int)fi->fh) : fsync((int)fi->fh));
}

static int ffs_fallocate(const char *path, int mode, off_t off, off_t len, struct fuse_file_info *fi)
{
    int rc = fault("fallocate", path);
    return rc ? rc : ret(fallocate((int)fi->fh, mode, off, len));
}

static int ffs_statfs(const char *path, struct statvfs *st)
{
    (void)path;
    return ret(fstatvfs(backing, st));
}

static int ffs_release(const char *path, struct fuse_file_info *fi)
{
    (void)path;
    close((int)fi->fh);
    return 0;
}

static const struct fuse_operations ops = {
    .init = ffs_init,
    .getattr = ffs_getattr,
    .access = ffs_access,
    .readdir = ffs_readdir,
    .mkdir = ffs_mkdir,
    .unlink = ffs_unlink,
    .rmdir = ffs_rmdir,
    .rename = ffs_rename,
    .chmod = ffs_chmod,
    .chown = ffs_chown,
    .truncate = ffs_truncate,
    .utimens = ffs_utimens,
    .open = ffs_open,
    .create = ffs_create,
    .read = ffs_read,
    .write = ffs_write,
    .fsync = ffs_fsync,
    .fallocate = ffs_fallocate,
    .statfs = ffs_statfs,
    .release = ffs_release,
};

int main(int argc, char **argv)
{
    if (argc < 4 || !strcmp(argv[1], "--help")) {
        fprintf(stderr, "usage: faultfs BACKING CONTROL MOUNTPOINT [FUSE options]\n"
                        "CONTROL: normal | eio [OP...] | edquot [OP...] | hang SECONDS [OP...]; OP: create write fsync "
                        "fallocate\n");
        return argc < 4 ? 2 : 0;
    }
    backing = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (backing < 0) {
        fprintf(stderr, "faultfs: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    char *abs = realpath(argv[2], NULL); /* fuse_main may chdir("/") */
    if (!abs && errno == ENOENT) {
        FILE *f = fopen(argv[2], "w");
        if (f) fclose(f);
        abs = realpath(argv[2], NULL);
    }
    if (!abs) {
        fprintf(stderr, "faultfs: %s: %s\n", argv[2], strerror(errno));
        return 1;
    }
    control = abs;
    argv[2] = argv[0]; /* fuse_main sees: faultfs MOUNTPOINT [options] */
    return fuse_main(argc - 2, argv + 2, &ops, NULL);
}
