/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_ctl.c: the control channel (ctl/ctl_proto.h, ctl/ctl_server.h,
 * ctl/ctl_client.h) and srdctl's text rendering (ctl/ctl_render.h).
 *
 * Servers listen under a mkdtemp directory in /tmp, removed at the end. Two ways of
 * driving them:
 *   - a server thread that polls the server's fd and runs it on the real clock,
 *     for srd_ctl_request(), the function srdctl uses;
 *   - raw nonblocking client sockets and srd_ctl_server_run() called from the test
 *     with a made-up clock, for limits and deadlines (no test sleeps 2 s).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ctl/ctl_client.h"
#include "ctl/ctl_render.h"
#include "ctl/ctl_server.h"
#include "tests/check.h"

#define BIG_REPLY (2u << 20)   /* "big" answers with a string this long */
#define T0 1000000000000ull    /* the made-up clock's start */
#define SEC 1000000000ull
#define NRAW 20                /* clients connected at once in the limit test */

static char dir[] = "/tmp/srd-ctl-XXXXXX";
static atomic_int handled;     /* requests the handler answered */

/* A server and the thread serving it. */
struct serving {
	struct srd_ctl_server *s;   /* the server */
	pthread_t thread;           /* runs serve() */
	atomic_bool stop;           /* ask the thread to return */
};

/* A raw client socket and what it received. */
struct raw {
	int fd;        /* nonblocking socket */
	char *text;    /* bytes received, NUL-terminated */
	size_t len;    /* bytes in text */
	bool closed;   /* the server closed the connection */
};

static char run_dir[64];       /* dir/run: the servers create it */
static char threads_path[128]; /* the socket of server__concurrent_requests */

/* A socket path in run_dir; valid until the fourth call after. Not thread-safe. */
static char *sock_path(const char *name)
{
	static char path[4][128];
	static int next;
	char *p = path[next++ % 4];

	snprintf(p, sizeof(path[0]), "%s/%s.sock", run_dir, name);
	return p;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
}

/* {"argv": [words]}, or what the command word asks for. */
static struct json_object *handler(void *user, int argc, char **argv)
{
	struct json_object *o, *words;
	char *blob;
	int i;

	(void)user;
	handled++;
	if (!strcmp(argv[0], "oom"))
		return NULL;
	if (!strcmp(argv[0], "fail"))
		return srd_ctl_reply_error("no peer '%s'", argc > 1 ? argv[1] : "");
	if (!strcmp(argv[0], "array"))
		return json_object_new_array();
	o = json_object_new_object();
	if (!strcmp(argv[0], "big")) {
		blob = malloc(BIG_REPLY + 1);
		memset(blob, 'x', BIG_REPLY);
		blob[BIG_REPLY] = '\0';
		json_object_object_add(o, "blob", json_object_new_string(blob));
		free(blob);
		return o;
	}
	words = json_object_new_array();
	for (i = 0; i < argc; i++)
		json_object_array_add(words, json_object_new_string(argv[i]));
	json_object_object_add(o, "argv", words);
	return o;
}

static struct srd_ctl_server *open_server(const char *path)
{
	struct srd_ctl_server *s = NULL;
	char *err = NULL;
	int ret;

	ret = srd_ctl_server_open(path, handler, NULL, &s, &err);
	if (ret)
		fprintf(stderr, "  open %s: %d %s\n", path, ret, err ? err : "");
	CHECK_EQ(ret, 0);
	free(err);
	return s;
}

/* ---- the server thread ---- */

static void *serve(void *arg)
{
	struct serving *sv = arg;
	struct pollfd p = { .fd = srd_ctl_server_fd(sv->s), .events = POLLIN };

	while (!sv->stop) {
		poll(&p, 1, 5);
		srd_ctl_server_run(sv->s, now_ns());
	}
	return NULL;
}

static bool serve_start(struct serving *sv, const char *path)
{
	sv->stop = false;
	sv->s = open_server(path);
	if (!sv->s)
		return false;
	if (!pthread_create(&sv->thread, NULL, serve, sv))
		return true;
	srd_ctl_server_close(sv->s);
	return false;
}

static void serve_stop(struct serving *sv)
{
	sv->stop = true;
	pthread_join(sv->thread, NULL);
	srd_ctl_server_close(sv->s);
}

/* srd_ctl_request() with the words of line; returns its result, the reply in *r. */
static int request(const char *path, const char *line, struct json_object **r)
{
	char buf[256], *argv[SRD_CTL_MAX_ARGS + 2], *err = NULL;
	int argc = 0, ret;

	snprintf(buf, sizeof(buf), "%s", line);
	for (argv[0] = strtok(buf, " "); argv[argc] && argc <= SRD_CTL_MAX_ARGS;)
		argv[++argc] = strtok(NULL, " ");
	ret = srd_ctl_request(path, argc, argv, r, 2000, &err);
	if (ret)
		CHECK(err != NULL && *err);
	free(err);
	return ret;
}

/* The string member key of o, or "". */
static const char *member(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return "";
	return json_object_get_string(v);
}

/* ---- raw clients ---- */

static void raw_connect(struct raw *r, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	memset(r, 0, sizeof(*r));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	r->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(connect(r->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	r->text = calloc(1, 1);
}

static void raw_send(struct raw *r, const char *data, size_t len)
{
	CHECK_EQ(send(r->fd, data, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Take what has arrived; notice when the server closed. */
static void raw_read(struct raw *r)
{
	char buf[65536];
	ssize_t n;

	while (!r->closed) {
		n = recv(r->fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			r->closed = true;
			return;
		}
		r->text = realloc(r->text, r->len + (size_t)n + 1);
		memcpy(r->text + r->len, buf, (size_t)n);
		r->len += (size_t)n;
		r->text[r->len] = '\0';
	}
}

static void raw_close(struct raw *r)
{
	close(r->fd);
	free(r->text);
}

/* Run the server at time t until every client in r[0..n) was closed. */
static void pump(struct srd_ctl_server *s, uint64_t t, struct raw *r, int n)
{
	int round, i, open = n;

	for (round = 0; round < 1000 && open; round++) {
		srd_ctl_server_run(s, t);
		for (i = 0, open = 0; i < n; i++) {
			raw_read(&r[i]);
			open += !r[i].closed;
		}
	}
	CHECK_EQ(open, 0);
}

/* ---- the request line ---- */

static int parse(const char *text, size_t len, char *argv[], const char **why)
{
	static char buf[2 * SRD_CTL_MAX_REQUEST];

	memcpy(buf, text, len);
	*why = NULL;
	return srd_ctl_request_parse(buf, len, argv, why);
}

static void request_parse__valid_lines(void)
{
	char *argv[SRD_CTL_MAX_ARGS + 1];
	const char *why;

	CHECK_EQ(parse("paths hostB\n", 12, argv, &why), 2);
	CHECK(!strcmp(argv[0], "paths") && !strcmp(argv[1], "hostB") && !argv[2]);
	CHECK_EQ(parse("show\r\n", 6, argv, &why), 1);
	CHECK(!strcmp(argv[0], "show") && !argv[1]);
	CHECK_EQ(parse("stats\nignored", 13, argv, &why), 1);
	CHECK(!strcmp(argv[0], "stats"));
	CHECK_EQ(parse("a b c d e f g h\n", 16, argv, &why), 8);
	CHECK(!strcmp(argv[7], "h") && !argv[8]);
	CHECK_EQ(parse("h\xc3\xb4te\n", 6, argv, &why), 1);   /* UTF-8 passes */
}

static void request_parse__incomplete_and_too_long(void)
{
	char *argv[SRD_CTL_MAX_ARGS + 1], line[SRD_CTL_MAX_REQUEST + 1];
	const char *why;

	CHECK_EQ(parse("show", 4, argv, &why), 0);
	CHECK_EQ(parse("", 0, argv, &why), 0);
	memset(line, 'a', sizeof(line));
	CHECK_EQ(parse(line, SRD_CTL_MAX_REQUEST - 1, argv, &why), 0);
	CHECK_EQ(parse(line, SRD_CTL_MAX_REQUEST, argv, &why), -EMSGSIZE);
	CHECK(why && strstr(why, "4096"));
	line[SRD_CTL_MAX_REQUEST - 1] = '\n';     /* exactly the limit */
	CHECK_EQ(parse(line, SRD_CTL_MAX_REQUEST, argv, &why), 1);
	CHECK_EQ(strlen(argv[0]), SRD_CTL_MAX_REQUEST - 1);
	line[SRD_CTL_MAX_REQUEST - 1] = 'a';
	line[SRD_CTL_MAX_REQUEST] = '\n';         /* one byte over */
	CHECK_EQ(parse(line, SRD_CTL_MAX_REQUEST + 1, argv, &why), -EMSGSIZE);
}

static void request_parse__malformed(void)
{
	static const char *const bad[] = {
		"\n", "\r\n", " show\n", "show \n", "paths  hostB\n", "sh\tow\n",
		"sh\row\n", "\x7f\n", "a b c d e f g h i\n",
	};
	char *argv[SRD_CTL_MAX_ARGS + 1], buf[16] = "sh\0ow\n";
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(parse(bad[i], strlen(bad[i]), argv, &why), -EINVAL);
		CHECK(why && *why);
	}
	CHECK_EQ(srd_ctl_request_parse(buf, 6, argv, &why), -EINVAL);
	CHECK_MEM(buf, "sh\0ow\n", 6);   /* unchanged */
}

static void request_format__words_and_limits(void)
{
	char *ok[] = { "paths", "hostB" }, *space[] = { "paths", "host B" };
	char *empty[] = { "show", "" }, *nine[] = { "1", "2", "3", "4", "5", "6", "7", "8", "9" };
	char buf[SRD_CTL_MAX_REQUEST + 1], *argv[SRD_CTL_MAX_ARGS + 1], *longw[1];
	const char *why;

	CHECK_EQ(srd_ctl_request_format(2, ok, buf, sizeof(buf)), 12);
	CHECK(!strcmp(buf, "paths hostB\n"));
	CHECK_EQ(srd_ctl_request_parse(buf, 12, argv, &why), 2);
	CHECK_EQ(srd_ctl_request_format(2, ok, buf, 12), -EMSGSIZE);   /* no room for NUL */
	CHECK_EQ(srd_ctl_request_format(2, space, buf, sizeof(buf)), -EINVAL);
	CHECK_EQ(srd_ctl_request_format(2, empty, buf, sizeof(buf)), -EINVAL);
	CHECK_EQ(srd_ctl_request_format(9, nine, buf, sizeof(buf)), -EINVAL);
	CHECK_EQ(srd_ctl_request_format(0, nine, buf, sizeof(buf)), -EINVAL);
	CHECK_EQ(srd_ctl_request_format(8, nine, buf, sizeof(buf)), 16);
	longw[0] = malloc(SRD_CTL_MAX_REQUEST + 1);
	memset(longw[0], 'a', SRD_CTL_MAX_REQUEST);
	longw[0][SRD_CTL_MAX_REQUEST] = '\0';
	CHECK_EQ(srd_ctl_request_format(1, longw, buf, sizeof(buf)), -EMSGSIZE);
	longw[0][SRD_CTL_MAX_REQUEST - 1] = '\0';
	CHECK_EQ(srd_ctl_request_format(1, longw, buf, sizeof(buf)), (int)SRD_CTL_MAX_REQUEST);
	free(longw[0]);
}

/* ---- server and client ---- */

static void server__round_trip(void)
{
	const char *path = sock_path("rt");
	struct json_object *r = NULL, *argv;
	struct serving sv;
	struct stat st;

	if (!serve_start(&sv, path))
		return;
	CHECK_EQ(stat(path, &st), 0);
	CHECK_EQ(st.st_mode & 0777, 0600);
	CHECK(S_ISSOCK(st.st_mode));
	CHECK_EQ(request(path, "paths hostB", &r), 0);
	CHECK(json_object_object_get_ex(r, "argv", &argv));
	CHECK_EQ(json_object_array_length(argv), 2);
	CHECK(!strcmp(json_object_get_string(json_object_array_get_idx(argv, 1)), "hostB"));
	json_object_put(r);
	CHECK_EQ(request(path, "fail hostZ", &r), 0);
	CHECK(!strcmp(member(r, "error"), "no peer 'hostZ'"));
	json_object_put(r);
	CHECK_EQ(request(path, "oom", &r), 0);
	CHECK(!strcmp(member(r, "error"), "out of memory"));
	json_object_put(r);
	CHECK_EQ(request(path, "array", &r), -EPROTO);   /* not an object */
	CHECK(r == NULL);
	serve_stop(&sv);
}

static void server__large_reply(void)
{
	const char *path = sock_path("big");
	struct json_object *r = NULL;
	struct serving sv;

	if (!serve_start(&sv, path))
		return;
	CHECK_EQ(request(path, "big", &r), 0);
	CHECK_EQ(strlen(member(r, "blob")), BIG_REPLY);
	json_object_put(r);
	serve_stop(&sv);
}

/* 16 clients are served; those beyond are accepted, told so, and closed. */
static void server__client_limit(void)
{
	struct srd_ctl_server *s = open_server(sock_path("limit"));
	int i, served = 0, refused = 0;
	struct raw r[NRAW + 1];

	if (!s)
		return;
	for (i = 0; i < NRAW; i++) {
		raw_connect(&r[i], sock_path("limit"));
		raw_send(&r[i], "show\n", 5);
	}
	pump(s, T0, r, NRAW);
	for (i = 0; i < NRAW; i++) {
		served += strstr(r[i].text, "{\"argv\":[\"show\"]}\n") == r[i].text;
		refused += strstr(r[i].text, "too many srdctl clients") != NULL;
	}
	CHECK_EQ(served, SRD_CTL_MAX_CLIENTS);
	CHECK_EQ(refused, NRAW - SRD_CTL_MAX_CLIENTS);
	CHECK_EQ(srd_ctl_server_clients(s), 0);
	raw_connect(&r[NRAW], sock_path("limit"));   /* the slots are free again */
	raw_send(&r[NRAW], "stats\n", 6);
	pump(s, T0, &r[NRAW], 1);
	CHECK(!strcmp(r[NRAW].text, "{\"argv\":[\"stats\"]}\n"));
	for (i = 0; i <= NRAW; i++)
		raw_close(&r[i]);
	srd_ctl_server_close(s);
}

/* The same through srd_ctl_request() from 20 threads: each gets a reply or a refusal. */
static void *one_request(void *arg)
{
	struct json_object *r = NULL;
	int *result = arg;

	*result = request(threads_path, "peers", &r);
	if (!*result && !strstr(member(r, "error"), "too many") &&
	    !json_object_object_get_ex(r, "argv", NULL))
		*result = -EPROTO;
	json_object_put(r);
	return NULL;
}

static void server__concurrent_requests(void)
{
	pthread_t th[NRAW];
	int result[NRAW], i;
	struct serving sv;

	snprintf(threads_path, sizeof(threads_path), "%s", sock_path("threads"));
	if (!serve_start(&sv, threads_path))
		return;
	for (i = 0; i < NRAW; i++)
		pthread_create(&th[i], NULL, one_request, &result[i]);
	for (i = 0; i < NRAW; i++) {
		pthread_join(th[i], NULL);
		CHECK_EQ(result[i], 0);
	}
	serve_stop(&sv);
}

static void server__silent_client_dropped(void)
{
	struct srd_ctl_server *s = open_server(sock_path("silent"));
	struct raw r;

	if (!s)
		return;
	CHECK_EQ(srd_ctl_server_next_expiry(s), UINT64_MAX);
	raw_connect(&r, sock_path("silent"));
	srd_ctl_server_run(s, T0);
	CHECK_EQ(srd_ctl_server_clients(s), 1);
	CHECK_EQ(srd_ctl_server_next_expiry(s), T0 + 2 * SEC);
	srd_ctl_server_run(s, T0 + 2 * SEC - 1);
	CHECK_EQ(srd_ctl_server_clients(s), 1);
	srd_ctl_server_run(s, T0 + 2 * SEC);
	CHECK_EQ(srd_ctl_server_clients(s), 0);
	CHECK_EQ(srd_ctl_server_next_expiry(s), UINT64_MAX);
	raw_read(&r);
	CHECK(r.closed);
	CHECK(strstr(r.text, "no request line within 2 s") != NULL);
	raw_close(&r);
	srd_ctl_server_close(s);
}

/* A client that does not read its 2 MB reply has 2 s from when it is ready. */
static void server__slow_reader_dropped(void)
{
	struct srd_ctl_server *s = open_server(sock_path("slow"));
	struct raw r;

	if (!s)
		return;
	raw_connect(&r, sock_path("slow"));
	raw_send(&r, "big\n", 4);
	srd_ctl_server_run(s, T0);        /* accept */
	srd_ctl_server_run(s, T0 + SEC);  /* read, answer, fill the socket */
	CHECK_EQ(srd_ctl_server_clients(s), 1);
	CHECK_EQ(srd_ctl_server_next_expiry(s), T0 + 3 * SEC);
	srd_ctl_server_run(s, T0 + 3 * SEC - 1);
	CHECK_EQ(srd_ctl_server_clients(s), 1);
	srd_ctl_server_run(s, T0 + 3 * SEC);
	CHECK_EQ(srd_ctl_server_clients(s), 0);
	raw_close(&r);
	srd_ctl_server_close(s);
}

static void server__bad_requests(void)
{
	struct srd_ctl_server *s = open_server(sock_path("bad"));
	char *line = malloc(5000);
	struct raw r[3];
	int before = handled;

	if (!s)
		goto out;
	memset(line, 'a', 5000);
	raw_connect(&r[0], sock_path("bad"));
	raw_send(&r[0], line, 5000);          /* 5000 bytes, no newline */
	raw_connect(&r[1], sock_path("bad"));
	raw_send(&r[1], "paths  hostB\n", 13);
	raw_connect(&r[2], sock_path("bad"));
	raw_send(&r[2], "show", 4);
	shutdown(r[2].fd, SHUT_WR);           /* end of file before the newline */
	pump(s, T0, r, 3);
	CHECK(!strcmp(r[0].text, "{\"error\":\"request longer than 4096 bytes\"}\n"));
	CHECK(strstr(r[1].text, "{\"error\":\"empty word") == r[1].text);
	CHECK(strstr(r[2].text, "not ended by a newline") != NULL);
	CHECK_EQ(handled, before);            /* the handler saw none of them */
	raw_close(&r[0]);
	raw_close(&r[1]);
	raw_close(&r[2]);
	srd_ctl_server_close(s);
out:
	free(line);
}

static void server__stale_socket_replaced(void)
{
	const char *path = sock_path("stale");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct json_object *r = NULL;
	struct serving sv;
	int fd;

	mkdir(run_dir, 0755);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_EQ(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);                     /* a socket file nothing listens on */
	if (!serve_start(&sv, path))
		return;
	CHECK_EQ(request(path, "show", &r), 0);
	json_object_put(r);
	serve_stop(&sv);
}

static void server__live_socket_refused(void)
{
	const char *path = sock_path("live");
	struct srd_ctl_server *a = open_server(path), *b = a;
	struct raw c;
	char *err = NULL;

	if (!a)
		return;
	CHECK_EQ(srd_ctl_server_open(path, handler, NULL, &b, &err), -EADDRINUSE);
	CHECK(b == NULL);
	CHECK(err && strstr(err, path) && strstr(err, "another srd-vswitchd"));
	free(err);
	raw_connect(&c, path);         /* the first server still answers */
	raw_send(&c, "show\n", 5);
	pump(a, T0, &c, 1);
	CHECK(!strcmp(c.text, "{\"argv\":[\"show\"]}\n"));
	raw_close(&c);
	srd_ctl_server_close(a);
	CHECK_EQ(access(path, F_OK), -1);
}

static void server__not_a_socket(void)
{
	const char *path = sock_path("file");
	struct srd_ctl_server *s = NULL;
	char *err = NULL;
	int fd;

	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	CHECK_EQ(srd_ctl_server_open(path, handler, NULL, &s, &err), -EEXIST);
	CHECK(err && strstr(err, "not a socket"));
	CHECK_EQ(access(path, F_OK), 0);   /* left alone */
	free(err);
	unlink(path);
}

static void server__path_too_long(void)
{
	struct srd_ctl_server *s = NULL;
	char path[200], *err = NULL;

	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	CHECK_EQ(srd_ctl_server_open(path, handler, NULL, &s, &err), -ENAMETOOLONG);
	CHECK(err != NULL);
	free(err);
}

/* close unlinks the path, but not a newer server's socket at the same path. */
static void server__close_unlinks(void)
{
	const char *path = sock_path("close");
	struct srd_ctl_server *a, *b;

	a = open_server(path);
	srd_ctl_server_close(a);
	CHECK_EQ(access(path, F_OK), -1);
	a = open_server(path);
	unlink(path);
	b = open_server(path);
	srd_ctl_server_close(a);
	CHECK_EQ(access(path, F_OK), 0);
	srd_ctl_server_close(b);
	CHECK_EQ(access(path, F_OK), -1);
	srd_ctl_server_close(NULL);
}

static void client__errors(void)
{
	const char *path = sock_path("nobody");
	struct srd_ctl_server *s;
	struct json_object *r = NULL;
	char *argv[] = { "show", "a b" }, *err = NULL, want[256];

	CHECK_EQ(srd_ctl_request(path, 1, argv, &r, 1000, &err), -ENOENT);
	snprintf(want, sizeof(want),
		 "cannot connect to %s: No such file or directory (is srd-vswitchd running?)",
		 path);
	CHECK(err && !strcmp(err, want));
	free(err);
	CHECK_EQ(srd_ctl_request(path, 2, argv, &r, 1000, &err), -EINVAL);
	free(err);
	s = open_server(path);          /* listening, but never run: no reply */
	CHECK_EQ(srd_ctl_request(path, 1, argv, &r, 100, &err), -ETIMEDOUT);
	CHECK(err && strstr(err, "no complete reply"));
	free(err);
	CHECK(r == NULL);
	srd_ctl_server_close(s);
}

/* A stand-in server: answers one connection with text, without reading the request. */
struct canned {
	int lfd;            /* listening socket */
	const char *text;   /* the whole reply */
	pthread_t thread;   /* runs canned_serve() */
};

static void *canned_serve(void *arg)
{
	struct canned *c = arg;
	int fd = accept(c->lfd, NULL, NULL);

	if (fd >= 0) {
		send(fd, c->text, strlen(c->text), MSG_NOSIGNAL);
		close(fd);   /* the unread request makes the client's recv fail ECONNRESET */
	}
	return NULL;
}

/* srd_ctl_request() against a server replying text; its result, the message in *msg. */
static int canned_request(const char *text, char *msg, size_t size)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct canned c = { .text = text };
	struct json_object *r = NULL;
	char *argv[] = { "show" }, *err = NULL;
	int ret;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path("canned"));
	unlink(sa.sun_path);
	c.lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_EQ(bind(c.lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_EQ(listen(c.lfd, 1), 0);
	pthread_create(&c.thread, NULL, canned_serve, &c);
	ret = srd_ctl_request(sa.sun_path, 1, argv, &r, 2000, &err);
	pthread_join(c.thread, NULL);
	close(c.lfd);
	unlink(sa.sun_path);
	snprintf(msg, size, "%s", err ? err : "");
	free(err);
	CHECK(!ret == (r != NULL));
	json_object_put(r);
	return ret;
}

static void client__reply_checks(void)
{
	char msg[256];

	CHECK_EQ(canned_request(" {\"a\": [1]}\r\n", msg, sizeof(msg)), 0);
	CHECK_EQ(canned_request("{\"a\":", msg, sizeof(msg)), -EPROTO);
	CHECK(strstr(msg, "not one JSON object (truncated)") != NULL);
	CHECK_EQ(canned_request("{} {}", msg, sizeof(msg)), -EPROTO);
	CHECK(strstr(msg, "(data after it)") != NULL);
	CHECK_EQ(canned_request("[1]\n", msg, sizeof(msg)), -EPROTO);
	CHECK(strstr(msg, "(not an object)") != NULL);
	CHECK_EQ(canned_request("}\n", msg, sizeof(msg)), -EPROTO);
	CHECK_EQ(canned_request("", msg, sizeof(msg)), -EPROTO);
	CHECK(strstr(msg, "without a reply") != NULL);
}

/* ---- rendering ---- */

static char *render(const char *json)
{
	struct json_object *v = json_tokener_parse(json);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	CHECK(v != NULL);
	CHECK_EQ(srd_ctl_render(f, v), 0);
	fclose(f);
	json_object_put(v);
	return text;
}

static void expect_render(const char *json, const char *want)
{
	char *got = render(json);

	if (strcmp(got, want))
		fprintf(stderr, "  rendered:\n%s  expected:\n%s", got, want);
	CHECK(!strcmp(got, want));
	free(got);
}

static void render__nested_table_list(void)
{
	expect_render(
		"{\"version\": \"0.1.0\", \"uptime_s\": 12, \"busy_poll\": false,"
		" \"vnis\": [100, 200], \"note\": null,"
		" \"host\": {\"underlay\": \"198.18.0.1\", \"port\": 4791, \"empty\": {}},"
		" \"peers\": [{\"name\": \"hostB\", \"paths\": 8, \"rtt_us\": 120.5,"
		"  \"vnis\": [100, 200]},"
		"  {\"name\": \"hostC-long\", \"paths\": 16, \"state\": \"up\"}],"
		" \"mixed\": [1, {\"a\": true}], \"tags\": []}",
		"version:   0.1.0\n"
		"uptime_s:  12\n"
		"busy_poll: no\n"
		"vnis:      100, 200\n"
		"note:      -\n"
		"host:\n"
		"  underlay: 198.18.0.1\n"
		"  port:     4791\n"
		"  empty:    (none)\n"
		"peers:\n"
		"  name        paths  rtt_us  vnis      state\n"
		"  hostB           8   120.5  100, 200  -\n"
		"  hostC-long     16       -  -         up\n"
		"mixed:\n"
		"  [0]: 1\n"
		"  [1]:\n"
		"    a: yes\n"
		"tags:      (none)\n");
}

static void render__strings_and_top_level(void)
{
	expect_render("{\"n\\u00e4me\": \"a\\u001b[31mb\", \"e\": \"\", \"x\": 1}",
		      "n\xc3\xa4me: a?[31mb\n"
		      "e:    \"\"\n"
		      "x:    1\n");
	expect_render("{\"pct\": 33.333333333333336, \"rtt\": 41.299999999999997,"
		      " \"big\": 123456789.5, \"tiny\": 0.000012345, \"neg\": -2.50}",
		      "pct:  33.3333\n"
		      "rtt:  41.3\n"
		      "big:  123456790\n"
		      "tiny: 1.2345e-05\n"
		      "neg:  -2.5\n");
	expect_render("{}", "");
	expect_render("[1, \"two\", 3.5]", "1, two, 3.5\n");
	expect_render("[{\"a\": 1}, {\"b\": \"x\"}]", "a  b\n1  -\n-  x\n");
}

int main(void)
{
	if (!mkdtemp(dir))
		SKIP("cannot create a directory in /tmp");
	snprintf(run_dir, sizeof(run_dir), "%s/run", dir);
	RUN(request_parse__valid_lines);
	RUN(request_parse__incomplete_and_too_long);
	RUN(request_parse__malformed);
	RUN(request_format__words_and_limits);
	RUN(server__round_trip);
	RUN(server__large_reply);
	RUN(server__client_limit);
	RUN(server__concurrent_requests);
	RUN(server__silent_client_dropped);
	RUN(server__slow_reader_dropped);
	RUN(server__bad_requests);
	RUN(server__stale_socket_replaced);
	RUN(server__live_socket_refused);
	RUN(server__not_a_socket);
	RUN(server__path_too_long);
	RUN(server__close_unlinks);
	RUN(client__errors);
	RUN(client__reply_checks);
	RUN(render__nested_table_list);
	RUN(render__strings_and_top_level);
	rmdir(run_dir);
	rmdir(dir);
	return check_exit();
}
