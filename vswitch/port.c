/* SPDX-License-Identifier: Apache-2.0 */
/*
 * port.c: the backend registry and the open-time error helper of port.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vswitch/port.h"

static const struct srd_port_ops *const port_types[] = {
	&srd_port_tap_ops,
	&srd_port_udp_ops,
};

int srd_port_err(char **errp, int err, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	int len;

	if (!errp)
		return err;
	va_start(ap, fmt);
	len = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (len < 0)
		msg[0] = '\0';
	if (asprintf(errp, "%s: %s", msg, strerror(-err)) < 0)
		*errp = NULL;
	return err;
}

int srd_port_open(const char *type, const struct srd_port_cfg *cfg,
		  struct srd_port **portp, char **errp)
{
	size_t i;

	*portp = NULL;
	for (i = 0; i < sizeof(port_types) / sizeof(port_types[0]); i++)
		if (!strcmp(port_types[i]->type, type))
			return port_types[i]->open(cfg, portp, errp);
	return srd_port_err(errp, -ENOENT, "unknown port type \"%s\"", type);
}
