// SPDX-License-Identifier: Apache-2.0
/* log.c: see log.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vswitch/log.h"

static const char *const level_names[] = { "err", "warn", "info", "debug" };

static enum srd_log_level cur_level = SRD_LOG_INFO;
static int log_fd = STDERR_FILENO;
static char log_path[4096];

int srd_log_parse_level(const char *s, enum srd_log_level *out)
{
	unsigned i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (!strcmp(s, level_names[i]) ||
		    (s[0] == (char)('0' + i) && !s[1])) {
			*out = (enum srd_log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

void srd_log_set_level(enum srd_log_level level)
{
	cur_level = level;
}

bool srd_log_enabled(enum srd_log_level level)
{
	return level <= cur_level;
}

int srd_log_open(const char *path)
{
	int fd;

	if (!path) {
		if (log_fd != STDERR_FILENO)
			close(log_fd);
		log_fd = STDERR_FILENO;
		log_path[0] = 0;
		return 0;
	}
	if (strlen(path) >= sizeof(log_path))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	if (log_fd != STDERR_FILENO)
		close(log_fd);
	log_fd = fd;
	strcpy(log_path, path);
	return 0;
}

void srd_log_reopen(void)
{
	char path[sizeof(log_path)];

	if (!log_path[0])
		return;
	strcpy(path, log_path);
	if (srd_log_open(path) < 0)
		srd_warn("cannot reopen log file %s: %s", path, strerror(errno));
}

__attribute__((format(printf, 2, 0)))
static void log_vwrite(enum srd_log_level level, const char *fmt, va_list ap)
{
	char line[1024];
	struct timespec ts;
	struct tm tm;
	size_t n;
	int r;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(line + n, sizeof(line) - n, ".%06ldZ %s: ",
			      ts.tv_nsec / 1000, level_names[level]);
	r = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	if (r < 0)
		return;
	n += (size_t)r < sizeof(line) - n - 1 ? (size_t)r : sizeof(line) - n - 2;
	line[n++] = '\n';
	if (write(log_fd, line, n) < 0) {
		/* Nowhere left to report it. */
	}
}

void srd_log(enum srd_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (!srd_log_enabled(level))
		return;
	va_start(ap, fmt);
	log_vwrite(level, fmt, ap);
	va_end(ap);
}

void srd_log_rl(struct srd_ratelimit *rl, uint64_t now_ns, enum srd_log_level level,
		const char *fmt, ...)
{
	va_list ap;

	if (!srd_log_enabled(level))
		return;
	if (now_ns - rl->window_start >= rl->interval_ns) {
		if (rl->suppressed)
			srd_log(level, "(%llu similar messages suppressed)",
				(unsigned long long)rl->suppressed);
		rl->window_start = now_ns;
		rl->printed = 0;
		rl->suppressed = 0;
	}
	if (rl->printed >= rl->burst) {
		rl->suppressed++;
		return;
	}
	rl->printed++;
	va_start(ap, fmt);
	log_vwrite(level, fmt, ap);
	va_end(ap);
}
