/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_int.h: shared between the config parser's files (not installed):
 *   config.c        lines, section headers, key dispatch, srd_config_parse/load
 *   config_val.c    value types: parse and format one value
 *   config_keys.c   the sections and their keys (the tables docs/config.md mirrors)
 *   config_check.c  rules across keys and sections, after the whole file
 *   config_fmt.c    srd_config_format, srd_config_to_conn_cfg
 */
#ifndef SRD_CTL_CONFIG_INT_H
#define SRD_CTL_CONFIG_INT_H

#include <stdarg.h>

#include "ctl/config.h"

#define CFG_MAX_KEYS 16u   /* most keys in one section */
#define CFG_VAL_ECHO 64u   /* longest piece of a bad value quoted in a message */

enum cfg_type {
	CT_UINT,     /* decimal integer in min..max */
	CT_POW2,     /* CT_UINT that is a power of two */
	CT_AUTO,     /* "auto" (stored as 0) or CT_UINT */
	CT_DUR,      /* integer and unit ns|us|ms|s, or 0; stored in ns */
	CT_BOOL,     /* yes|no|true|false|on|off */
	CT_ADDR,     /* IPv4 or IPv6 address: struct srd_config_addr */
	CT_PATH,     /* absolute path of min..max bytes: char[] */
	CT_NAME,     /* a peer's name: char[SRD_CONFIG_NAME_MAX + 1] */
	CT_VNIS,     /* comma-separated VNIs: struct srd_config_vnis */
	CT_MACS,     /* comma-separated unicast MACs: struct srd_config_macs */
	CT_SPI,      /* "auto" or 0x1..0x7fffffff: uint32_t */
	CT_CIPHER,   /* aes-gcm-128|aes-gcm-256: uint32_t enum srd_psp_version */
};

/* One key of a section. */
struct cfg_key {
	const char *name;    /* as written in the file */
	enum cfg_type type;  /* how its value parses and prints */
	uint16_t off;        /* offset of its field in the section's struct */
	uint16_t width;      /* field size in bytes */
	bool required;       /* every instance must set it */
	uint64_t min, max;   /* accepted range: value, length or list entries */
};

enum cfg_sect_id { CS_HOST, CS_BRIDGE, CS_TIMERS, CS_ENGINE, CS_PORT, CS_PEER, CS_P2P,
		   CS_COUNT };

/* One kind of section. */
struct cfg_sect {
	const char *kind;          /* "host", "peer", ... */
	bool named;                /* [kind "NAME"] rather than [kind] */
	unsigned name_max;         /* longest name (named sections) */
	unsigned max;              /* most instances */
	const struct cfg_key *keys; /* its keys, in documentation order */
	unsigned nkeys;            /* entries in keys */
};

/* Where one section instance and each of its keys were written (0: not written). */
struct cfg_lines {
	uint32_t hdr;                 /* the [section] line */
	uint32_t key[CFG_MAX_KEYS];   /* per key, indexed like cfg_sect.keys */
};

/* A message in the diagnostics buffer, for sorting them by line. */
struct cfg_msg {
	uint32_t line;  /* line it is about */
	uint32_t seq;   /* order of reporting: ties keep it */
	size_t off;     /* start in err */
	size_t len;     /* bytes, newline included */
};

/* Parser state, one per srd_config_parse call. */
struct cfg_ctx {
	const char *name;          /* file name for messages */
	struct srd_config *cfg;    /* being filled */
	char *err;                 /* diagnostics go here */
	size_t err_len;            /* its size */
	size_t err_used;           /* bytes written, NUL excluded */
	unsigned errors;           /* errors reported */
	unsigned dropped;          /* messages that did not fit in err */
	struct cfg_msg *msgs;      /* messages in err */
	bool sort_failed;          /* no memory for msgs: leave err unsorted */
	unsigned n_msgs;           /* entries used in msgs */
	unsigned cap_msgs;         /* entries allocated */
	uint32_t line;             /* current line, from 1 */
	uint32_t last_line;        /* lines in the file */
	const char *key;           /* current key for messages, or NULL */
	char sect_desc[112];       /* current section as written: [peer "hostB"] */
	struct cfg_lines *lines[CS_COUNT]; /* per section kind, per instance */
	bool ovsdb;                /* SRD_CONFIG_OVSDB: host identity, peers, ports from OVSDB */
};

extern const struct cfg_sect cfg_sects[CS_COUNT];

/* Instance i of section s inside cfg. */
void *cfg_inst(struct srd_config *cfg, enum cfg_sect_id s, unsigned i);
const void *cfg_inst_const(const struct srd_config *cfg, enum cfg_sect_id s,
			   unsigned i);
/* Default values of a fresh instance. */
void cfg_defaults(struct srd_config *cfg, enum cfg_sect_id s, unsigned i);
/* Index of key name in section s, or -1. */
int cfg_key_index(enum cfg_sect_id s, const char *name);
/* "[host]" or "[peer \"x\"]" for instance i of s. */
void cfg_sect_desc(const struct srd_config *cfg, enum cfg_sect_id s, unsigned i,
		   char *buf, size_t len);

/* Report at (line, sect, key): key may be NULL. Errors return -EINVAL. */
int cfg_error_at(struct cfg_ctx *c, uint32_t line, const char *sect, const char *key,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void cfg_warn_at(struct cfg_ctx *c, uint32_t line, const char *sect, const char *key,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Report at the current line, section and key. */
int cfg_error(struct cfg_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Copy s into out (CFG_VAL_ECHO + 4 bytes) for a message: unprintable bytes become
 * '?', long values are cut with "...". */
const char *cfg_echo(const char *s, char *out);

/* Parse value text into field (the key's type); reports and returns -EINVAL. */
int cfg_val_parse(struct cfg_ctx *c, const struct cfg_key *k, const char *val,
		  void *field);
/* Append the value of field as the file would write it. */
size_t cfg_val_format(const struct cfg_key *k, const void *field, char *buf,
		      size_t cap);

/* The rules across keys and sections; reports every violation. */
void cfg_check(struct cfg_ctx *c);

#endif
