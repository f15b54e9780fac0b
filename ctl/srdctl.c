/* SPDX-License-Identifier: Apache-2.0 */
/*
 * srdctl.c: the srdvs control CLI; parses the options before the command and
 * dispatches to one file per command group: srdctl_ctl.c for the commands that ask
 * srd-vswitchd, srdctl_ovs.c for the OVSDB migration, srdctl_psp.c for the offline
 * capture tools.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/config.h"
#include "ctl/srdctl.h"

/* A command: its name, arguments, entry point and one line of help. */
struct command {
	const char *name;   /* first word after the options */
	const char *args;   /* its arguments, for the usage text */
	int nargs;          /* how many it takes; -1: run checks them */
	int (*run)(const struct srdctl_opts *o, int argc, char **argv); /* gets the name too */
	const char *help;   /* one-line summary */
};

static int run_psp(const struct srdctl_opts *o, int argc, char **argv)
{
	(void)o;
	return srdctl_psp(argc - 1, argv + 1);
}

static int run_ovs_migrate(const struct srdctl_opts *o, int argc, char **argv)
{
	(void)o;
	return srdctl_ovs_migrate(argc, argv);
}

static const struct command commands[] = {
	{ "show", "", 0, srdctl_ctl, "srd-vswitchd's configuration and state" },
	{ "peers", "", 0, srdctl_ctl, "the remote hosts and their connections" },
	{ "paths", "PEER", 1, srdctl_ctl, "the underlay paths to one peer" },
	{ "stats", "", 0, srdctl_ctl, "datapath counters" },
	{ "reload", "", 0, srdctl_ctl, "read the configuration file again" },
	{ "ovs-migrate", "[--revert] IFACE", -1, run_ovs_migrate,
	  "VXLAN/GENEVE <-> SRD for an OVS Interface (srdctl ovs-migrate --help)" },
	{ "psp", "...", -1, run_psp,
	  "encrypt or decrypt PSP captures, offline (srdctl psp --help)" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	char name[32];
	size_t i;

	fprintf(f, "usage: srdctl [--ctl SOCKET] [--json] COMMAND [ARGS...]\n\ncommands:\n");
	for (i = 0; i < NCOMMANDS; i++) {
		snprintf(name, sizeof(name), "%s %s", commands[i].name, commands[i].args);
		fprintf(f, "  %-12s %s\n", name, commands[i].help);
	}
	fprintf(f, "\noptions:\n"
		"  --ctl SOCKET  srd-vswitchd's control socket (default: $SRDCTL_SOCKET if set,\n"
		"                else %s)\n"
		"  --json        print the daemon's reply as JSON instead of text\n"
		"  --help        this text\n"
		"  --version     srdctl's version\n"
		"\nExit status: 0 done, 1 failed (the reason is on stderr), 2 usage error.\n",
		SRD_CONFIG_DEFAULT_SOCKET);
}

static int bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int bad_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("srdctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n\n", stderr);
	usage(stderr);
	return SRDCTL_USAGE;
}

/* The option at argv[*i] (and its value): -1 to go on, or srdctl's exit status. */
static int parse_opt(int argc, char **argv, int *i, struct srdctl_opts *o)
{
	const char *a = argv[*i];

	if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
		usage(stdout);
		return SRDCTL_OK;
	}
	if (!strcmp(a, "--version")) {
		printf("srdctl %s\n", SRD_VERSION);
		return SRDCTL_OK;
	}
	if (!strcmp(a, "--json"))
		o->json = true;
	else if (!strcmp(a, "--ctl") && *i + 1 < argc && argv[*i + 1][0])
		o->socket = argv[++*i];
	else if (!strncmp(a, "--ctl=", 6) && a[6])
		o->socket = a + 6;
	else
		return bad_usage("bad option '%s'", a);
	return -1;
}

/*
 * Parse the options before the command into o. Returns the index of the command,
 * or 0 when srdctl is done and exits with *status.
 */
static int parse_opts(int argc, char **argv, struct srdctl_opts *o, int *status)
{
	const char *env = getenv("SRDCTL_SOCKET");
	int i;

	o->socket = env && *env ? env : SRD_CONFIG_DEFAULT_SOCKET;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		*status = parse_opt(argc, argv, &i, o);
		if (*status >= 0)
			return 0;
	}
	if (i == argc) {
		*status = bad_usage("no command");
		return 0;
	}
	return i;
}

int main(int argc, char **argv)
{
	struct srdctl_opts o = { 0 };
	const struct command *c = NULL;
	int i, status, nargs;
	size_t k;

	i = parse_opts(argc, argv, &o, &status);
	if (!i)
		return status;
	for (k = 0; k < NCOMMANDS && !c; k++)
		if (!strcmp(argv[i], commands[k].name))
			c = &commands[k];
	if (!c)
		return bad_usage("unknown command '%s'", argv[i]);
	nargs = argc - i - 1;
	if (c->nargs >= 0 && nargs != c->nargs)
		return bad_usage("%s takes %s%s", c->name, c->nargs ? "" : "no arguments",
				 c->args);
	return c->run(&o, argc - i, argv + i);
}
