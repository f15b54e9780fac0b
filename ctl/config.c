/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.c: the config file's lines, section headers and keys (docs/config.md §1),
 * the diagnostics buffer, srd_config_parse() and srd_config_load().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl/config_int.h"

#define ERR_RESERVE 48u  /* kept free in err for the "... N more" line */

/* Where keys go: the section being read. */
struct cfg_state {
	int sect;       /* enum cfg_sect_id; -1 before the first header, CS_COUNT after
			 * a bad one (its keys are ignored: the header was reported) */
	int inst;       /* instance index, or -1: ignore keys */
};

/* ---- diagnostics ---- */

const char *cfg_echo(const char *s, char *out)
{
	size_t i;

	for (i = 0; s[i] && i < CFG_VAL_ECHO; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	strcpy(out + i, s[i] ? "..." : "");
	return out;
}

/* Remember where a message went; without memory, messages stay unsorted. */
static void note_msg(struct cfg_ctx *c, uint32_t line, size_t off)
{
	struct cfg_msg *m;

	if (c->n_msgs == c->cap_msgs) {
		m = realloc(c->msgs, (c->cap_msgs ? 2 * c->cap_msgs : 16) * sizeof(*m));
		if (!m) {
			c->sort_failed = true;
			return;
		}
		c->msgs = m;
		c->cap_msgs = c->cap_msgs ? 2 * c->cap_msgs : 16;
	}
	c->msgs[c->n_msgs] = (struct cfg_msg){ line, c->n_msgs, off, c->err_used - off };
	c->n_msgs++;
}

static int msg_cmp(const void *a, const void *b)
{
	const struct cfg_msg *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Messages in line order (the cross-section rules run after the whole file). */
static void sort_msgs(struct cfg_ctx *c)
{
	char *copy;
	size_t off = 0;
	unsigned i;

	if (c->sort_failed || c->n_msgs < 2)
		return;
	copy = malloc(c->err_used);
	if (!copy)
		return;
	memcpy(copy, c->err, c->err_used);
	qsort(c->msgs, c->n_msgs, sizeof(*c->msgs), msg_cmp);
	for (i = 0; i < c->n_msgs; i++) {
		memcpy(c->err + off, copy + c->msgs[i].off, c->msgs[i].len);
		off += c->msgs[i].len;
	}
	free(copy);
}

static void append(struct cfg_ctx *c, uint32_t line, const char *msg)
{
	size_t len = strlen(msg), room, off = c->err_used;

	if (!c->err_len)
		return;
	room = c->err_len - c->err_used;
	if (len + 2 + ERR_RESERVE > room && !(c->err_len <= ERR_RESERVE && !c->err_used)) {
		c->dropped++;
		return;
	}
	snprintf(c->err + c->err_used, room, "%s\n", msg);
	c->err_used += strlen(c->err + c->err_used);
	note_msg(c, line, off);
}

static void vreport(struct cfg_ctx *c, bool warn, uint32_t line, const char *sect,
		    const char *key, const char *fmt, va_list ap)
	__attribute__((format(printf, 6, 0)));

static void vreport(struct cfg_ctx *c, bool warn, uint32_t line, const char *sect,
		    const char *key, const char *fmt, va_list ap)
{
	char msg[512];
	int n;

	n = snprintf(msg, sizeof(msg), "%s:%u: %s%s%s%s%s", c->name, line,
		     warn ? "warning: " : "", sect ? sect : "",
		     sect && key ? " " : "", key ? key : "", sect || key ? ": " : "");
	if (n > 0 && (size_t)n < sizeof(msg))
		vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	append(c, line, msg);
}

int cfg_error_at(struct cfg_ctx *c, uint32_t line, const char *sect, const char *key,
		 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(c, false, line, sect, key, fmt, ap);
	va_end(ap);
	c->errors++;
	return -EINVAL;
}

void cfg_warn_at(struct cfg_ctx *c, uint32_t line, const char *sect, const char *key,
		 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(c, true, line, sect, key, fmt, ap);
	va_end(ap);
	c->cfg->n_warnings++;
}

int cfg_error(struct cfg_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(c, false, c->line, c->sect_desc[0] ? c->sect_desc : NULL, c->key, fmt, ap);
	va_end(ap);
	c->errors++;
	return -EINVAL;
}

static void finish_err(struct cfg_ctx *c)
{
	sort_msgs(c);
	free(c->msgs);
	if (c->dropped && c->err_len > c->err_used)
		snprintf(c->err + c->err_used, c->err_len - c->err_used,
			 "... %u more messages not shown\n", c->dropped);
}

/* ---- sections ---- */

static char *blanks(char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Rest of a line after a header or value: blanks, then nothing or a comment. */
static bool line_done(char *p)
{
	p = blanks(p);
	return !*p || *p == '#';
}

/* Required keys of the section just finished. */
static void finish_section(struct cfg_ctx *c, const struct cfg_state *st)
{
	const struct cfg_sect *s;
	const struct cfg_lines *l;
	unsigned k;

	if (st->sect < 0 || st->sect == CS_COUNT || st->inst < 0)
		return;
	s = &cfg_sects[st->sect];
	l = &c->lines[st->sect][st->inst];
	for (k = 0; k < s->nkeys; k++)
		if (s->keys[k].required && !l->key[k] && !(c->ovsdb && st->sect == CS_HOST))
			cfg_error_at(c, l->hdr, c->sect_desc, s->keys[k].name,
				     "missing (required)");
}

static uint32_t *count_of(struct srd_config *cfg, enum cfg_sect_id s)
{
	return s == CS_PORT ? &cfg->n_ports : s == CS_PEER ? &cfg->n_peers : &cfg->n_p2p;
}

/* A name already taken by an instance of s (ports and p2p share tap names). */
static int name_taken(struct cfg_ctx *c, enum cfg_sect_id s, const char *name)
{
	enum cfg_sect_id other = s == CS_PORT ? CS_P2P : s == CS_P2P ? CS_PORT : s;
	enum cfg_sect_id ids[2] = { s, other };
	unsigned i, j;

	for (j = 0; j < 2; j++) {
		for (i = 0; i < *count_of(c->cfg, ids[j]); i++) {
			if (strcmp(cfg_inst(c->cfg, ids[j], i), name))
				continue;
			if (ids[j] == s)
				return cfg_error(c, "name used twice (first at line %u)",
						 c->lines[s][i].hdr);
			return cfg_error(c, "name already used by [%s \"%s\"] at line %u; both are tap devices",
					 cfg_sects[other].kind, name, c->lines[other][i].hdr);
		}
	}
	return 0;
}

static int open_named(struct cfg_ctx *c, enum cfg_sect_id s, const char *name)
{
	static const struct cfg_key name_key = { "name", CT_NAME, 0, 0, false, 1, 0 };
	struct cfg_key k = name_key;
	uint32_t *n = count_of(c->cfg, s);

	k.max = cfg_sects[s].name_max;
	if (!name)
		return cfg_error(c, "needs a name: [%s \"NAME\"]", cfg_sects[s].kind);
	if (name_taken(c, s, name))
		return -EINVAL;
	if (*n >= cfg_sects[s].max)
		return cfg_error(c, "too many [%s] sections (at most %u)", cfg_sects[s].kind,
				 cfg_sects[s].max);
	if (cfg_val_parse(c, &k, name, cfg_inst(c->cfg, s, *n)))
		return -EINVAL;
	c->lines[s][*n].hdr = c->line;
	return (int)(*n)++;
}

static int open_single(struct cfg_ctx *c, enum cfg_sect_id s, const char *name)
{
	if (name)
		cfg_error(c, "takes no name: write [%s]", cfg_sects[s].kind);
	if (c->lines[s][0].hdr)
		return cfg_error(c, "section repeated (first at line %u); merge the two",
				 c->lines[s][0].hdr);
	c->lines[s][0].hdr = c->line;
	return 0;
}

static void open_section(struct cfg_ctx *c, struct cfg_state *st, const char *kind,
			 const char *name)
{
	char e[CFG_VAL_ECHO + 4];
	unsigned s;

	for (s = 0; s < CS_COUNT && strcmp(kind, cfg_sects[s].kind); s++)
		;
	if (name)
		snprintf(c->sect_desc, sizeof(c->sect_desc), "[%s \"%s\"]", kind,
			 cfg_echo(name, e));
	else
		snprintf(c->sect_desc, sizeof(c->sect_desc), "[%s]", kind);
	if (s == CS_COUNT) {
		cfg_error(c, "unknown section (host, bridge, timers, engine, port, peer, p2p)");
		return;
	}
	if (c->ovsdb && cfg_sects[s].named) {
		cfg_error(c, "not used with --ovsdb: peers and ports come from OVSDB "
			  "Interface rows (docs/ovs.md)");
		return;
	}
	st->sect = (int)s;
	st->inst = cfg_sects[s].named ? open_named(c, s, name) : open_single(c, s, name);
	if (st->inst < 0)
		st->inst = -1;
}

/* "[" blanks kind blanks ["\"" name "\"" blanks] "]" blanks [comment] */
static void parse_header(struct cfg_ctx *c, struct cfg_state *st, char *p)
{
	char *kind, *kind_end, *name = NULL;

	finish_section(c, st);
	st->sect = CS_COUNT;
	st->inst = -1;
	c->sect_desc[0] = '\0';
	p = blanks(p + 1);
	for (kind = p; (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'); p++)
		;
	kind_end = p;
	p = blanks(p);
	if (*p == '"') {
		name = ++p;
		p = strchr(p, '"');
		if (!p) {
			cfg_error(c, "section header: the name lacks its closing quote");
			return;
		}
		*p = '\0';
		p = blanks(p + 1);
	}
	if (*p != ']' || kind_end == kind || !line_done(p + 1)) {
		cfg_error(c, "section header: expected [kind] or [kind \"NAME\"], then at most a comment");
		return;
	}
	*kind_end = '\0';
	open_section(c, st, kind, name);
}

/* ---- keys ---- */

/* A "quoted" value with \" and \\ escapes, unescaped in place; at most a comment
 * may follow. */
static char *quoted_value(struct cfg_ctx *c, char *v)
{
	char *p, *out = v;

	for (p = v + 1; *p && *p != '"'; p++) {
		if (*p == '\\' && (p[1] == '"' || p[1] == '\\')) {
			p++;
		} else if (*p == '\\') {
			cfg_error(c, "unknown escape in a quoted value (only \\\" and \\\\)");
			return NULL;
		}
		*out++ = *p;
	}
	if (!*p) {
		cfg_error(c, "the quoted value lacks its closing quote");
		return NULL;
	}
	if (!line_done(p + 1)) {
		cfg_error(c, "text after the closing quote");
		return NULL;
	}
	*out = '\0';
	return v;
}

/* The value after "=": quoted, or raw up to a comment, without surrounding blanks. */
static char *parse_value(struct cfg_ctx *c, char *p)
{
	char *v = blanks(p);

	if (*v == '"') {
		v = quoted_value(c, v);
	} else {
		p = strchr(v, '#');
		if (p)
			*p = '\0';
		for (p = v + strlen(v); p > v && (p[-1] == ' ' || p[-1] == '\t'); p--)
			;
		*p = '\0';
	}
	if (v && !*v) {
		cfg_error(c, "empty value");
		return NULL;
	}
	return v;
}

static bool key_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.';
}

/* key = value inside the section st. */
static void set_key(struct cfg_ctx *c, const struct cfg_state *st, char *rest)
{
	const struct cfg_sect *s = &cfg_sects[st->sect];
	uint32_t *line;
	char *val;
	int k;

	k = cfg_key_index(st->sect, c->key);
	if (k < 0) {
		cfg_error(c, "unknown key");
		return;
	}
	line = &c->lines[st->sect][st->inst].key[k];
	if (*line) {
		cfg_error(c, "set twice (first at line %u)", *line);
		return;
	}
	*line = c->line;
	val = parse_value(c, rest);
	if (val)
		cfg_val_parse(c, &s->keys[k], val,
			      (char *)cfg_inst(c->cfg, st->sect, st->inst) + s->keys[k].off);
}

static void parse_key(struct cfg_ctx *c, const struct cfg_state *st, char *p)
{
	char *key = p, *eq;

	while (key_char(*p))
		p++;
	eq = blanks(p);
	if (p == key || *eq != '=') {
		cfg_error(c, "expected key = value, a [section] or a # comment");
		return;
	}
	*p = '\0';
	c->key = key;
	if (st->sect < 0)
		cfg_error(c, "outside any section (a [section] line comes first)");
	else if (st->inst >= 0)
		set_key(c, st, eq + 1);
	c->key = NULL;
}

/* ---- lines ---- */

static bool line_clean(struct cfg_ctx *c, const char *s, size_t len)
{
	size_t i;

	if (len > SRD_CONFIG_MAX_LINE) {
		cfg_error_at(c, c->line, NULL, NULL, "line longer than %u bytes",
			     SRD_CONFIG_MAX_LINE);
		return false;
	}
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
			cfg_error_at(c, c->line, NULL, NULL,
				     "control character 0x%02x in column %zu", ch, i + 1);
			return false;
		}
	}
	return true;
}

static void parse_line(struct cfg_ctx *c, struct cfg_state *st, const char *s,
		       size_t len)
{
	char buf[SRD_CONFIG_MAX_LINE + 1];
	char *p = buf;

	if (len && s[len - 1] == '\r')
		len--;
	if (!line_clean(c, s, len))
		return;
	memcpy(buf, s, len);
	buf[len] = '\0';
	p = blanks(p);
	if (!*p || *p == '#')
		return;
	if (*p == '[')
		parse_header(c, st, p);
	else
		parse_key(c, st, p);
}

static void parse_text(struct cfg_ctx *c, const char *text, size_t len)
{
	struct cfg_state st = { .sect = -1, .inst = -1 };
	const char *p = text, *end = text + len, *nl;

	while (p < end) {
		c->line++;
		nl = memchr(p, '\n', (size_t)(end - p));
		parse_line(c, &st, p, (size_t)((nl ? nl : end) - p));
		p = nl ? nl + 1 : end;
	}
	finish_section(c, &st);
	c->last_line = c->line ? c->line : 1;
	c->sect_desc[0] = '\0';
}

static int lines_alloc(struct cfg_ctx *c)
{
	unsigned s, total = 0;
	struct cfg_lines *l;

	for (s = 0; s < CS_COUNT; s++)
		total += cfg_sects[s].max;
	l = calloc(total, sizeof(*l));
	if (!l)
		return -ENOMEM;
	for (s = 0; s < CS_COUNT; s++) {
		c->lines[s] = l;
		l += cfg_sects[s].max;
	}
	return 0;
}

int srd_config_parse(const char *text, size_t len, const char *name,
		     struct srd_config *cfg, char *err, size_t err_len)
{
	return srd_config_parse_ex(text, len, name, 0, cfg, err, err_len);
}

int srd_config_parse_ex(const char *text, size_t len, const char *name,
			unsigned flags, struct srd_config *cfg, char *err, size_t err_len)
{
	struct cfg_ctx c = { .name = name, .cfg = cfg, .err = err, .err_len = err_len,
			     .ovsdb = flags & SRD_CONFIG_OVSDB };
	unsigned s;
	int ret = 0;

	if (err_len)
		err[0] = '\0';
	memset(cfg, 0, sizeof(*cfg));
	for (s = 0; s < CS_PORT; s++)
		cfg_defaults(cfg, s, 0);
	if (len > SRD_CONFIG_MAX_BYTES) {
		cfg_error_at(&c, 1, NULL, NULL, "larger than %u bytes", SRD_CONFIG_MAX_BYTES);
		ret = -EFBIG;
	} else if (lines_alloc(&c)) {
		cfg_error_at(&c, 1, NULL, NULL, "out of memory");
		ret = -ENOMEM;
	} else {
		parse_text(&c, text, len);
		cfg_check(&c);
		free(c.lines[0]);
		ret = c.errors ? -EINVAL : 0;
	}
	finish_err(&c);
	return ret;
}

int srd_config_load(const char *path, struct srd_config *cfg, char *err,
		    size_t err_len)
{
	return srd_config_load_ex(path, 0, cfg, err, err_len);
}

int srd_config_load_ex(const char *path, unsigned flags, struct srd_config *cfg,
		       char *err, size_t err_len)
{
	struct stat sb;
	char *buf = NULL;
	ssize_t n = 0;
	size_t len = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto sys_fail;
	if (fstat(fd, &sb))
		goto sys_fail;
	if (!S_ISREG(sb.st_mode)) {
		errno = EINVAL;
		snprintf(err, err_len, "%s: not a regular file\n", path);
		goto fail;
	}
	if (sb.st_size > (off_t)SRD_CONFIG_MAX_BYTES) {
		errno = EFBIG;
		snprintf(err, err_len, "%s: larger than %u bytes\n", path, SRD_CONFIG_MAX_BYTES);
		goto fail;
	}
	buf = malloc(SRD_CONFIG_MAX_BYTES + 1);
	if (!buf)
		goto sys_fail;
	while (len <= SRD_CONFIG_MAX_BYTES &&
	       (n = read(fd, buf + len, SRD_CONFIG_MAX_BYTES + 1 - len)) > 0)
		len += (size_t)n;
	if (n < 0)
		goto sys_fail;
	close(fd);
	ret = srd_config_parse_ex(buf, len, path, flags, cfg, err, err_len);
	free(buf);
	return ret;

sys_fail:
	ret = -errno;
	snprintf(err, err_len, "%s: %s\n", path, strerror(-ret));
	goto out;
fail:
	ret = -errno;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}
