/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log.h: srd-vswitchd's log. One line per message:
 *     2026-11-21T10:00:00.123456Z info: peer hostB: path 3 DEAD -> PROBING
 * to stderr, or to a file (--log-file; reopened on SIGHUP so logrotate works).
 * Never called per packet: the datapath counts, and logs only state changes, which
 * are rate-limited with struct srd_ratelimit.
 */
#ifndef SRD_VSWITCH_LOG_H
#define SRD_VSWITCH_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum srd_log_level {
	SRD_LOG_ERR,    /* something failed; the daemon may go on without it */
	SRD_LOG_WARN,   /* unexpected but handled */
	SRD_LOG_INFO,   /* state changes an operator wants to see (default) */
	SRD_LOG_DEBUG,  /* detail for developers */
};

/* Allows burst messages per interval_ns; the rest are counted and summarised. */
struct srd_ratelimit {
	uint64_t interval_ns;  /* length of a window */
	uint32_t burst;        /* messages allowed per window */
	uint64_t window_start; /* start of the current window */
	uint32_t printed;      /* messages in the current window */
	uint64_t suppressed;   /* messages dropped since the last summary */
};

/* "err", "warn", "info", "debug" (or 0..3); -EINVAL if none of them. */
int srd_log_parse_level(const char *s, enum srd_log_level *out);
void srd_log_set_level(enum srd_log_level level);
/* Log to path (appending) instead of stderr; NULL goes back to stderr. -errno. */
int srd_log_open(const char *path);
/* Reopen the file after rotation (no-op on stderr). */
void srd_log_reopen(void);
bool srd_log_enabled(enum srd_log_level level);
void srd_log(enum srd_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* srd_log through a rate limit; now_ns is CLOCK_MONOTONIC. */
void srd_log_rl(struct srd_ratelimit *rl, uint64_t now_ns, enum srd_log_level level,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define srd_err(...) srd_log(SRD_LOG_ERR, __VA_ARGS__)
#define srd_warn(...) srd_log(SRD_LOG_WARN, __VA_ARGS__)
#define srd_info(...) srd_log(SRD_LOG_INFO, __VA_ARGS__)
#define srd_dbg(...) srd_log(SRD_LOG_DEBUG, __VA_ARGS__)

#endif
