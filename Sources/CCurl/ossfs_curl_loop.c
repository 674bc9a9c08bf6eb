#include "ossfs_curl.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

// curl_multi_socket_action driven by epoll: each wait touches only the sockets that are ready, where
// curl_multi_perform walks every transfer. curl tells us which sockets to watch (socket callback) and when it
// next needs a timeout call (timer callback); an eventfd wakes the wait when another thread hands in work.

struct ossfs_curl_loop {
    CURLM *multi;
    int epoll_fd;
    int event_fd;
    // 1 while a wake-up is already on its way (or the loop is awake and will look at its inbox anyway).
    atomic_int signalled;
    // When curl wants CURL_SOCKET_TIMEOUT next, CLOCK_MONOTONIC ms; -1 for never.
    int64_t deadline_ms;
};

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp) {
    (void)easy;
    struct ossfs_curl_loop *loop = userp;
    if (what == CURL_POLL_REMOVE) {
        // The socket may already be closed (then the kernel dropped it from the set): ignore the error.
        // curl forgets the socket's assigned pointer with its entry.
        epoll_ctl(loop->epoll_fd, EPOLL_CTL_DEL, s, NULL);
        return 0;
    }
    struct epoll_event ev = { 0 };
    ev.data.fd = s;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) ev.events |= EPOLLIN;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) ev.events |= EPOLLOUT;
    int op = socketp ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (epoll_ctl(loop->epoll_fd, op, s, &ev) != 0) {
        // A descriptor number curl closed and reopened, or one we never saw: try the other operation.
        if (errno == EEXIST) epoll_ctl(loop->epoll_fd, EPOLL_CTL_MOD, s, &ev);
        else if (errno == ENOENT) epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, s, &ev);
    }
    if (!socketp) curl_multi_assign(loop->multi, s, loop);
    return 0;
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp) {
    (void)multi;
    struct ossfs_curl_loop *loop = userp;
    loop->deadline_ms = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    return 0;
}

ossfs_curl_loop *ossfs_curl_loop_new(CURLM *multi) {
    struct ossfs_curl_loop *loop = calloc(1, sizeof(*loop));
    if (!loop) return NULL;
    loop->multi = multi;
    loop->deadline_ms = -1;
    atomic_init(&loop->signalled, 0);
    loop->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    loop->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (loop->epoll_fd < 0 || loop->event_fd < 0) goto fail;
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = loop->event_fd };
    if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, loop->event_fd, &ev) != 0) goto fail;
    if (curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, on_socket) != CURLM_OK) goto fail;
    if (curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, loop) != CURLM_OK) goto fail;
    if (curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, on_timer) != CURLM_OK) goto fail;
    if (curl_multi_setopt(multi, CURLMOPT_TIMERDATA, loop) != CURLM_OK) goto fail;
    return loop;
fail:
    if (loop->epoll_fd >= 0) close(loop->epoll_fd);
    if (loop->event_fd >= 0) close(loop->event_fd);
    free(loop);
    return NULL;
}

// After curl_multi_cleanup, which may still call on_socket for the connections it closes.
void ossfs_curl_loop_free(ossfs_curl_loop *loop) {
    close(loop->epoll_fd);
    close(loop->event_fd);
    free(loop);
}

void ossfs_curl_loop_wakeup(ossfs_curl_loop *loop) {
    // One write per sleep is enough: later callers see the flag and leave the loop to find their work.
    if (atomic_exchange(&loop->signalled, 1) == 0) {
        uint64_t one = 1;
        ssize_t rc;
        do { rc = write(loop->event_fd, &one, sizeof(one)); } while (rc < 0 && errno == EINTR);
    }
}

void ossfs_curl_loop_rearm(ossfs_curl_loop *loop) {
    atomic_store(&loop->signalled, 0);
}

int ossfs_curl_loop_wait(ossfs_curl_loop *loop, int max_wait_ms) {
    int timeout = max_wait_ms;
    if (loop->deadline_ms >= 0) {
        int64_t left = loop->deadline_ms - now_ms();
        if (left < 0) left = 0;
        if (left < timeout) timeout = (int)left;
    }
    struct epoll_event events[64];
    int n = epoll_wait(loop->epoll_fd, events, 64, timeout);
    if (n < 0 && errno != EINTR) return -1;
    int running = 0;
    for (int i = 0; i < n; i++) {
        int fd = events[i].data.fd;
        if (fd == loop->event_fd) {
            uint64_t count;   // one read takes the whole counter
            (void)!read(loop->event_fd, &count, sizeof(count));
            continue;
        }
        int mask = 0;
        if (events[i].events & (EPOLLIN | EPOLLHUP)) mask |= CURL_CSELECT_IN;
        if (events[i].events & EPOLLOUT) mask |= CURL_CSELECT_OUT;
        if (events[i].events & EPOLLERR) mask |= CURL_CSELECT_ERR;
        curl_multi_socket_action(loop->multi, fd, mask, &running);
    }
    if (loop->deadline_ms >= 0 && now_ms() >= loop->deadline_ms) {
        loop->deadline_ms = -1;
        curl_multi_socket_action(loop->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
    return 0;
}
