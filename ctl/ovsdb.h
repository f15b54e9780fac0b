/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ovsdb.h: a JSON-RPC 1.0 connection to ovsdb-server (RFC 7047 §4), nonblocking.
 *
 * The client end only, as both srd-vswitchd (which keeps one open in its event loop
 * and monitors Open_vSwitch and Interface) and srdctl ovs-migrate (one transaction,
 * then exit) need it. Messages are JSON values sent back to back with nothing between
 * them; json-c's incremental tokener splits the stream. An "echo" request from the
 * server is answered here and never reaches the caller.
 *
 * Remotes: "unix:PATH" or "tcp:IPV4:PORT" / "tcp:[IPV6]:PORT", as ovs-vsctl --db.
 *
 * Errors: 0 or a negative errno, and for the calls that take err a message there:
 *   -EINVAL     a remote that is neither form
 *   -EMSGSIZE   one message larger than SRD_OVSDB_MAX_MSG
 *   -ENOBUFS    (srd_ovsdb_request) more than that queued: the server does not read
 *   -EPROTO     the peer sent something that is not a JSON-RPC message
 *   -EPIPE      the server closed the connection
 *   -ETIMEDOUT  (srd_ovsdb_call) no reply in time
 *   -EREMOTEIO  (srd_ovsdb_call) the server answered with an error (in err)
 *   other       from socket(2), connect(2), send(2), recv(2)
 */
#ifndef SRD_CTL_OVSDB_H
#define SRD_CTL_OVSDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;
struct srd_ovsdb;

#define SRD_OVSDB_MAX_MSG (64u << 20)           /* largest message accepted */
#define SRD_OVSDB_DEFAULT_REMOTE "unix:/var/run/openvswitch/db.sock"
#define SRD_OVSDB_DB "Open_vSwitch"             /* the database srdvs reads */

/* Where ovs-vsctl looks: unix:$OVS_RUNDIR/db.sock, or SRD_OVSDB_DEFAULT_REMOTE. */
const char *srd_ovsdb_default_remote(void);

/* Start connecting to remote. The connection may still be in progress: wait for
 * srd_ovsdb_fd() to be writable, or just queue requests and flush. */
int srd_ovsdb_open(const char *remote, struct srd_ovsdb **out, char *err,
		   size_t err_len);
void srd_ovsdb_close(struct srd_ovsdb *c);
int srd_ovsdb_fd(const struct srd_ovsdb *c);
/* Output is waiting for the socket to take it. */
bool srd_ovsdb_want_write(const struct srd_ovsdb *c);

/* Queue a request {"method", "params", "id"}; params is consumed (NULL for []).
 * *id (may be NULL) gets its id. 0, -ENOMEM or -ENOBUFS. */
int srd_ovsdb_request(struct srd_ovsdb *c, const char *method,
		      struct json_object *params, int64_t *id);
/* Write what the socket takes. 0 (some may remain) or -errno. */
int srd_ovsdb_flush(struct srd_ovsdb *c);
/* The next message from the server: 1 with *msg (the caller puts it), 0 when none
 * is complete yet (the socket would block), or -errno (-EPIPE: closed). */
int srd_ovsdb_recv(struct srd_ovsdb *c, struct json_object **msg);

/* Feed raw bytes as if received, and take the next message (what srd_ovsdb_recv does
 * after its recv(2)); for tests and the fuzzer. Same returns. */
int srd_ovsdb_feed(struct srd_ovsdb *c, const void *data, size_t len);
int srd_ovsdb_next(struct srd_ovsdb *c, struct json_object **msg);
/* A connection with no socket, for srd_ovsdb_feed. */
struct srd_ovsdb *srd_ovsdb_new_unconnected(void);

/* Blocking: send one request and wait up to timeout_ms for its reply. On success
 * *result holds the "result" member (the caller puts it). Notifications and other
 * replies that arrive meanwhile are dropped. */
int srd_ovsdb_call(struct srd_ovsdb *c, const char *method,
		   struct json_object *params, int timeout_ms,
		   struct json_object **result, char *err, size_t err_len);

#endif
