/* SPDX-License-Identifier: Apache-2.0 */
/*
 * srdctl.h: srdctl's subcommands. Each returns the process exit status: 0 success,
 * 1 some input failed or the daemon reported an error (on stderr), 2 usage or setup
 * error.
 */
#ifndef SRD_CTL_SRDCTL_H
#define SRD_CTL_SRDCTL_H

#include <stdbool.h>

#define SRDCTL_OK 0
#define SRDCTL_FAILED 1
#define SRDCTL_USAGE 2

#define SRDCTL_TIMEOUT_MS 5000   /* one whole exchange with srd-vswitchd */

/* The options before the command. */
struct srdctl_opts {
	const char *socket;   /* srd-vswitchd's control socket */
	bool json;            /* print the reply as JSON */
};

/* Takes the arguments after "psp". */
int srdctl_psp(int argc, char **argv);
/* Takes "keys" and its arguments (ctl/srdctl_keys.c). */
int srdctl_psp_keys(int argc, char **argv);
/* Takes "ovs-migrate" and its arguments (ctl/srdctl_ovs.c). */
int srdctl_ovs_migrate(int argc, char **argv);
/* Sends argv[0..argc), a daemon command and its arguments, and prints the reply. */
int srdctl_ctl(const struct srdctl_opts *o, int argc, char **argv);

#endif
