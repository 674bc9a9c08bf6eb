// CFuse: libfuse3's low-level API for Swift.
// Why a shim: fuse_lowlevel.h must see FUSE_USE_VERSION before it is included, and fuse_session_new and
// fuse_session_loop_mt are macros over versioned symbols, which Swift cannot import. We target the 3.5 API,
// so the binary runs on libfuse 3.10 and later (Ubuntu 22.04, Rocky 9, Debian 12).
#ifndef OSSFS_FUSE_H
#define OSSFS_FUSE_H

#define FUSE_USE_VERSION 35
#include <fuse3/fuse_lowlevel.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fuse_session *_Nullable ossfs_fuse_session_new(struct fuse_args *_Nonnull args,
                                                       const struct fuse_lowlevel_ops *_Nonnull ops,
                                                       void *_Nullable userdata);

/// Runs the multi-threaded loop until the session exits. `max_idle_threads` bounds idle workers.
int ossfs_fuse_session_loop_mt(struct fuse_session *_Nonnull se, int clone_fd, unsigned int max_idle_threads);

#ifdef __cplusplus
}
#endif
#endif
