/* SPDX-License-Identifier: Apache-2.0 */
/*
 * srdctl.c: the srdvs control CLI; dispatches to one file per command group.
 */
#include <stdio.h>
#include <string.h>

#include "ctl/srdctl.h"

/* A command group: its name, entry point and one line of help. */
struct command {
	const char *name;                  /* first argument */
	int (*run)(int argc, char **argv); /* gets the arguments after the name */
	const char *help;                  /* one-line summary */
};

static const struct command commands[] = {
	{ "psp", srdctl_psp, "encrypt or decrypt PSP captures (srdctl psp --help)" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: srdctl COMMAND [ARGS...]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return SRDCTL_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return SRDCTL_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("srdctl %s\n", SRD_VERSION);
		return SRDCTL_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 2, argv + 2);
	fprintf(stderr, "srdctl: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return SRDCTL_USAGE;
}
