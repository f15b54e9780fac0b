/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctl_client.h: srdctl's end of the control channel (docs/control.md): connect to
 * srd-vswitchd's unix socket, send one request line, read one JSON object back.
 */
#ifndef SRD_CTL_CTL_CLIENT_H
#define SRD_CTL_CTL_CLIENT_H

#include "ctl/ctl_proto.h"

struct json_object;

/*
 * Send the request argv[0..argc) (ctl/ctl_proto.h) to the server listening on path
 * and read its reply, all within timeout_ms (CLOCK_MONOTONIC). On success *reply
 * holds the reply, a JSON object the caller releases with json_object_put(); it may
 * be {"error": "reason"}, which is the server's answer, not a failure here.
 * Errors: a negative errno, and when errp is not NULL a malloc'd message in *errp
 * (NULL if that allocation failed) for the caller to free:
 *   -EINVAL     argv is not a valid request
 *   -EMSGSIZE   the request line is too long, or the reply exceeds SRD_CTL_MAX_REPLY
 *   -ETIMEDOUT  no complete reply within timeout_ms
 *   -EPROTO     the server closed without a reply, or the reply is not one JSON object
 *   -ENOMEM     no memory
 *   other       from socket(2), connect(2) (the message then reads "cannot connect
 *               to PATH: REASON (is srd-vswitchd running?)"), send(2), recv(2)
 */
int srd_ctl_request(const char *path, int argc, char *const argv[],
		    struct json_object **reply, int timeout_ms, char **errp);

#endif
