// SPDX-License-Identifier: Apache-2.0
/*
 * ovsdb.c: the JSON-RPC connection to ovsdb-server (ctl/ovsdb.h).
 *
 * Input: bytes land in `in`; json-c's tokener keeps its state between calls, so a
 * message split across reads is parsed as it arrives and each byte is looked at
 * once. json_tokener_get_parse_end() says where a complete message ended, and the
 * next one starts there. Output: one growing buffer, flushed as the socket takes it.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ctl/ovsdb.h"

#define IN_CHUNK 65536u   /* bytes read per recv(2) */

struct srd_ovsdb {
	int fd;                     /* the socket, -1 when unconnected */
	bool connecting;            /* a TCP connect(2) has not completed yet */
	struct json_tokener *tok;   /* parser state of the message being received */
	size_t msg_bytes;           /* bytes of that message seen so far */
	char *in;                   /* received, not yet parsed */
	size_t in_off, in_len;      /* unparsed bytes are in[in_off..in_len) */
	char *out;                  /* queued for sending */
	size_t out_off, out_len;    /* unsent bytes are out[out_off..out_len) */
	size_t out_cap;             /* bytes allocated for out */
	int64_t next_id;            /* id of the next request */
};

static void set_err(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

const char *srd_ovsdb_default_remote(void)
{
	static char buf[4200];
	const char *rundir = getenv("OVS_RUNDIR");

	if (!rundir || !rundir[0])
		return SRD_OVSDB_DEFAULT_REMOTE;
	snprintf(buf, sizeof(buf), "unix:%s/db.sock", rundir);
	return buf;
}

struct srd_ovsdb *srd_ovsdb_new_unconnected(void)
{
	struct srd_ovsdb *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->fd = -1;
	c->tok = json_tokener_new_ex(64);
	c->in = malloc(IN_CHUNK);
	if (!c->tok || !c->in) {
		srd_ovsdb_close(c);
		return NULL;
	}
	return c;
}

void srd_ovsdb_close(struct srd_ovsdb *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	if (c->tok)
		json_tokener_free(c->tok);
	free(c->in);
	free(c->out);
	free(c);
}

int srd_ovsdb_fd(const struct srd_ovsdb *c)
{
	return c->fd;
}

bool srd_ovsdb_want_write(const struct srd_ovsdb *c)
{
	return c->connecting || c->out_off < c->out_len;
}

/* ---- connecting ---- */

static int open_unix(const char *path, char *err, size_t err_len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, e;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		set_err(err, err_len, "unix:%s: %s", path, "path too long");
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		e = errno;
		close(fd);
		set_err(err, err_len, "unix:%s: %s", path, strerror(e));
		return -e;
	}
	return fd;
}

/* "IPV4:PORT" or "[IPV6]:PORT" into sa. */
static int parse_tcp(const char *s, struct sockaddr_storage *sa, socklen_t *len)
{
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)sa;
	struct sockaddr_in *v4 = (struct sockaddr_in *)sa;
	const char *colon = strrchr(s, ':');
	char host[64], *end;
	size_t hl;
	unsigned long port;

	if (!colon)
		return -EINVAL;
	port = strtoul(colon + 1, &end, 10);
	if (end == colon + 1 || *end || port == 0 || port > 65535)
		return -EINVAL;
	hl = (size_t)(colon - s);
	if (hl >= 2 && s[0] == '[' && s[hl - 1] == ']') {
		s++;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = 0;
	memset(sa, 0, sizeof(*sa));
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		*len = sizeof(*v4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*v6);
		return 0;
	}
	return -EINVAL;
}

/* A server that vanishes without a reset (host down, cable cut) is noticed within
 * about 10 s: TCP keepalive, where the unix socket gets an end of file at once. */
static void keepalive(int fd)
{
	int on = 1, idle = 4, intvl = 2, cnt = 3;

	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

static int open_tcp(const char *where, bool *connecting, char *err, size_t err_len)
{
	struct sockaddr_storage sa;
	socklen_t len;
	int fd, e;

	if (parse_tcp(where, &sa, &len) < 0) {
		set_err(err, err_len, "tcp:%s: %s", where, "not IP:PORT");
		return -EINVAL;
	}
	fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	keepalive(fd);
	if (connect(fd, (struct sockaddr *)&sa, len) == 0)
		return fd;
	if (errno == EINPROGRESS) {
		*connecting = true;
		return fd;
	}
	e = errno;
	close(fd);
	set_err(err, err_len, "tcp:%s: %s", where, strerror(e));
	return -e;
}

int srd_ovsdb_open(const char *remote, struct srd_ovsdb **out, char *err,
		   size_t err_len)
{
	struct srd_ovsdb *c;
	bool connecting = false;
	int fd;

	if (!strncmp(remote, "unix:", 5)) {
		fd = open_unix(remote + 5, err, err_len);
	} else if (!strncmp(remote, "tcp:", 4)) {
		fd = open_tcp(remote + 4, &connecting, err, err_len);
	} else {
		set_err(err, err_len, "%s: %s", remote,
			"not a remote (unix:PATH or tcp:IP:PORT)");
		return -EINVAL;
	}
	if (fd < 0)
		return fd;
	c = srd_ovsdb_new_unconnected();
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	c->fd = fd;
	c->connecting = connecting;
	*out = c;
	return 0;
}

/* ---- sending ---- */

static int queue(struct srd_ovsdb *c, const char *s, size_t len)
{
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_len - c->out_off + len > SRD_OVSDB_MAX_MSG)
		return -ENOBUFS;                /* the server stopped reading */
	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		char *p;

		while (cap < c->out_len + len)
			cap *= 2;
		p = realloc(c->out, cap);
		if (!p)
			return -ENOMEM;
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, s, len);
	c->out_len += len;
	return 0;
}

/* Queue msg (consumed). */
static int queue_json(struct srd_ovsdb *c, struct json_object *msg)
{
	size_t len;
	const char *s;
	int err;

	if (!msg)
		return -ENOMEM;
	s = json_object_to_json_string_length(msg, JSON_C_TO_STRING_PLAIN, &len);
	err = s ? queue(c, s, len) : -ENOMEM;
	json_object_put(msg);
	return err;
}

int srd_ovsdb_request(struct srd_ovsdb *c, const char *method,
		      struct json_object *params, int64_t *id)
{
	struct json_object *msg = json_object_new_object();
	int64_t my_id = c->next_id++;

	if (!params)
		params = json_object_new_array();
	if (!msg || !params) {
		json_object_put(msg);
		json_object_put(params);
		return -ENOMEM;
	}
	json_object_object_add(msg, "method", json_object_new_string(method));
	json_object_object_add(msg, "params", params);
	json_object_object_add(msg, "id", json_object_new_int64(my_id));
	if (id)
		*id = my_id;
	return queue_json(c, msg);
}

static int finish_connect(struct srd_ovsdb *c)
{
	int so = 0;
	socklen_t len = sizeof(so);
	struct pollfd p = { .fd = c->fd, .events = POLLOUT };

	if (poll(&p, 1, 0) <= 0)
		return 0;
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &so, &len) < 0)
		return -errno;
	if (so)
		return -so;
	c->connecting = false;
	return 0;
}

int srd_ovsdb_flush(struct srd_ovsdb *c)
{
	ssize_t n;
	int err;

	if (c->fd < 0)
		return -ENOTCONN;
	if (c->connecting && ((err = finish_connect(c)) < 0 || c->connecting))
		return err;
	while (c->out_off < c->out_len) {
		n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
			 MSG_NOSIGNAL);
		if (n > 0) {
			c->out_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		return n < 0 ? -errno : -EPIPE;
	}
	return 0;
}

/* ---- receiving ---- */

/* An "echo" request is answered with its own params (RFC 7047 §4.1.11). */
static bool answer_echo(struct srd_ovsdb *c, struct json_object *msg)
{
	struct json_object *method, *params, *id, *reply;

	if (!json_object_object_get_ex(msg, "method", &method) ||
	    !json_object_is_type(method, json_type_string) ||
	    strcmp(json_object_get_string(method), "echo") ||
	    !json_object_object_get_ex(msg, "id", &id) || json_object_is_type(id, json_type_null))
		return false;
	reply = json_object_new_object();
	if (!reply)
		return true;
	if (!json_object_object_get_ex(msg, "params", &params))
		params = NULL;
	json_object_object_add(reply, "result", json_object_get(params));
	json_object_object_add(reply, "error", NULL);
	json_object_object_add(reply, "id", json_object_get(id));
	queue_json(c, reply);
	return true;
}

int srd_ovsdb_next(struct srd_ovsdb *c, struct json_object **msg)
{
	while (c->in_off < c->in_len) {
		size_t avail = c->in_len - c->in_off;
		struct json_object *obj;
		enum json_tokener_error jerr;

		obj = json_tokener_parse_ex(c->tok, c->in + c->in_off, (int)avail);
		jerr = json_tokener_get_error(c->tok);
		if (jerr == json_tokener_continue) {
			c->msg_bytes += avail;
			c->in_off = c->in_len;
			return c->msg_bytes > SRD_OVSDB_MAX_MSG ? -EMSGSIZE : 0;
		}
		if (jerr != json_tokener_success)
			return -EPROTO;
		c->in_off += json_tokener_get_parse_end(c->tok);
		c->msg_bytes = 0;
		json_tokener_reset(c->tok);
		if (!json_object_is_type(obj, json_type_object)) {
			json_object_put(obj);
			return -EPROTO;
		}
		if (answer_echo(c, obj)) {
			json_object_put(obj);
			continue;
		}
		*msg = obj;
		return 1;
	}
	return 0;
}

int srd_ovsdb_feed(struct srd_ovsdb *c, const void *data, size_t len)
{
	if (c->in_off == c->in_len)
		c->in_off = c->in_len = 0;
	if (len > IN_CHUNK - c->in_len)
		return -ENOBUFS;
	memcpy(c->in + c->in_len, data, len);
	c->in_len += len;
	return 0;
}

int srd_ovsdb_recv(struct srd_ovsdb *c, struct json_object **msg)
{
	ssize_t n;
	int ret = srd_ovsdb_next(c, msg);

	if (ret)
		return ret;
	if (c->fd < 0)
		return -ENOTCONN;
	c->in_off = c->in_len = 0;      /* next() consumed everything */
	n = recv(c->fd, c->in, IN_CHUNK, 0);
	if (n == 0)
		return -EPIPE;
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -errno;
	c->in_len = (size_t)n;
	return srd_ovsdb_next(c, msg);
}

/* ---- one blocking call ---- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The reply to id, or 0 when msg is something else. */
static int take_reply(struct json_object *msg, int64_t id, struct json_object **result,
		      char *err, size_t err_len)
{
	struct json_object *jid, *jerr, *res;

	if (!json_object_object_get_ex(msg, "id", &jid) ||
	    !json_object_is_type(jid, json_type_int) || json_object_get_int64(jid) != id)
		return 0;
	if (json_object_object_get_ex(msg, "error", &jerr) && jerr) {
		set_err(err, err_len, "ovsdb-server: %s",
			json_object_to_json_string_ext(jerr, JSON_C_TO_STRING_PLAIN));
		return -EREMOTEIO;
	}
	if (!json_object_object_get_ex(msg, "result", &res))
		return -EPROTO;
	*result = json_object_get(res);
	return 1;
}

static int wait_io(struct srd_ovsdb *c, int64_t deadline)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	int64_t left = deadline - now_ms();
	int n;

	if (left <= 0)
		return -ETIMEDOUT;
	if (srd_ovsdb_want_write(c))
		p.events |= POLLOUT;
	n = poll(&p, 1, (int)left);
	return n < 0 && errno != EINTR ? -errno : 0;
}

int srd_ovsdb_call(struct srd_ovsdb *c, const char *method,
		   struct json_object *params, int timeout_ms,
		   struct json_object **result, char *err, size_t err_len)
{
	int64_t deadline = now_ms() + timeout_ms, id;
	struct json_object *msg = NULL;
	int ret = srd_ovsdb_request(c, method, params, &id);

	while (!ret) {
		ret = srd_ovsdb_flush(c);
		while (!ret && (ret = srd_ovsdb_recv(c, &msg)) == 1) {
			ret = take_reply(msg, id, result, err, err_len);
			json_object_put(msg);
		}
		if (ret == 1)
			return 0;
		if (!ret)
			ret = wait_io(c, deadline);
	}
	if (ret == -ETIMEDOUT)
		set_err(err, err_len, "ovsdb-server: no reply to %s", method);
	else if (ret != -EREMOTEIO)
		set_err(err, err_len, "ovsdb-server: %s (%s)", method, strerror(-ret));
	return ret;
}
