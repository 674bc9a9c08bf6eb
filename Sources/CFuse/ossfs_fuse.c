#include "ossfs_fuse.h"

struct fuse_session *ossfs_fuse_session_new(struct fuse_args *args, const struct fuse_lowlevel_ops *ops,
                                            void *userdata) {
    return fuse_session_new(args, ops, sizeof(*ops), userdata);
}

int ossfs_fuse_session_loop_mt(struct fuse_session *se, int clone_fd, unsigned int max_idle_threads) {
    struct fuse_loop_config config = { .clone_fd = clone_fd, .max_idle_threads = max_idle_threads };
    return fuse_session_loop_mt(se, &config);
}
