/* sandbox.h: resolution of guest paths confined beneath a directory fd (a preopen or a
 * directory opened from one): openat2(RESOLVE_BENEATH) when the kernel has it, else a walk. */
#ifndef PITH_WASI_SANDBOX_H
#define PITH_WASI_SANDBOX_H

#include <stdbool.h>
#include <sys/types.h>

#include "wasi/abi.h"

#define SBX_FOLLOW          0x1u    /* follow a final symlink (staying beneath the root) */
#define SBX_FOLLOW_TRAILING 0x2u    /* follow a final symlink if the path ends in '/' */

#define SBX_MAX_SYMLINKS 40         /* expansions per resolution before ELOOP */
#define SBX_MAX_DEPTH 256           /* directory levels held open by the walk */
#define SBX_MAX_WORK 65536          /* bytes of path after symlink expansion */

/* Where a path lands: the directory that holds its last component, and that component. */
typedef struct sbx_loc {
    int dirfd;          /* owned; -1 when unset */
    char name[256];     /* one component, never ".." and never empty; "." is dirfd itself */
    bool must_dir;      /* the path ended in '/' */
} sbx_loc;

/* Rules for every function here: `path` is relative (a leading '/' is ENOTCAPABLE, an empty
 * path ENOENT); ".." never climbs above `root` (ENOTCAPABLE), nor does a symlink, and an
 * absolute symlink target is an escape too; magic links (/proc) are refused; more than
 * SBX_MAX_SYMLINKS expansions is ELOOP. `use_openat2` is the caller's cache: 1 tries the
 * syscall, and it is set to 0 when the kernel lacks it; 0 always walks by hand. */

/* Resolves every component but the last (and the last too when following applies). */
wasi_errno sbx_locate(int root, const char *path, unsigned flags, int *use_openat2,
                      sbx_loc *out);
void sbx_loc_close(sbx_loc *loc);

/* openat(2) confined beneath root. `oflags` are host open flags (O_CLOEXEC is added; with
 * O_CREAT|O_EXCL a final symlink is never followed). */
wasi_errno sbx_open(int root, const char *path, int oflags, mode_t mode, unsigned flags,
                    int *use_openat2, int *out_fd);

#endif
