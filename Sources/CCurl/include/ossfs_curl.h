// CCurl: libcurl for Swift.
// Why a shim: curl_easy_setopt, curl_easy_getinfo and curl_multi_setopt are variadic, which Swift cannot
// call; each wrapper below fixes one argument type. Everything else in curl.h is imported as is.
#ifndef OSSFS_CURL_H
#define OSSFS_CURL_H

#include <curl/curl.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef size_t (*ossfs_curl_data_cb)(char *_Nonnull ptr, size_t size, size_t nmemb, void *_Nullable userdata);
typedef int (*ossfs_curl_xferinfo_cb)(void *_Nullable userdata, curl_off_t dltotal, curl_off_t dlnow,
                                      curl_off_t ultotal, curl_off_t ulnow);
typedef int (*ossfs_curl_seek_cb)(void *_Nullable userdata, curl_off_t offset, int origin);

CURLcode ossfs_curl_easy_setopt_long(CURL *_Nonnull handle, CURLoption option, long value);
CURLcode ossfs_curl_easy_setopt_off(CURL *_Nonnull handle, CURLoption option, curl_off_t value);
CURLcode ossfs_curl_easy_setopt_ptr(CURL *_Nonnull handle, CURLoption option, void *_Nullable value);
CURLcode ossfs_curl_easy_setopt_string(CURL *_Nonnull handle, CURLoption option, const char *_Nullable value);
CURLcode ossfs_curl_easy_setopt_slist(CURL *_Nonnull handle, CURLoption option, struct curl_slist *_Nullable value);
CURLcode ossfs_curl_easy_setopt_data_cb(CURL *_Nonnull handle, CURLoption option, ossfs_curl_data_cb _Nullable cb);
CURLcode ossfs_curl_easy_setopt_xferinfo_cb(CURL *_Nonnull handle, ossfs_curl_xferinfo_cb _Nullable cb);
CURLcode ossfs_curl_easy_setopt_seek_cb(CURL *_Nonnull handle, ossfs_curl_seek_cb _Nullable cb);

CURLcode ossfs_curl_easy_getinfo_long(CURL *_Nonnull handle, CURLINFO info, long *_Nonnull value);
CURLcode ossfs_curl_easy_getinfo_off(CURL *_Nonnull handle, CURLINFO info, curl_off_t *_Nonnull value);
CURLcode ossfs_curl_easy_getinfo_ptr(CURL *_Nonnull handle, CURLINFO info, void *_Nullable *_Nonnull value);
CURLcode ossfs_curl_easy_getinfo_string(CURL *_Nonnull handle, CURLINFO info, const char *_Nullable *_Nonnull value);

CURLMcode ossfs_curl_multi_setopt_long(CURLM *_Nonnull multi, CURLMoption option, long value);

/// CURLMsg.data is a union; Swift reads `result` through this accessor.
CURLcode ossfs_curl_msg_result(const CURLMsg *_Nonnull msg);

/// An epoll loop that drives a multi handle with curl_multi_socket_action (ossfs_curl_loop.c). Everything but
/// `ossfs_curl_loop_wakeup` runs on the one thread that owns the multi handle.
typedef struct ossfs_curl_loop ossfs_curl_loop;
/// Installs the socket and timer callbacks on `multi`; NULL when epoll or eventfd cannot be had.
ossfs_curl_loop *_Nullable ossfs_curl_loop_new(CURLM *_Nonnull multi);
void ossfs_curl_loop_free(ossfs_curl_loop *_Nonnull loop);
/// Thread-safe: ends (or prevents) the owner's next wait.
void ossfs_curl_loop_wakeup(ossfs_curl_loop *_Nonnull loop);
/// Called by the owner just before it looks at the work handed in: later hand-offs must wake it again.
void ossfs_curl_loop_rearm(ossfs_curl_loop *_Nonnull loop);
/// Waits up to `max_wait_ms` (less when curl's timer is due) for ready sockets or a wake-up, and lets curl
/// act on what is ready and on its timer. Returns -1 when epoll fails.
int ossfs_curl_loop_wait(ossfs_curl_loop *_Nonnull loop, int max_wait_ms);

#ifdef __cplusplus
}
#endif
#endif
