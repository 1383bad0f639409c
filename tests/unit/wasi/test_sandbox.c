/* test_sandbox.c: the WASI path resolver never leaves its root: "..", absolute paths,
 * symlinks out, symlink loops, long paths, renames racing a lookup; both with openat2 and
 * with the hand-written walk that replaces it on old kernels. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi/sandbox.h"
#include "wasi/wasi_int.h"

typedef struct fixture {
    char top[256];      /* holds root/ and outside/ */
    char root[300];
    int rootfd;
    int mode;           /* 1: openat2, 0: the walk */
} fixture;

static void put(const char *dir, const char *rel, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void mk(const char *dir, const char *rel)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    assert_int_equal(mkdir(p, 0755), 0);
}

static void ln(const char *dir, const char *target, const char *rel)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    assert_int_equal(symlink(target, p), 0);
}

static int setup(void **state, int mode)
{
    fixture *fx = calloc(1, sizeof *fx);
    strcpy(fx->top, "/tmp/pith-sbx-XXXXXX");
    if (!mkdtemp(fx->top))
        return -1;
    snprintf(fx->root, sizeof fx->root, "%s/root", fx->top);
    mkdir(fx->root, 0755);
    mk(fx->top, "outside");
    put(fx->top, "outside/secret", "secret\n");
    mk(fx->root, "a");
    mk(fx->root, "a/b");
    put(fx->root, "a/b/file", "inside\n");
    ln(fx->root, "a/b", "link_in");             /* inside, relative */
    ln(fx->root, "..", "link_up");              /* escapes by .. */
    ln(fx->root, "../outside/secret", "link_secret");
    ln(fx->root, "/etc", "link_abs");           /* absolute */
    ln(fx->root, "loop2", "loop1");
    ln(fx->root, "loop1", "loop2");
    ln(fx->root, "self", "self");
    ln(fx->root, "../..", "a/up2");             /* a/up2 -> root/.. */
    ln(fx->root, "../a/b/file", "a/ok");        /* a/ok -> root/a/b/file */
    ln(fx->root, "newfile", "dangling_in");
    ln(fx->root, "../outside/created", "dangling_out");
    ln(fx->root, "/proc/self/root", "proc_root");
    fx->rootfd = open(fx->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    fx->mode = mode;
    *state = fx;
    return fx->rootfd >= 0 ? 0 : -1;
}
static int setup_openat2(void **state) { return setup(state, 1); }
static int setup_walk(void **state) { return setup(state, 0); }

static int teardown(void **state)
{
    fixture *fx = *state;
    close(fx->rootfd);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->top);
    int rc = system(cmd);
    free(fx);
    return rc == 0 ? 0 : -1;
}

/* Opens path read-only through the sandbox; returns the WASI errno. */
static wasi_errno try_open(fixture *fx, const char *path, unsigned flags)
{
    int use = fx->mode, fd = -1;
    wasi_errno e = sbx_open(fx->rootfd, path, O_RDONLY, 0, flags, &use, &fd);
    if (!e) {
        assert_true(fd >= 0);
        close(fd);
    }
    return e;
}

static void reads(fixture *fx, const char *path, const char *want)
{
    int use = fx->mode, fd = -1;
    assert_int_equal(sbx_open(fx->rootfd, path, O_RDONLY, 0, SBX_FOLLOW, &use, &fd), 0);
    char buf[64] = {0};
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    assert_true(n > 0);
    assert_string_equal(buf, want);
}

static void plain_paths_resolve(void **state)
{
    fixture *fx = *state;
    reads(fx, "a/b/file", "inside\n");
    reads(fx, "a/./b/../b/file", "inside\n");
    reads(fx, "a//b///file", "inside\n");
    reads(fx, "link_in/file", "inside\n");
    reads(fx, "a/ok", "inside\n");
    reads(fx, "a/b/../../a/b/file", "inside\n");
    assert_int_equal(try_open(fx, ".", 0), 0);
    assert_int_equal(try_open(fx, "a/b/..", 0), 0);
    assert_int_equal(try_open(fx, "a/", 0), 0);
    assert_int_equal(try_open(fx, "nothing", 0), WASI_ENOENT);
    assert_int_equal(try_open(fx, "", 0), WASI_ENOENT);
    assert_int_equal(try_open(fx, "a/b/file/", SBX_FOLLOW), WASI_ENOTDIR);
    assert_int_equal(try_open(fx, "a/b/file/x", SBX_FOLLOW), WASI_ENOTDIR);
}

static void dotdot_cannot_escape(void **state)
{
    fixture *fx = *state;
    assert_int_equal(try_open(fx, "..", 0), WASI_ENOTCAPABLE);
    assert_int_equal(try_open(fx, "../outside/secret", 0), WASI_ENOTCAPABLE);
    assert_int_equal(try_open(fx, "a/../../outside/secret", 0), WASI_ENOTCAPABLE);
    assert_int_equal(try_open(fx, "a/b/../../../root/a/b/file", 0), WASI_ENOTCAPABLE);
    assert_int_equal(try_open(fx, "./../root", 0), WASI_ENOTCAPABLE);
}

static void absolute_paths_are_refused(void **state)
{
    fixture *fx = *state;
    assert_int_equal(try_open(fx, "/etc/passwd", SBX_FOLLOW), WASI_ENOTCAPABLE);
    assert_int_equal(try_open(fx, "/", 0), WASI_ENOTCAPABLE);
    char p[600];
    snprintf(p, sizeof p, "%s/a/b/file", fx->root);   /* even the root's own host path */
    assert_int_equal(try_open(fx, p, 0), WASI_ENOTCAPABLE);
}

static void symlinks_cannot_escape(void **state)
{
    fixture *fx = *state;
    assert_int_equal(try_open(fx, "link_up/outside/secret", SBX_FOLLOW), WASI_ENOTCAPABLE);
    assert_int_equal(try_open(fx, "link_secret", SBX_FOLLOW), WASI_ENOTCAPABLE);
    assert_int_equal(try_open(fx, "link_abs/passwd", SBX_FOLLOW), WASI_ENOTCAPABLE);
    assert_int_equal(try_open(fx, "link_abs", SBX_FOLLOW), WASI_ENOTCAPABLE);
    assert_int_equal(try_open(fx, "a/up2/outside/secret", SBX_FOLLOW), WASI_ENOTCAPABLE);
    assert_int_equal(try_open(fx, "link_up", SBX_FOLLOW), WASI_ENOTCAPABLE);
    wasi_errno e = try_open(fx, "proc_root/etc/passwd", SBX_FOLLOW);
    assert_true(e == WASI_ENOTCAPABLE || e == WASI_ELOOP);
    /* Without following, a final symlink is not opened at all (O_NOFOLLOW: ELOOP). */
    assert_int_equal(try_open(fx, "link_secret", 0), WASI_ELOOP);
}

static void symlink_loops_stop(void **state)
{
    fixture *fx = *state;
    assert_int_equal(try_open(fx, "loop1", SBX_FOLLOW), WASI_ELOOP);
    assert_int_equal(try_open(fx, "loop1/x", SBX_FOLLOW), WASI_ELOOP);
    assert_int_equal(try_open(fx, "self/x", 0), WASI_ELOOP);
    int use = fx->mode;
    sbx_loc loc;
    assert_int_equal(sbx_locate(fx->rootfd, "self", SBX_FOLLOW, &use, &loc), WASI_ELOOP);
}

static void long_paths_are_bounded(void **state)
{
    fixture *fx = *state;
    char name[400];
    memset(name, 'x', 300);
    name[300] = 0;
    assert_int_equal(try_open(fx, name, 0), WASI_ENAMETOOLONG);
    /* 3000 levels of "a/..": deep but lexically harmless; must not leak or crash. */
    size_t n = 3000 * 5 + 16;
    char *p = malloc(n);
    p[0] = 0;
    for (int i = 0; i < 3000; i++)
        strcat(p, "a/../");
    strcat(p, "a/b/file");
    wasi_errno e = try_open(fx, p, 0);
    assert_true(e == 0 || e == WASI_ENAMETOOLONG);
    /* 300 nested real directories exceed the walk's depth; refused, not overflowed. */
    p[0] = 0;
    for (int i = 0; i < 300; i++)
        strcat(p, "link_in/../");
    strcat(p, "nothing");
    e = try_open(fx, p, SBX_FOLLOW);
    assert_true(e == WASI_ENOENT || e == WASI_ENAMETOOLONG || e == WASI_ELOOP);
    free(p);
}

static void locate_names_the_last_component(void **state)
{
    fixture *fx = *state;
    int use = fx->mode;
    sbx_loc loc;
    assert_int_equal(sbx_locate(fx->rootfd, "a/b/file", 0, &use, &loc), 0);
    assert_string_equal(loc.name, "file");
    struct stat st;
    assert_int_equal(fstatat(loc.dirfd, loc.name, &st, AT_SYMLINK_NOFOLLOW), 0);
    assert_true(S_ISREG(st.st_mode));
    sbx_loc_close(&loc);
    /* Not following: the link itself (e.g. to unlink it), even when it points outside. */
    assert_int_equal(sbx_locate(fx->rootfd, "link_secret", 0, &use, &loc), 0);
    assert_string_equal(loc.name, "link_secret");
    sbx_loc_close(&loc);
    assert_int_equal(sbx_locate(fx->rootfd, "link_secret", SBX_FOLLOW, &use, &loc),
                     WASI_ENOTCAPABLE);
    assert_int_equal(loc.dirfd, -1);
    /* Following inside the root lands on the target's directory. */
    assert_int_equal(sbx_locate(fx->rootfd, "a/ok", SBX_FOLLOW, &use, &loc), 0);
    assert_string_equal(loc.name, "file");
    sbx_loc_close(&loc);
    assert_int_equal(sbx_locate(fx->rootfd, "a/b/..", 0, &use, &loc), 0);
    assert_string_equal(loc.name, ".");
    sbx_loc_close(&loc);
    assert_int_equal(sbx_locate(fx->rootfd, "a/b/", 0, &use, &loc), 0);
    assert_string_equal(loc.name, "b");
    assert_true(loc.must_dir);
    sbx_loc_close(&loc);
    assert_int_equal(sbx_locate(fx->rootfd, "a/..", 0, &use, &loc), 0);
    sbx_loc_close(&loc);
    assert_int_equal(sbx_locate(fx->rootfd, "a/../..", 0, &use, &loc), WASI_ENOTCAPABLE);
}

static void creation_through_symlinks_stays_inside(void **state)
{
    fixture *fx = *state;
    int use = fx->mode, fd = -1;
    assert_int_equal(sbx_open(fx->rootfd, "dangling_in", O_WRONLY | O_CREAT, 0644, SBX_FOLLOW,
                              &use, &fd), 0);
    close(fd);
    struct stat st;
    assert_int_equal(fstatat(fx->rootfd, "newfile", &st, 0), 0);
    unlinkat(fx->rootfd, "newfile", 0);
    assert_int_equal(sbx_open(fx->rootfd, "dangling_out", O_WRONLY | O_CREAT, 0644,
                              SBX_FOLLOW, &use, &fd), WASI_ENOTCAPABLE);
    char p[600];
    snprintf(p, sizeof p, "%s/outside/created", fx->top);
    assert_int_equal(stat(p, &st), -1);
    /* O_EXCL never follows: the link itself exists. */
    assert_int_equal(sbx_open(fx->rootfd, "dangling_out", O_WRONLY | O_CREAT | O_EXCL, 0644,
                              SBX_FOLLOW, &use, &fd), WASI_EEXIST);
    assert_int_equal(stat(p, &st), -1);
}

/* A thread keeps swapping a directory between depth 1 and depth 2 while lookups with ".."
 * run: the lookups may fail but must never reach outside/. */
typedef struct racer {
    fixture *fx;
    atomic_bool stop;
} racer;

static void *rename_loop(void *arg)
{
    racer *r = arg;
    char a[600], b[600];
    snprintf(a, sizeof a, "%s/r1/r2/mv", r->fx->root);
    snprintf(b, sizeof b, "%s/mv", r->fx->root);
    while (!atomic_load(&r->stop)) {
        rename(a, b);
        rename(b, a);
    }
    return NULL;
}

static void renames_racing_lookups_cannot_escape(void **state)
{
    fixture *fx = *state;
    mk(fx->root, "r1");
    mk(fx->root, "r1/r2");
    mk(fx->root, "r1/r2/mv");
    racer r = { fx, false };
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, rename_loop, &r), 0);
    int escaped = 0;
    if (fx->mode) {     /* make sure the openat2 flavour really runs openat2 */
        int use = 1, fd = -1;
        assert_int_equal(sbx_open(fx->rootfd, "a", O_RDONLY, 0, 0, &use, &fd), 0);
        close(fd);
        if (!use)
            print_message("note: this kernel has no openat2; both runs use the walk\n");
    }
    for (int i = 0; i < 3000; i++) {
        if (try_open(fx, "r1/r2/mv/../../../../outside/secret", 0) == 0)
            escaped++;
        if (try_open(fx, "mv/../../outside/secret", 0) == 0)
            escaped++;
    }
    atomic_store(&r.stop, true);
    pthread_join(t, NULL);
    assert_int_equal(escaped, 0);
}

#define BOTH(fn) \
    { "openat2 " #fn, fn, setup_openat2, teardown, NULL }, \
    { "walk " #fn, fn, setup_walk, teardown, NULL }

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(plain_paths_resolve),
        BOTH(dotdot_cannot_escape),
        BOTH(absolute_paths_are_refused),
        BOTH(symlinks_cannot_escape),
        BOTH(symlink_loops_stop),
        BOTH(long_paths_are_bounded),
        BOTH(locate_names_the_last_component),
        BOTH(creation_through_symlinks_stays_inside),
        BOTH(renames_racing_lookups_cannot_escape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
