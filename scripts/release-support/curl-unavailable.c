/*
 * The release binary links the Swift standard library and Foundation statically. Foundation's
 * networking part (URLSession, pulled in by the MCP SDK's client-side code, which contact-sync never
 * runs: its own HTTP goes through AsyncHTTPClient) refers to libcurl. These definitions stand in for
 * libcurl so that the binary needs no shared library beyond the C library: every call fails the way
 * libcurl reports a failure (no handle, CURLE_FAILED_INIT, CURLM_BAD_HANDLE), and nothing crashes.
 */
#include <stddef.h>

enum { CURLE_FAILED_INIT = 2, CURLM_BAD_HANDLE = 1, CURLUE_OUT_OF_MEMORY = 7 };

static const char unavailable[] = "libcurl is not part of this contact-sync build";

void *curl_easy_init(void) { return NULL; }
void curl_easy_cleanup(void *handle) { (void)handle; }
int curl_easy_setopt(void *handle, int option, ...) { (void)handle; (void)option; return CURLE_FAILED_INIT; }
int curl_easy_getinfo(void *handle, int info, ...) { (void)handle; (void)info; return CURLE_FAILED_INIT; }
int curl_easy_pause(void *handle, int bitmask) { (void)handle; (void)bitmask; return CURLE_FAILED_INIT; }
const char *curl_easy_strerror(int code) { (void)code; return unavailable; }
void curl_free(void *pointer) { (void)pointer; }
int curl_global_init(long flags) { (void)flags; return CURLE_FAILED_INIT; }
void *curl_multi_init(void) { return NULL; }
int curl_multi_cleanup(void *multi) { (void)multi; return CURLM_BAD_HANDLE; }
int curl_multi_add_handle(void *multi, void *easy) { (void)multi; (void)easy; return CURLM_BAD_HANDLE; }
int curl_multi_remove_handle(void *multi, void *easy) { (void)multi; (void)easy; return CURLM_BAD_HANDLE; }
int curl_multi_assign(void *multi, int socket, void *pointer) { (void)multi; (void)socket; (void)pointer; return CURLM_BAD_HANDLE; }
void *curl_multi_info_read(void *multi, int *queued) { (void)multi; if (queued) *queued = 0; return NULL; }
int curl_multi_setopt(void *multi, int option, ...) { (void)multi; (void)option; return CURLM_BAD_HANDLE; }
int curl_multi_socket_action(void *multi, int socket, int mask, int *running) { (void)multi; (void)socket; (void)mask; if (running) *running = 0; return CURLM_BAD_HANDLE; }
void *curl_slist_append(void *list, const char *text) { (void)list; (void)text; return NULL; }
void curl_slist_free_all(void *list) { (void)list; }
void *curl_url(void) { return NULL; }
int curl_url_get(void *url, int part, char **value, unsigned int flags) { (void)url; (void)part; (void)flags; if (value) *value = NULL; return CURLUE_OUT_OF_MEMORY; }
int curl_url_set(void *url, int part, const char *value, unsigned int flags) { (void)url; (void)part; (void)value; (void)flags; return CURLUE_OUT_OF_MEMORY; }
char *curl_version(void) { return (char *)unavailable; }
void *curl_version_info(int stamp) { (void)stamp; return NULL; }
