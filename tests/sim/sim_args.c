/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_args.c: srd-sim's argument parsing helpers. See sim_args.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/sim/sim_args.h"
#include "tests/sim/sim_net.h"

void sim_die_usage(const char *opt, const char *arg, const char *why)
{
	if (*arg)
		fprintf(stderr, "srd-sim: %s: '%s' %s\n", opt, arg, why);
	else
		fprintf(stderr, "srd-sim: %s: %s\n", opt, why);
	fprintf(stderr, "Try 'srd-sim --help'.\n");
	exit(2);
}

double sim_arg_num(const char *opt, const char *s, double lo, double hi, char **end)
{
	double v;

	errno = 0;
	v = strtod(s, end);
	if (*end == s || errno || !isfinite(v) || v < lo || v > hi) {
		char why[96];

		snprintf(why, sizeof(why), "is not a number in [%g, %g]", lo, hi);
		sim_die_usage(opt, s, why);
	}
	return v;
}

double sim_arg_whole(const char *opt, const char *s, double lo, double hi)
{
	char *end;
	double v = sim_arg_num(opt, s, lo, hi, &end);

	if (*end)
		sim_die_usage(opt, s, "has trailing characters");
	return v;
}

uint64_t sim_arg_int_base(const char *opt, const char *s, uint64_t lo, uint64_t hi,
			  int base)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, base);
	if (end == s || *end || errno || *s == '-' || v < lo || v > hi) {
		char why[96];

		snprintf(why, sizeof(why), "is not an integer in [%" PRIu64 ", %" PRIu64 "]",
			 lo, hi);
		sim_die_usage(opt, s, why);
	}
	return v;
}

uint64_t sim_arg_int(const char *opt, const char *s, uint64_t lo, uint64_t hi)
{
	return sim_arg_int_base(opt, s, lo, hi, 10);
}

unsigned sim_arg_list(const char *opt, const char *s, double *v, double lo, double hi)
{
	char buf[4096], *tok, *save;
	unsigned n = 0;

	if (strlen(s) >= sizeof(buf))
		sim_die_usage(opt, s, "is too long");
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == SRD_SIM_MAX_PATHS)
			sim_die_usage(opt, s, "has more values than the most paths (256)");
		v[n++] = sim_arg_whole(opt, tok, lo, hi);
	}
	if (!n)
		sim_die_usage(opt, s, "is empty");
	return n;
}

void sim_arg_at_path(const char *opt, const char *s, char *buf, size_t cap, int *path)
{
	const char *at = strchr(s, '@');
	size_t n = at ? (size_t)(at - s) : strlen(s);

	if (n >= cap || !n)
		sim_die_usage(opt, s, "is not VALUE[@PATH]");
	memcpy(buf, s, n);
	buf[n] = 0;
	*path = at ? (int)sim_arg_int(opt, at + 1, 0, SRD_SIM_MAX_PATHS - 1) : -1;
}
