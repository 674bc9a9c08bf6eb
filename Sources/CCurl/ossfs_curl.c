#include "ossfs_curl.h"

CURLcode ossfs_curl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
CURLcode ossfs_curl_easy_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
CURLcode ossfs_curl_easy_setopt_ptr(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
CURLcode ossfs_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
CURLcode ossfs_curl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}
CURLcode ossfs_curl_easy_setopt_data_cb(CURL *handle, CURLoption option, ossfs_curl_data_cb cb) {
    return curl_easy_setopt(handle, option, cb);
}
CURLcode ossfs_curl_easy_setopt_xferinfo_cb(CURL *handle, ossfs_curl_xferinfo_cb cb) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, cb);
}
CURLcode ossfs_curl_easy_setopt_seek_cb(CURL *handle, ossfs_curl_seek_cb cb) {
    return curl_easy_setopt(handle, CURLOPT_SEEKFUNCTION, cb);
}
CURLcode ossfs_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
CURLcode ossfs_curl_easy_getinfo_off(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}
CURLcode ossfs_curl_easy_getinfo_ptr(CURL *handle, CURLINFO info, void **value) {
    return curl_easy_getinfo(handle, info, value);
}
CURLcode ossfs_curl_easy_getinfo_string(CURL *handle, CURLINFO info, const char **value) {
    return curl_easy_getinfo(handle, info, value);
}
CURLMcode ossfs_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}
CURLcode ossfs_curl_msg_result(const CURLMsg *msg) {
    return msg->data.result;
}
