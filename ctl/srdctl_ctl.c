/* SPDX-License-Identifier: Apache-2.0 */
/*
 * srdctl_ctl.c: `srdctl show|peers|paths PEER|stats|reload` — one request to
 * srd-vswitchd over its control socket (docs/control.md), the reply printed as text
 * (ctl/ctl_render.h) or, with --json, as indented JSON. A reply {"error": "..."} is
 * printed on stderr and exits 1, like a failure to reach the daemon.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ctl/ctl_client.h"
#include "ctl/ctl_render.h"
#include "ctl/srdctl.h"

#define JSON_PRETTY \
	(JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)

/* The reply's error message, or NULL if it is an answer. */
static const char *reply_error(struct json_object *reply)
{
	struct json_object *e;

	if (!json_object_object_get_ex(reply, "error", &e))
		return NULL;
	return json_object_is_type(e, json_type_string) ? json_object_get_string(e)
							 : json_object_to_json_string(e);
}

static int print_reply(const struct srdctl_opts *o, struct json_object *reply)
{
	int ret = 0;

	if (o->json)
		puts(json_object_to_json_string_ext(reply, JSON_PRETTY));
	else
		ret = srd_ctl_render(stdout, reply);
	if (fflush(stdout) || ret) {
		fprintf(stderr, "srdctl: writing the reply: %s\n",
			strerror(ret == -ENOMEM ? ENOMEM : EIO));
		return SRDCTL_FAILED;
	}
	return SRDCTL_OK;
}

int srdctl_ctl(const struct srdctl_opts *o, int argc, char **argv)
{
	char req[SRD_CTL_MAX_REQUEST + 1];
	struct json_object *reply;
	const char *err;
	char *msg;
	int ret;

	if (srd_ctl_request_format(argc, argv, req, sizeof(req)) < 0) {
		fprintf(stderr, "srdctl: %s: arguments must be non-empty words without spaces %s\n",
			argv[0], "or control characters, 4096 bytes in all");
		return SRDCTL_USAGE;
	}
	ret = srd_ctl_request(o->socket, argc, argv, &reply, SRDCTL_TIMEOUT_MS, &msg);
	if (ret) {
		fprintf(stderr, "srdctl: %s\n", msg ? msg : strerror(-ret));
		free(msg);
		return SRDCTL_FAILED;
	}
	err = reply_error(reply);
	if (err)
		fprintf(stderr, "srdctl: %s\n", err);
	ret = err ? SRDCTL_FAILED : print_reply(o, reply);
	json_object_put(reply);
	return ret;
}
