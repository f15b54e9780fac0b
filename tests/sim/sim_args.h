/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_args.h: srd-sim's argument parsing helpers: numbers, integers, lists and
 * VALUE@PATH specs, each checked against its range. On a bad value they print
 * "srd-sim: OPTION: 'ARG' WHY" and a hint on stderr and exit with status 2 (usage).
 */
#ifndef SRD_SIM_ARGS_H
#define SRD_SIM_ARGS_H

#include <stddef.h>
#include <stdint.h>

/* Print the usage error and exit 2; arg may be "". */
void sim_die_usage(const char *opt, const char *arg, const char *why)
	__attribute__((noreturn));
/* A number in [lo, hi] at the start of s; *end points after it. */
double sim_arg_num(const char *opt, const char *s, double lo, double hi, char **end);
/* The whole of s is a number in [lo, hi]. */
double sim_arg_whole(const char *opt, const char *s, double lo, double hi);
/* The whole of s is an integer in [lo, hi], in base. */
uint64_t sim_arg_int_base(const char *opt, const char *s, uint64_t lo, uint64_t hi,
			  int base);
uint64_t sim_arg_int(const char *opt, const char *s, uint64_t lo, uint64_t hi);
/* "V1,V2,..." into v[] (room for SRD_SIM_MAX_PATHS), each in [lo, hi]: the count. */
unsigned sim_arg_list(const char *opt, const char *s, double *v, double lo, double hi);
/* "VALUE[@PATH]": the part before @ into buf, the path into *path (-1: none). */
void sim_arg_at_path(const char *opt, const char *s, char *buf, size_t cap, int *path);

#endif
