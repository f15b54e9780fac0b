/* SPDX-License-Identifier: Apache-2.0 */
/*
 * srdctl.h: srdctl's subcommands. Each takes the arguments after its name and
 * returns the process exit status: 0 success, 1 some input failed (reported on
 * stderr), 2 usage or setup error.
 */
#ifndef SRD_CTL_SRDCTL_H
#define SRD_CTL_SRDCTL_H

#define SRDCTL_OK 0
#define SRDCTL_FAILED 1
#define SRDCTL_USAGE 2

int srdctl_psp(int argc, char **argv);

#endif
