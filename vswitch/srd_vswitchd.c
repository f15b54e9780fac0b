// SPDX-License-Identifier: Apache-2.0
/*
 * srd_vswitchd.c: the daemon's main(): options, configuration, detaching, pid file.
 *
 *   srd-vswitchd --config FILE [--ctl SOCKET] [--detach] [--pidfile F]
 *                [--log-file F] [-v LEVEL] [--check]
 *   srd-vswitchd --ovsdb [REMOTE] [--config FILE] [...]     (OVSDB mode, docs/ovs.md)
 *
 * Exit status: 0 after a clean shutdown (SIGTERM, SIGINT) or a good --check; 1 when
 * the datapath cannot be set up or fails; 2 for bad options or a bad config file.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "ctl/ovsdb.h"
#include "vswitch/dp.h"
#include "vswitch/log.h"

/* Command-line options. */
struct opts {
	const char *config;    /* --config */
	const char *ovsdb;     /* --ovsdb remote: OVSDB mode */
	const char *ctl;       /* --ctl */
	const char *pidfile;   /* --pidfile */
	const char *log_file;  /* --log-file */
	bool detach;           /* --detach */
	bool check;            /* --check: validate the config and exit */
	enum srd_log_level level; /* -v */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: srd-vswitchd --config FILE [--ctl SOCKET] [--detach] [--pidfile F]\n"
		"                    [--log-file F] [-v err|warn|info|debug] [--check]\n"
		"       srd-vswitchd --ovsdb [REMOTE] [--config FILE] [...]\n"
		"\n"
		"  --config FILE    configuration (docs/config.md); SIGHUP re-reads it\n"
		"  --ovsdb [REMOTE] take this host's settings, peers and ports from OVSDB\n"
		"                   (docs/ovs.md); REMOTE unix:PATH or tcp:IP:PORT, default\n"
		"                   unix:$OVS_RUNDIR/db.sock (/var/run/openvswitch)\n"
		"  --ctl SOCKET     control socket for srdctl (default: [host] ctl-socket)\n"
		"  --detach         run in the background once the datapath is up\n"
		"  --pidfile F      write the daemon's pid to F (removed at exit)\n"
		"  --log-file F     log to F instead of stderr (reopened on SIGHUP)\n"
		"  -v LEVEL         log level (default info)\n"
		"  --check          only check the configuration file, then exit\n"
		"  --version, --help\n");
}

/* --ovsdb's remote: --ovsdb=R, --ovsdb R (a next word not starting with '-'), or the
 * default, where ovs-vsctl looks too. */
static const char *ovsdb_remote(int argc, char **argv)
{
	if (optarg)
		return optarg;
	if (optind < argc && argv[optind][0] != '-')
		return argv[optind++];
	return srd_ovsdb_default_remote();
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "ovsdb", optional_argument, NULL, 'o' },
		{ "ctl", required_argument, NULL, 's' },
		{ "detach", no_argument, NULL, 'd' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "log-file", required_argument, NULL, 'l' },
		{ "check", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->level = SRD_LOG_INFO;
	while ((c = getopt_long(argc, argv, "v:h", longs, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'o': o->ovsdb = ovsdb_remote(argc, argv); break;
		case 's': o->ctl = optarg; break;
		case 'd': o->detach = true; break;
		case 'p': o->pidfile = optarg; break;
		case 'l': o->log_file = optarg; break;
		case 'k': o->check = true; break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("srd-vswitchd %s\n", SRD_VERSION); exit(0);
		case 'v':
			if (srd_log_parse_level(optarg, &o->level) < 0) {
				fprintf(stderr, "srd-vswitchd: -v %s: not a level "
					"(err, warn, info, debug)\n", optarg);
				return -EINVAL;
			}
			break;
		default: usage(stderr); return -EINVAL;
		}
	}
	if (optind != argc || (!o->config && !o->ovsdb)) {
		fprintf(stderr, "srd-vswitchd: %s\n", optind != argc ?
			"unexpected argument" : "--config FILE or --ovsdb is required");
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

static struct srd_config *load_config(const char *path, bool ovsdb)
{
	struct srd_config *cfg = calloc(1, sizeof(*cfg));
	unsigned flags = ovsdb ? SRD_CONFIG_OVSDB : 0;
	char msg[8192] = "";
	int err;

	if (!cfg) {
		fprintf(stderr, "srd-vswitchd: out of memory\n");
		return NULL;
	}
	if (path)
		err = srd_config_load_ex(path, flags, cfg, msg, sizeof(msg));
	else
		err = srd_config_parse_ex("", 0, "(defaults)", flags, cfg, msg, sizeof(msg));
	if (msg[0])
		fputs(msg, stderr);
	if (err < 0) {
		if (!msg[0])
			fprintf(stderr, "srd-vswitchd: %s: %s\n", path, strerror(-err));
		free(cfg);
		return NULL;
	}
	return cfg;
}

/* Fork; the parent waits until the child says it is up (a 0 byte) or failed (its
 * message), and exits with the matching status. The child returns the pipe's fd. */
static int detach(void)
{
	int fds[2], status = 1;
	char buf[4096];
	ssize_t n;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		close(fds[0]);
		setsid();
		return fds[1];
	}
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	if (n == 1 && buf[0] == 0)
		status = 0;
	else if (n > 0)
		fprintf(stderr, "%.*s\n", (int)n, buf);
	else
		fprintf(stderr, "srd-vswitchd: the daemon exited during start-up\n");
	exit(status);
}

/* Tell the waiting parent how start-up went, then leave the terminal. */
static void detach_done(int fd, const char *err)
{
	int null = open("/dev/null", O_RDWR);

	if (write(fd, err ? err : "", err ? strlen(err) : 1) < 0) {
		/* the parent is gone; nothing to tell */
	}
	close(fd);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		close(null);
	}
}

static int write_pidfile(const char *path)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	fprintf(f, "%ld\n", (long)getpid());
	return fclose(f) ? -errno : 0;
}

static int run(const struct opts *o, const struct srd_config *cfg, int notify_fd)
{
	struct srd_dp_opts dopts = { .config_path = o->config, .ctl_path = o->ctl,
				     .ovsdb = o->ovsdb };
	struct srd_dp *dp = NULL;
	char *why = NULL;
	int err = srd_dp_new(cfg, &dopts, &dp, &why);

	if (!err && o->pidfile && (err = write_pidfile(o->pidfile)) < 0)
		why = strdup("cannot write the pid file");
	if (err < 0) {
		srd_err("start-up failed: %s", why ? why : strerror(-err));
		if (notify_fd >= 0)
			detach_done(notify_fd, why ? why : "start-up failed");
		free(why);
		srd_dp_free(dp);
		return 1;
	}
	srd_info("srd-vswitchd %s running (config %s%s%s)", SRD_VERSION,
		 o->config ? o->config : "defaults", o->ovsdb ? ", ovsdb " : "",
		 o->ovsdb ? o->ovsdb : "");
	if (notify_fd >= 0)
		detach_done(notify_fd, NULL);
	err = srd_dp_run(dp);
	if (err < 0)
		srd_err("event loop failed: %s", strerror(-err));
	srd_dp_free(dp);
	if (o->pidfile)
		unlink(o->pidfile);
	srd_info("srd-vswitchd stopped");
	return err < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct srd_config *cfg;
	int notify_fd = -1, rc;

	if (parse_opts(argc, argv, &o) < 0)
		return 2;
	cfg = load_config(o.config, o.ovsdb != NULL);
	if (!cfg)
		return 2;
	if (o.check) {
		printf("%s: OK\n", o.config ? o.config : "(defaults)");
		free(cfg);
		return 0;
	}
	srd_log_set_level(o.level);
	if (o.log_file && (rc = srd_log_open(o.log_file)) < 0) {
		fprintf(stderr, "srd-vswitchd: --log-file %s: %s\n", o.log_file,
			strerror(-rc));
		free(cfg);
		return 2;
	}
	prctl(PR_SET_TIMERSLACK, 1UL);   /* microsecond timers need no slack */
	if (o.detach && (notify_fd = detach()) < 0) {
		fprintf(stderr, "srd-vswitchd: --detach: %s\n", strerror(-notify_fd));
		free(cfg);
		return 1;
	}
	rc = run(&o, cfg, notify_fd);
	free(cfg);
	return rc;
}
