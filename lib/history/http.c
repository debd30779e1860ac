/* http.c - a minimal HTTP/1.1 client for webhook alerts.
 *
 * Webhooks are plain-HTTP POSTs of a small JSON body to host:port/path, so a
 * socket, one request with Content-Length and "Connection: close", and the
 * status line of the answer are all that is needed (no TLS: an https URL is
 * refused with a clear error rather than sent in the clear).  Every step
 * honours one overall deadline. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "brainsmith/error.h"
#include "brainsmith/util.h"
#include "history_int.h"

typedef struct url_parts { char host[256]; char port[8]; char path[1024]; } url_parts;

static int parse_url(const char *url, url_parts *u)
{
    const char *p = url;
    if (strncmp(p, "https://", 8) == 0)
        return bs_error_set(BS_EUNSUPPORTED, "webhook %s: https is not supported (plain http only)", url);
    if (strncmp(p, "http://", 7) != 0)
        return bs_error_set(BS_EINVAL, "webhook '%s': expected http://host[:port]/path", url);
    p += 7;
    size_t hl = strcspn(p, ":/");
    if (hl == 0 || hl >= sizeof u->host) return bs_error_set(BS_EINVAL, "webhook '%s': bad host", url);
    memcpy(u->host, p, hl);
    u->host[hl] = 0;
    p += hl;
    strcpy(u->port, "80");
    if (*p == ':') {
        p++;
        size_t pl = strspn(p, "0123456789");
        if (pl == 0 || pl > 5) return bs_error_set(BS_EINVAL, "webhook '%s': bad port", url);
        memcpy(u->port, p, pl);
        u->port[pl] = 0;
        p += pl;
    }
    if (*p && *p != '/') return bs_error_set(BS_EINVAL, "webhook '%s': bad URL after host", url);
    if (strlen(*p ? p : "/") >= sizeof u->path) return bs_error_set(BS_EINVAL, "webhook '%s': path too long", url);
    strcpy(u->path, *p ? p : "/");
    for (const char *c = u->path; *c; c++)
        if ((unsigned char)*c <= 0x20 || *c == 0x7f)
            return bs_error_set(BS_EINVAL, "webhook '%s': space or control character in path", url);
    return 0;
}

static int wait_fd(int fd, short ev, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - bs_now_mono_ms();
        if (left <= 0) return BS_ETIMEOUT;
        struct pollfd pfd = {fd, ev, 0};
        int r = poll(&pfd, 1, (int)(left > 60000 ? 60000 : left));
        if (r > 0) return 0;
        if (r < 0 && errno != EINTR) return BS_EIO;
    }
}

static int connect_to(const url_parts *u, int64_t deadline, const char *url)
{
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int e = getaddrinfo(u->host, u->port, &hints, &res);
    if (e != 0) return bs_error_set(BS_EIO, "webhook %s: cannot resolve %s: %s", url, u->host, gai_strerror(e));
    int fd = -1, err = 0;
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
        if (fd < 0) { err = errno; continue; }
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
        if (errno != EINPROGRESS) {
            err = errno;
        } else if (wait_fd(fd, POLLOUT, deadline) == 0) {
            socklen_t len = sizeof err;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err == 0) break;
        } else {
            err = ETIMEDOUT;
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        return bs_error_set(BS_EIO, "webhook %s: cannot connect to %s:%s: %s", url, u->host, u->port,
                            strerror(err ? err : ECONNREFUSED));
    return fd;
}

static int send_all(int fd, const char *buf, size_t n, int64_t deadline, const char *url)
{
    while (n > 0) {
        ssize_t w = send(fd, buf, n, MSG_NOSIGNAL);
        if (w > 0) { buf += w; n -= (size_t)w; continue; }
        if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (wait_fd(fd, POLLOUT, deadline) < 0)
                return bs_error_set(BS_ETIMEOUT, "webhook %s: timed out sending", url);
            continue;
        }
        return bs_error_set(BS_EIO, "webhook %s: send: %s", url, strerror(errno));
    }
    return 0;
}

int bs_http_post_json(const char *url, const char *body, int64_t timeout_ms, int *status)
{
    url_parts u;
    int rc = parse_url(url, &u);
    if (status) *status = 0;
    if (rc < 0) return rc;
    int64_t deadline = bs_now_mono_ms() + (timeout_ms > 0 ? timeout_ms : 30000);
    int fd = connect_to(&u, deadline, url);
    if (fd < 0) return fd;
    size_t blen = strlen(body);
    bs_strbuf req = BS_STRBUF_INIT;
    bs_strbuf_printf(&req, "POST %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: brainsmith/%s\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                     u.path, u.host, u.port, BS_VERSION, blen);
    bs_strbuf_append(&req, body, blen);
    rc = send_all(fd, req.buf, req.len, deadline, url);
    bs_strbuf_free(&req);
    if (rc < 0) { close(fd); return rc; }
    /* read until the status line is complete */
    char resp[512];
    size_t got = 0;
    while (got < sizeof resp - 1 && !memchr(resp, '\n', got)) {
        ssize_t r = recv(fd, resp + got, sizeof resp - 1 - got, 0);
        if (r > 0) { got += (size_t)r; continue; }
        if (r == 0) break;
        if (errno == EAGAIN || errno == EINTR) {
            if (wait_fd(fd, POLLIN, deadline) < 0) {
                close(fd);
                return bs_error_set(BS_ETIMEOUT, "webhook %s: no answer within %lld ms", url,
                                    (long long)timeout_ms);
            }
            continue;
        }
        close(fd);
        return bs_error_set(BS_EIO, "webhook %s: recv: %s", url, strerror(errno));
    }
    close(fd);
    resp[got] = 0;
    int code = 0;
    if (sscanf(resp, "HTTP/%*d.%*d %d", &code) != 1)
        return bs_error_set(BS_ETOOL, "webhook %s: not an HTTP answer", url);
    if (status) *status = code;
    if (code < 200 || code > 299)
        return bs_error_set(BS_ETOOL, "webhook %s: server answered %d", url, code);
    return 0;
}
