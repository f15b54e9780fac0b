/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check.h: the unit-test harness. A test file defines `static void foo__case(void)`
 * functions, runs each with RUN(), and returns check_exit() from main().
 *
 * CHECK() records a failure and continues, so one run reports every broken case.
 * A test that cannot run here calls SKIP("why") from main(): it prints the reason and
 * exits 77, which ctest reports as skipped.
 */
#ifndef SRD_TESTS_CHECK_H
#define SRD_TESTS_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;   /* failed CHECKs over the whole executable */
static int check_tests_run;  /* tests run by RUN() */
static int check_tests_bad;  /* tests with at least one failed CHECK */

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n",         \
				__FILE__, __LINE__, #cond);                  \
			check_failures++;                                    \
		}                                                            \
	} while (0)

#define CHECK_EQ(a, b)                                                       \
	do {                                                                 \
		long long check_a_ = (long long)(a);                         \
		long long check_b_ = (long long)(b);                         \
		if (check_a_ != check_b_) {                                  \
			fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", \
				__FILE__, __LINE__, #a, #b, check_a_, check_b_); \
			check_failures++;                                    \
		}                                                            \
	} while (0)

#define CHECK_MEM(a, b, n)                                                   \
	do {                                                                 \
		if (memcmp((a), (b), (n)) != 0) {                            \
			fprintf(stderr, "%s:%d: memcmp(%s, %s, %s) differs\n", \
				__FILE__, __LINE__, #a, #b, #n);             \
			check_failures++;                                    \
		}                                                            \
	} while (0)

#define RUN(fn) check_run(#fn, fn)

#define SKIP(why)                                                            \
	do {                                                                 \
		printf("SKIP: %s\n", why);                                   \
		return 77;                                                   \
	} while (0)

static inline void check_run(const char *name, void (*fn)(void))
{
	int before = check_failures;

	fn();
	check_tests_run++;
	if (check_failures != before)
		check_tests_bad++;
	printf("%-4s %s\n", check_failures == before ? "ok" : "FAIL", name);
}

static inline int check_exit(void)
{
	printf("%d passed, %d failed\n", check_tests_run - check_tests_bad,
	       check_tests_bad);
	return check_tests_bad ? 1 : 0;
}

#endif
