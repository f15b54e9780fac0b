/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctl_client.c: one request to srd-vswitchd and its reply (ctl/ctl_client.h).
 *
 * The socket is nonblocking and every wait is a poll() bounded by the one deadline,
 * so a stuck server costs at most timeout_ms. The server may close its end before it
 * has read the whole request (a refused or over-long request) or with bytes of ours
 * unread: a send() failing with EPIPE only means the reply should be read now, and a
 * recv() failing with ECONNRESET (which then comes after the reply's bytes) means
 * the same as end of file.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ctl/ctl_client.h"

#define CONNECT_RETRY_NS 10000000L   /* wait between connects while the backlog is full */

/* The reply as it arrives. */
struct reply_buf {
	char *data;   /* bytes received */
	size_t len;   /* bytes in data */
	size_t cap;   /* bytes allocated */
};


static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until fd has one of events, or the deadline passes (-ETIMEDOUT). */
static int wait_for(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int64_t left;
	int n;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

static int connect_to(const char *path, int64_t deadline, int *fdp, char **errp)
{
	struct timespec pause = { .tv_nsec = CONNECT_RETRY_NS };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return srd_ctl_fail(errp, -ENAMETOOLONG, "cannot connect to %s: path longer than %zu bytes",
			    path, sizeof(sa.sun_path) - 1);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return srd_ctl_fail(errp, -errno, "socket: %s", strerror(errno));
	while (connect(fd, (const struct sockaddr *)&sa, sizeof(sa))) {
		err = errno;
		if (err == EAGAIN && now_ms() < deadline) {   /* backlog full */
			nanosleep(&pause, NULL);
			continue;
		}
		close(fd);
		if (err == EAGAIN)
			err = ETIMEDOUT;
		return srd_ctl_fail(errp, -err, "cannot connect to %s: %s (is srd-vswitchd running?)",
			    path, strerror(err));
	}
	*fdp = fd;
	return 0;
}

/* Send the request; stop quietly if the server closed early (its reply says why). */
static int send_request(int fd, const char *buf, size_t len, int64_t deadline)
{
	ssize_t n;
	int ret;

	while (len) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n >= 0) {
			buf += n;
			len -= (size_t)n;
		} else if (errno == EPIPE || errno == ECONNRESET) {
			return 0;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			ret = wait_for(fd, POLLOUT, deadline);
			if (ret)
				return ret;
		} else if (errno != EINTR) {
			return -errno;
		}
	}
	return 0;
}

static int grow(struct reply_buf *b)
{
	size_t cap = b->cap ? 2 * b->cap : 4096;
	char *data;

	if (cap > SRD_CTL_MAX_REPLY + 1)
		cap = SRD_CTL_MAX_REPLY + 1;
	if (b->cap == cap)
		return -EMSGSIZE;
	data = realloc(b->data, cap);
	if (!data)
		return -ENOMEM;
	b->data = data;
	b->cap = cap;
	return 0;
}

/* Read until the server closes. */
static int recv_reply(int fd, struct reply_buf *b, int64_t deadline)
{
	ssize_t n;
	int ret;

	for (;;) {
		ret = b->len == b->cap ? grow(b) : 0;
		if (ret)
			return ret;
		n = recv(fd, b->data + b->len, b->cap - b->len, 0);
		if (n > 0) {
			b->len += (size_t)n;
			continue;
		}
		if (n == 0 || errno == ECONNRESET)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		ret = wait_for(fd, POLLIN, deadline);
		if (ret)
			return ret;
	}
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static const char *reply_problem(enum json_tokener_error jerr, struct json_object *obj)
{
	if (jerr == json_tokener_continue)
		return "truncated";
	if (jerr != json_tokener_success)
		return json_tokener_error_desc(jerr);
	return json_object_is_type(obj, json_type_object) ? "data after it" : "not an object";
}

/* The reply must be exactly one JSON object, white space around it allowed. */
static int parse_reply(const char *path, const struct reply_buf *b,
		       struct json_object **reply, char **errp)
{
	struct json_tokener *tok = json_tokener_new();
	enum json_tokener_error jerr;
	struct json_object *obj;
	size_t end;

	if (!tok)
		return srd_ctl_fail(errp, -ENOMEM, "out of memory");
	obj = json_tokener_parse_ex(tok, b->data, (int)b->len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	while (jerr == json_tokener_success && end < b->len && is_space(b->data[end]))
		end++;
	if (jerr == json_tokener_success && end == b->len &&
	    json_object_is_type(obj, json_type_object)) {
		*reply = obj;
		return 0;
	}
	srd_ctl_fail(errp, -EPROTO, "%s: the reply is not one JSON object (%s)", path,
	     reply_problem(jerr, obj));
	json_object_put(obj);
	return -EPROTO;
}

/* The exchange on a connected socket. */
static int exchange(int fd, const char *path, const char *req, size_t req_len,
		    int64_t deadline, struct json_object **reply, char **errp)
{
	struct reply_buf b = { 0 };
	int ret;

	ret = send_request(fd, req, req_len, deadline);
	if (!ret)
		ret = recv_reply(fd, &b, deadline);
	if (ret == -ETIMEDOUT)
		srd_ctl_fail(errp, ret, "%s: no complete reply in time", path);
	else if (ret == -EMSGSIZE)
		srd_ctl_fail(errp, ret, "%s: reply larger than %u bytes", path, SRD_CTL_MAX_REPLY);
	else if (ret)
		srd_ctl_fail(errp, ret, "%s: %s", path, strerror(-ret));
	else if (!b.len)
		ret = srd_ctl_fail(errp, -EPROTO, "%s: the server closed the connection without a reply",
			   path);
	else
		ret = parse_reply(path, &b, reply, errp);
	free(b.data);
	return ret;
}

int srd_ctl_request(const char *path, int argc, char *const argv[],
		    struct json_object **reply, int timeout_ms, char **errp)
{
	int64_t deadline = now_ms() + timeout_ms;
	char req[SRD_CTL_MAX_REQUEST + 1];
	int len, fd = -1, ret;

	*reply = NULL;
	if (errp)
		*errp = NULL;
	len = srd_ctl_request_format(argc, argv, req, sizeof(req));
	if (len == -EMSGSIZE)
		return srd_ctl_fail(errp, len, "request longer than %u bytes", SRD_CTL_MAX_REQUEST);
	if (len < 0)
		return srd_ctl_fail(errp, len, "invalid request: 1 to %d words, none empty, %s",
			    SRD_CTL_MAX_ARGS, "without spaces or control characters");
	ret = connect_to(path, deadline, &fd, errp);
	if (ret)
		return ret;
	ret = exchange(fd, path, req, (size_t)len, deadline, reply, errp);
	close(fd);
	return ret;
}
