/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctl_server.c: srd-vswitchd's end of the control channel (ctl/ctl_server.h).
 *
 * One internal epoll fd holds the listener and every client; it is the fd the caller
 * watches. A client lives in a fixed slot (its epoll tag) and goes through two
 * states: reading its request (EPOLLIN), then writing its reply (EPOLLOUT, the reply
 * already serialized); it is closed when the reply is out, on error, or at its
 * deadline.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ctl/ctl_server.h"

#define LISTENER UINT32_MAX   /* epoll tag of the listening socket */
#define ACCEPT_BURST 64       /* most accepts per run, so a flood cannot starve the daemon */
#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static const char oom_reply[] = "{\"error\":\"out of memory\"}\n";
static const char busy_reply[] =
	"{\"error\":\"too many srdctl clients at once (16), try again\"}\n";
static const char timeout_reply[] = "{\"error\":\"no request line within 2 s\"}\n";

/* A connected srdctl. */
struct ctl_client {
	int fd;                       /* its socket; -1: the slot is free */
	uint64_t deadline_ns;         /* dropped at this time */
	size_t in_len;                /* request bytes received */
	const char *out;              /* the reply being sent; NULL while reading */
	char *out_buf;                /* out when malloc'd, else NULL */
	size_t out_len;               /* reply length, its '\n' included */
	size_t out_off;               /* reply bytes sent */
	char in[SRD_CTL_MAX_REQUEST]; /* request bytes */
};

struct srd_ctl_server {
	int epfd;                     /* the caller's fd: listener and clients */
	int lfd;                      /* listening socket */
	char *path;                   /* its path */
	dev_t dev;                    /* the socket file's device and inode, so that */
	ino_t ino;                    /* close unlinks path only while it is ours */
	srd_ctl_handler handler;      /* answers requests */
	void *user;                   /* the handler's first argument */
	unsigned nclients;            /* slots in use */
	struct ctl_client client[SRD_CTL_MAX_CLIENTS]; /* by slot = epoll tag */
};


/* ---- opening and closing ---- */

static int make_parent(const char *path, char **errp)
{
	const char *slash = strrchr(path, '/');
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int err;

	if (!slash || slash == path)
		return 0;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	if (!mkdir(dir, 0755) || errno == EEXIST)
		return 0;
	err = errno;
	return srd_ctl_fail(errp, -err, "cannot create %s: %s", dir, strerror(err));
}

/* Does a server listen on sa? 1 yes, 0 no (a stale file), or -errno. */
static int probe_live(const struct sockaddr_un *sa)
{
	int fd, ret;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) ? -errno : 1;
	close(fd);
	if (ret == -EAGAIN)   /* its backlog is full: alive */
		return 1;
	if (ret == -ECONNREFUSED || ret == -ENOENT)
		return 0;
	return ret;
}

static int clear_stale(const char *path, const struct sockaddr_un *sa, char **errp)
{
	struct stat st;
	int live;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : srd_ctl_fail(errp, -errno, "%s: %s", path, strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		return srd_ctl_fail(errp, -EEXIST, "%s exists and is not a socket", path);
	live = probe_live(sa);
	if (live > 0)
		return srd_ctl_fail(errp, -EADDRINUSE,
			    "%s: another srd-vswitchd is listening on this socket", path);
	if (live < 0)
		return srd_ctl_fail(errp, live, "%s: cannot probe the existing socket: %s", path,
			    strerror(-live));
	if (unlink(path) && errno != ENOENT)
		return srd_ctl_fail(errp, -errno, "cannot remove the stale socket %s: %s", path,
			    strerror(errno));
	return 0;
}

/* Bind and listen; no one can connect before the mode is 0600. */
static int listen_on(struct srd_ctl_server *s, const struct sockaddr_un *sa, char **errp)
{
	struct stat st;
	int err;

	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd < 0)
		return srd_ctl_fail(errp, -errno, "socket: %s", strerror(errno));
	if (bind(s->lfd, (const struct sockaddr *)sa, sizeof(*sa))) {
		err = errno;
		goto err_bind;
	}
	if (chmod(s->path, 0600) || lstat(s->path, &st) || listen(s->lfd, SOMAXCONN)) {
		err = errno;
		goto err_listen;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	return 0;
err_listen:
	unlink(s->path);
err_bind:
	close(s->lfd);
	return srd_ctl_fail(errp, -err, "cannot listen on %s: %s", s->path, strerror(err));
}

static int epoll_setup(struct srd_ctl_server *s, char **errp)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = LISTENER };

	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0)
		return srd_ctl_fail(errp, -errno, "epoll_create1: %s", strerror(errno));
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->lfd, &ev)) {
		close(s->epfd);
		return srd_ctl_fail(errp, -errno, "epoll_ctl: %s", strerror(errno));
	}
	return 0;
}

static struct srd_ctl_server *server_new(const char *path, srd_ctl_handler h, void *user)
{
	struct srd_ctl_server *s = calloc(1, sizeof(*s));
	unsigned i;

	if (!s)
		return NULL;
	s->path = strdup(path);
	if (!s->path) {
		free(s);
		return NULL;
	}
	s->epfd = s->lfd = -1;
	s->handler = h;
	s->user = user;
	for (i = 0; i < SRD_CTL_MAX_CLIENTS; i++)
		s->client[i].fd = -1;
	return s;
}

int srd_ctl_server_open(const char *path, srd_ctl_handler h, void *user,
			struct srd_ctl_server **out, char **errp)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct srd_ctl_server *s;
	int ret;

	*out = NULL;
	if (errp)
		*errp = NULL;
	if (strlen(path) >= sizeof(sa.sun_path))
		return srd_ctl_fail(errp, -ENAMETOOLONG, "%s: socket path longer than %zu bytes",
			    path, sizeof(sa.sun_path) - 1);
	strcpy(sa.sun_path, path);
	s = server_new(path, h, user);
	if (!s)
		return srd_ctl_fail(errp, -ENOMEM, "%s: out of memory", path);
	ret = make_parent(path, errp);
	if (ret)
		goto err_setup;
	ret = clear_stale(path, &sa, errp);
	if (ret)
		goto err_setup;
	ret = listen_on(s, &sa, errp);
	if (ret)
		goto err_setup;
	ret = epoll_setup(s, errp);
	if (ret)
		goto err_epoll;
	*out = s;
	return 0;
err_epoll:
	unlink(path);
	close(s->lfd);
err_setup:
	free(s->path);
	free(s);
	return ret;
}

int srd_ctl_server_fd(const struct srd_ctl_server *s)
{
	return s->epfd;
}

static void drop_client(struct srd_ctl_server *s, struct ctl_client *c)
{
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->out_buf);
	c->fd = -1;
	c->in_len = 0;
	c->out = c->out_buf = NULL;
	c->out_len = c->out_off = 0;
	s->nclients--;
}

void srd_ctl_server_close(struct srd_ctl_server *s)
{
	struct stat st;
	unsigned i;

	if (!s)
		return;
	for (i = 0; i < SRD_CTL_MAX_CLIENTS; i++)
		if (s->client[i].fd >= 0)
			drop_client(s, &s->client[i]);
	if (!lstat(s->path, &st) && st.st_dev == s->dev && st.st_ino == s->ino)
		unlink(s->path);
	close(s->lfd);
	close(s->epfd);
	free(s->path);
	free(s);
}

/* ---- serving ---- */

static int watch(struct srd_ctl_server *s, struct ctl_client *c, int op, uint32_t events)
{
	struct epoll_event ev = { .events = events };

	ev.data.u32 = (uint32_t)(c - s->client);
	return epoll_ctl(s->epfd, op, c->fd, &ev) ? -errno : 0;
}

/* Serialize reply (which may be NULL: out of memory) with a '\n' after it. */
static void set_reply(struct ctl_client *c, struct json_object *reply)
{
	const char *text = NULL;
	size_t len = 0;

	if (reply)
		text = json_object_to_json_string_length(reply, JSON_FLAGS, &len);
	c->out_buf = text ? malloc(len + 1) : NULL;
	if (!c->out_buf) {
		c->out = oom_reply;
		c->out_len = sizeof(oom_reply) - 1;
		return;
	}
	memcpy(c->out_buf, text, len);
	c->out_buf[len] = '\n';
	c->out = c->out_buf;
	c->out_len = len + 1;
}

/* Send what the socket takes; close the client once the reply is out. */
static void client_send(struct srd_ctl_server *s, struct ctl_client *c)
{
	ssize_t n;

	while (c->out_off < c->out_len) {
		n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0)
			break;   /* the client went away */
		c->out_off += (size_t)n;
	}
	drop_client(s, c);
}

/* Answer argv, or the parse error why when argc < 0, and start sending. */
static void answer(struct srd_ctl_server *s, struct ctl_client *c, int argc,
		   char **argv, const char *why, uint64_t now_ns)
{
	struct json_object *reply;

	if (argc > 0)
		reply = s->handler(s->user, argc, argv);
	else
		reply = srd_ctl_reply_error("%s", why);
	set_reply(c, reply);
	json_object_put(reply);
	c->deadline_ns = now_ns + SRD_CTL_CLIENT_TIMEOUT_NS;
	if (watch(s, c, EPOLL_CTL_MOD, EPOLLOUT)) {
		drop_client(s, c);
		return;
	}
	client_send(s, c);
}

/* Read until the request line is complete, then answer it. */
static void client_recv(struct srd_ctl_server *s, struct ctl_client *c, uint64_t now_ns)
{
	char *argv[SRD_CTL_MAX_ARGS + 1];
	const char *why = NULL;
	ssize_t n;
	int argc;

	for (;;) {
		n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, 0);
		if (n > 0) {
			c->in_len += (size_t)n;
			argc = srd_ctl_request_parse(c->in, c->in_len, argv, &why);
			if (argc) {
				answer(s, c, argc, argv, why, now_ns);
				return;
			}
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			return;
		} else if (n == 0 && c->in_len) {
			answer(s, c, -EINVAL, NULL, "request line not ended by a newline", now_ns);
			return;
		} else {
			drop_client(s, c);   /* gone without a word, or a socket error */
			return;
		}
	}
}

static void client_ready(struct srd_ctl_server *s, struct ctl_client *c,
			 uint64_t now_ns)
{
	if (c->fd < 0)
		return;
	if (c->out)
		client_send(s, c);
	else
		client_recv(s, c, now_ns);
}

static int add_client(struct srd_ctl_server *s, int fd, uint64_t now_ns)
{
	struct ctl_client *c = s->client;

	while (c->fd >= 0)
		c++;
	c->fd = fd;
	c->deadline_ns = now_ns + SRD_CTL_CLIENT_TIMEOUT_NS;
	if (watch(s, c, EPOLL_CTL_ADD, EPOLLIN)) {
		c->fd = -1;
		return -1;
	}
	s->nclients++;
	return 0;
}

/* Tell a client why it is being closed, if its socket takes the message now. */
static void tell(int fd, const char *msg, size_t len)
{
	send(fd, msg, len, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void accept_clients(struct srd_ctl_server *s, uint64_t now_ns)
{
	int i, fd;

	for (i = 0; i < ACCEPT_BURST; i++) {
		fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (fd < 0)
			return;
		if (s->nclients < SRD_CTL_MAX_CLIENTS && !add_client(s, fd, now_ns))
			continue;
		tell(fd, busy_reply, sizeof(busy_reply) - 1);
		close(fd);
	}
}

static void expire_clients(struct srd_ctl_server *s, uint64_t now_ns)
{
	struct ctl_client *c;

	for (c = s->client; c < s->client + SRD_CTL_MAX_CLIENTS; c++) {
		if (c->fd < 0 || c->deadline_ns > now_ns)
			continue;
		if (!c->out)
			tell(c->fd, timeout_reply, sizeof(timeout_reply) - 1);
		drop_client(s, c);
	}
}

void srd_ctl_server_run(struct srd_ctl_server *s, uint64_t now_ns)
{
	struct epoll_event ev[SRD_CTL_MAX_CLIENTS + 1];
	bool listener = false;
	int i, n;

	n = epoll_wait(s->epfd, ev, (int)(sizeof(ev) / sizeof(ev[0])), 0);
	for (i = 0; i < n; i++) {
		if (ev[i].data.u32 == LISTENER)
			listener = true;
		else
			client_ready(s, &s->client[ev[i].data.u32], now_ns);
	}
	/* Accept last: no event of this batch can then name a slot reused meanwhile. */
	if (listener)
		accept_clients(s, now_ns);
	expire_clients(s, now_ns);
}

uint64_t srd_ctl_server_next_expiry(const struct srd_ctl_server *s)
{
	uint64_t next = UINT64_MAX;
	unsigned i;

	for (i = 0; i < SRD_CTL_MAX_CLIENTS; i++)
		if (s->client[i].fd >= 0 && s->client[i].deadline_ns < next)
			next = s->client[i].deadline_ns;
	return next;
}

unsigned srd_ctl_server_clients(const struct srd_ctl_server *s)
{
	return s->nclients;
}

struct json_object *srd_ctl_reply_error(const char *fmt, ...)
{
	struct json_object *obj, *msg;
	va_list ap;
	char *text;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	obj = json_object_new_object();
	msg = json_object_new_string_len(text, n);
	free(text);
	if (!obj || !msg || json_object_object_add(obj, "error", msg)) {
		json_object_put(msg);
		json_object_put(obj);
		return NULL;
	}
	return obj;
}
