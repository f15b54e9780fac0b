/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_val.c: the value types of the config file (config_int.h, enum cfg_type):
 * parse one value with a precise complaint, and print it back canonically.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ctl/config_int.h"
#include "encap/psp.h"

#define LIST_ENTRY_MAX 32u  /* longest list entry (a MAC or a VNI) */

/* Duration units, largest first (the printer picks the largest exact one). */
static const struct {
	const char *name;  /* as written */
	uint64_t ns;       /* nanoseconds per unit */
} units[] = { { "s", 1000000000ull }, { "ms", 1000000ull }, { "us", 1000ull },
	      { "ns", 1ull } };

static const char *const ciphers[] = {
	[SRD_PSP_V0_AES_GCM_128] = "aes-gcm-128",
	[SRD_PSP_V1_AES_GCM_256] = "aes-gcm-256",
};

static void store(void *field, unsigned width, uint64_t v)
{
	switch (width) {
	case 1:
		*(uint8_t *)field = (uint8_t)v;
		break;
	case 2:
		*(uint16_t *)field = (uint16_t)v;
		break;
	case 4:
		*(uint32_t *)field = (uint32_t)v;
		break;
	default:
		*(uint64_t *)field = v;
	}
}

static uint64_t load(const void *field, unsigned width)
{
	switch (width) {
	case 1:
		return *(const uint8_t *)field;
	case 2:
		return *(const uint16_t *)field;
	case 4:
		return *(const uint32_t *)field;
	default:
		return *(const uint64_t *)field;
	}
}

/* Leading decimal digits of s into *v. Returns how many digits, 0 if none;
 * *overflow is set when the number exceeds UINT64_MAX. */
static size_t decimal(const char *s, uint64_t *v, bool *overflow)
{
	size_t n = 0;

	*v = 0;
	*overflow = false;
	for (; s[n] >= '0' && s[n] <= '9'; n++) {
		unsigned d = (unsigned)(s[n] - '0');

		if (*v > (UINT64_MAX - d) / 10)
			*overflow = true;
		*v = *v * 10 + d;
	}
	return n;
}

static size_t fmt_dur(uint64_t ns, char *buf, size_t cap)
{
	unsigned i;

	if (!ns)
		return (size_t)snprintf(buf, cap, "0");
	for (i = 0; ns % units[i].ns; i++)
		;
	return (size_t)snprintf(buf, cap, "%" PRIu64 "%s", ns / units[i].ns, units[i].name);
}

static int out_of_range(struct cfg_ctx *c, const struct cfg_key *k, const char *val)
{
	char e[CFG_VAL_ECHO + 4], lo[32], hi[32];

	if (k->type != CT_DUR)
		return cfg_error(c, "%s is out of range (%" PRIu64 "..%" PRIu64 ")",
				 cfg_echo(val, e), k->min, k->max);
	fmt_dur(k->min, lo, sizeof(lo));
	fmt_dur(k->max, hi, sizeof(hi));
	return cfg_error(c, "%s is out of range (%s..%s)", cfg_echo(val, e), lo, hi);
}

/* A whole decimal number in the key's range. */
static int parse_uint(struct cfg_ctx *c, const struct cfg_key *k, const char *val,
		      uint64_t *v)
{
	char e[CFG_VAL_ECHO + 4];
	bool over;
	size_t n = decimal(val, v, &over);

	if (!n || val[n])
		return cfg_error(c, "\"%s\" is not a decimal number", cfg_echo(val, e));
	if (over || *v < k->min || *v > k->max)
		return out_of_range(c, k, val);
	if (k->type == CT_POW2 && (*v & (*v - 1)))
		return cfg_error(c, "%s is not a power of two", val);
	return 0;
}

static int parse_dur(struct cfg_ctx *c, const struct cfg_key *k, const char *val,
		     uint64_t *v)
{
	char e[CFG_VAL_ECHO + 4];
	bool over;
	size_t n = decimal(val, v, &over);
	unsigned i;

	if (!n)
		return cfg_error(c, "\"%s\" is not a duration (a number and a unit: 20us, 100ms, 1s)",
				 cfg_echo(val, e));
	if (!val[n] && *v == 0 && !over)
		return k->min ? out_of_range(c, k, val) : 0;
	if (!val[n])
		return cfg_error(c, "%s needs a unit (ns, us, ms, s)", cfg_echo(val, e));
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(val + n, units[i].name) == 0)
			break;
	if (i == sizeof(units) / sizeof(units[0]))
		return cfg_error(c, "\"%s\" has an unknown unit (ns, us, ms, s)", cfg_echo(val, e));
	if (over || *v > UINT64_MAX / units[i].ns)
		return out_of_range(c, k, val);
	*v *= units[i].ns;
	if (*v < k->min || *v > k->max)
		return out_of_range(c, k, val);
	return 0;
}

static int parse_bool(struct cfg_ctx *c, const char *val, uint64_t *v)
{
	static const char *const yes[] = { "yes", "true", "on" };
	static const char *const no[] = { "no", "false", "off" };
	char e[CFG_VAL_ECHO + 4];
	unsigned i;

	for (i = 0; i < 3; i++) {
		if (strcmp(val, yes[i]) == 0 || strcmp(val, no[i]) == 0) {
			*v = strcmp(val, yes[i]) == 0;
			return 0;
		}
	}
	return cfg_error(c, "\"%s\" is not a boolean (yes, no, true, false, on, off)",
			 cfg_echo(val, e));
}

/* Why a parsed address cannot be an underlay address, or NULL when it can. */
static const char *addr_problem(const struct srd_config_addr *a)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const uint8_t zero[16];
	const uint8_t *b = a->addr.b;

	if (a->family == AF_INET6 && memcmp(b, mapped, 12) == 0)
		return "an IPv4-mapped address: write the IPv4 address";
	if (a->family == AF_INET6 ? memcmp(b, zero, 16) == 0 : memcmp(b + 12, zero, 4) == 0)
		return "the unspecified address";
	if (a->family == AF_INET6 ? b[0] == 0xff : (b[12] & 0xf0) == 0xe0)
		return "a multicast address";
	if (a->family == AF_INET && memcmp(b + 12, "\xff\xff\xff\xff", 4) == 0)
		return "the broadcast address";
	return NULL;
}

static bool addr_from_text(const char *val, struct srd_config_addr *a)
{
	struct in_addr in;
	struct in6_addr in6;

	if (inet_pton(AF_INET, val, &in) == 1) {
		a->family = AF_INET;
		srd_addr_from_in(&a->addr, &in);
	} else if (inet_pton(AF_INET6, val, &in6) == 1) {
		a->family = AF_INET6;
		srd_addr_from_in6(&a->addr, &in6);
	} else {
		return false;
	}
	return true;
}

static int parse_addr(struct cfg_ctx *c, const char *val, struct srd_config_addr *a)
{
	char e[CFG_VAL_ECHO + 4];
	const char *why;

	if (!addr_from_text(val, a))
		return cfg_error(c, "\"%s\" is not an IPv4 or IPv6 address", cfg_echo(val, e));
	why = addr_problem(a);
	return why ? cfg_error(c, "%s is %s", val, why) : 0;
}

int srd_config_parse_addr(const char *val, struct srd_config_addr *a, char *why,
			  size_t why_len)
{
	const char *problem;

	memset(a, 0, sizeof(*a));
	if (!addr_from_text(val, a)) {
		snprintf(why, why_len, "\"%.64s\" is not an IPv4 or IPv6 address", val);
		return -EINVAL;
	}
	problem = addr_problem(a);
	if (problem) {
		snprintf(why, why_len, "%s is %s", val, problem);
		return -EINVAL;
	}
	return 0;
}

static int parse_path(struct cfg_ctx *c, const struct cfg_key *k, const char *val,
		      char *field)
{
	char e[CFG_VAL_ECHO + 4];
	size_t len = strlen(val);

	if (val[0] != '/')
		return cfg_error(c, "\"%s\" is not an absolute path", cfg_echo(val, e));
	if (len > k->max)
		return cfg_error(c, "path is %zu bytes, longer than %" PRIu64, len, k->max);
	memcpy(field, val, len + 1);
	return 0;
}

static bool name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
}

bool srd_config_name_ok(const char *name, size_t max)
{
	size_t len = strlen(name), i;

	for (i = 0; i < len && name_char(name[i]); i++)
		;
	return i == len && len && len <= max && strcmp(name, ".") && strcmp(name, "..");
}

const char *srd_config_addr_str(const struct srd_config_addr *a,
				char buf[INET6_ADDRSTRLEN])
{
	if (!a->family || !inet_ntop(a->family, a->family == AF_INET ? a->addr.b + 12 :
				     a->addr.b, buf, INET6_ADDRSTRLEN))
		strcpy(buf, "?");
	return buf;
}

static int parse_name(struct cfg_ctx *c, const struct cfg_key *k, const char *val,
		      char *field)
{
	char e[CFG_VAL_ECHO + 4];
	size_t len = strlen(val);

	if (!srd_config_name_ok(val, k->max))
		return cfg_error(c, "\"%s\" is not a valid name (1..%" PRIu64
				 " characters of A-Z a-z 0-9 . _ -)", cfg_echo(val, e), k->max);
	memcpy(field, val, len + 1);
	return 0;
}

static int hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int parse_spi(struct cfg_ctx *c, const struct cfg_key *k, const char *val,
		     uint64_t *v)
{
	char e[CFG_VAL_ECHO + 4];
	size_t i, len = strlen(val);

	*v = SRD_CONFIG_SPI_AUTO;
	if (strcmp(val, "auto") == 0)
		return 0;
	if (len < 3 || len > 10 || val[0] != '0' || (val[1] != 'x' && val[1] != 'X'))
		return cfg_error(c, "\"%s\" is not auto or a hex number (0x1..0x7fffffff)",
				 cfg_echo(val, e));
	for (i = 2; i < len; i++) {
		if (hex_digit(val[i]) < 0)
			return cfg_error(c, "\"%s\" is not auto or a hex number (0x1..0x7fffffff)",
					 cfg_echo(val, e));
		*v = *v << 4 | (uint64_t)hex_digit(val[i]);
	}
	if (*v < k->min || *v > k->max)
		return cfg_error(c, "%s is out of range (0x1..0x7fffffff)", val);
	return 0;
}

static int parse_cipher(struct cfg_ctx *c, const char *val, uint64_t *v)
{
	char e[CFG_VAL_ECHO + 4];

	for (*v = 0; *v < sizeof(ciphers) / sizeof(ciphers[0]); (*v)++)
		if (strcmp(val, ciphers[*v]) == 0)
			return 0;
	return cfg_error(c, "\"%s\" is not a cipher (aes-gcm-128, aes-gcm-256)",
			 cfg_echo(val, e));
}

/* Six colon-separated pairs of hex digits. */
static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned i;

	if (strlen(s) != 17)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		int hi = hex_digit(s[3 * i]), lo = hex_digit(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int list_mac(struct cfg_ctx *c, const char *ent, struct srd_config_macs *m)
{
	static const uint8_t zero[6];
	char e[CFG_VAL_ECHO + 4];
	uint8_t mac[6];
	unsigned i;

	if (parse_mac(ent, mac))
		return cfg_error(c, "\"%s\" is not a MAC address (02:00:00:00:00:01)",
				 cfg_echo(ent, e));
	if (mac[0] & 1)
		return cfg_error(c, "%s is a multicast address", ent);
	if (!memcmp(mac, zero, 6))
		return cfg_error(c, "%s is all zeros", ent);
	for (i = 0; i < m->n; i++)
		if (!memcmp(m->mac[i], mac, 6))
			return cfg_error(c, "%s is listed twice", ent);
	memcpy(m->mac[m->n++], mac, 6);
	return 0;
}

static int list_vni(struct cfg_ctx *c, const char *ent, struct srd_config_vnis *l)
{
	static const struct cfg_key vni = { "vni", CT_UINT, 0, 4, false, 1, SRD_CONFIG_VNI_MAX };
	uint64_t v;
	unsigned i;

	if (parse_uint(c, &vni, ent, &v))
		return -EINVAL;
	for (i = 0; i < l->n; i++)
		if (l->vni[i] == v)
			return cfg_error(c, "%s is listed twice", ent);
	l->vni[l->n++] = (uint32_t)v;
	return 0;
}

/* Comma-separated entries, blanks around each allowed, none empty. */
static int parse_list(struct cfg_ctx *c, const struct cfg_key *k, const char *val,
		      void *field)
{
	char ent[LIST_ENTRY_MAX + 1], e[CFG_VAL_ECHO + 4];
	const char *p = val, *end;
	size_t len;
	unsigned n;

	for (n = 1;; n++) {
		while (*p == ' ' || *p == '\t')
			p++;
		end = strchr(p, ',');
		len = end ? (size_t)(end - p) : strlen(p);
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (!len)
			return cfg_error(c, "\"%s\": entry %u is empty", cfg_echo(val, e), n);
		if (n > k->max)
			return cfg_error(c, "more than %" PRIu64 " entries", k->max);
		if (len > LIST_ENTRY_MAX)
			return cfg_error(c, "\"%s\": entry %u is longer than %u characters",
					 cfg_echo(val, e), n, LIST_ENTRY_MAX);
		memcpy(ent, p, len);
		ent[len] = '\0';
		if (k->type == CT_MACS ? list_mac(c, ent, field) : list_vni(c, ent, field))
			return -EINVAL;
		if (!end)
			return 0;
		p = end + 1;
	}
}

static int parse_number(struct cfg_ctx *c, const struct cfg_key *k, const char *val,
			uint64_t *v)
{
	char e[CFG_VAL_ECHO + 4];

	switch (k->type) {
	case CT_AUTO:
		*v = 0;
		if (strcmp(val, "auto") == 0)
			return 0;
		if (val[0] < '0' || val[0] > '9')
			return cfg_error(c, "\"%s\" is not auto or a decimal number",
					 cfg_echo(val, e));
		return parse_uint(c, k, val, v);
	case CT_DUR:
		return parse_dur(c, k, val, v);
	case CT_BOOL:
		return parse_bool(c, val, v);
	case CT_SPI:
		return parse_spi(c, k, val, v);
	case CT_CIPHER:
		return parse_cipher(c, val, v);
	default:
		return parse_uint(c, k, val, v);
	}
}

int cfg_val_parse(struct cfg_ctx *c, const struct cfg_key *k, const char *val,
		  void *field)
{
	uint64_t v;

	switch (k->type) {
	case CT_ADDR:
		return parse_addr(c, val, field);
	case CT_PATH:
		return parse_path(c, k, val, field);
	case CT_NAME:
		return parse_name(c, k, val, field);
	case CT_VNIS:
	case CT_MACS:
		return parse_list(c, k, val, field);
	default:
		if (parse_number(c, k, val, &v))
			return -EINVAL;
		store(field, k->width, v);
		return 0;
	}
}

/* Where text continues in buf after len bytes, and the room left there. */
static char *at(char *buf, size_t cap, size_t len, size_t *room)
{
	*room = len < cap ? cap - len : 0;
	return *room ? buf + len : NULL;
}

/* A path quoted when the raw form would not read back the same. */
static size_t fmt_path(const char *s, char *buf, size_t cap)
{
	size_t len = strlen(s), n = 0, i, room;
	char *p;

	if (!strpbrk(s, "#\"") && len && s[len - 1] != ' ' && s[len - 1] != '\t')
		return (size_t)snprintf(buf, cap, "%s", s);
	n += (size_t)snprintf(buf, cap, "\"");
	for (i = 0; i < len; i++) {
		p = at(buf, cap, n, &room);

		n += (size_t)snprintf(p, room, "%s%c",
				      s[i] == '"' || s[i] == '\\' ? "\\" : "", s[i]);
	}
	p = at(buf, cap, n, &room);
	return n + (size_t)snprintf(p, room, "\"");
}

static size_t fmt_list(const struct cfg_key *k, const void *field, char *buf, size_t cap)
{
	const struct srd_config_macs *m = field;
	const struct srd_config_vnis *l = field;
	unsigned i, n = k->type == CT_MACS ? m->n : l->n;
	size_t len = 0;

	for (i = 0; i < n; i++) {
		size_t room;
		char *p = at(buf, cap, len, &room);

		if (k->type == CT_MACS) {
			const uint8_t *a = m->mac[i];

			len += (size_t)snprintf(p, room, "%s%02x:%02x:%02x:%02x:%02x:%02x",
						i ? ", " : "", a[0], a[1], a[2], a[3], a[4], a[5]);
		} else
			len += (size_t)snprintf(p, room, "%s%" PRIu32, i ? ", " : "", l->vni[i]);
	}
	return len;
}

static size_t fmt_addr(const struct srd_config_addr *a, char *buf, size_t cap)
{
	char s[INET6_ADDRSTRLEN];

	if (!inet_ntop(a->family, a->family == AF_INET ? a->addr.b + 12 : a->addr.b,
		       s, sizeof(s)))
		strcpy(s, "?");
	return (size_t)snprintf(buf, cap, "%s", s);
}

static size_t fmt_number(const struct cfg_key *k, uint64_t v, char *buf, size_t cap)
{
	switch (k->type) {
	case CT_DUR:
		return fmt_dur(v, buf, cap);
	case CT_BOOL:
		return (size_t)snprintf(buf, cap, "%s", v ? "yes" : "no");
	case CT_SPI:
		return v ? (size_t)snprintf(buf, cap, "0x%" PRIx64, v)
			 : (size_t)snprintf(buf, cap, "auto");
	case CT_CIPHER:
		return (size_t)snprintf(buf, cap, "%s", v < 2 ? ciphers[v] : "?");
	case CT_AUTO:
		if (!v)
			return (size_t)snprintf(buf, cap, "auto");
		/* fall through */
	default:
		return (size_t)snprintf(buf, cap, "%" PRIu64, v);
	}
}

size_t cfg_val_format(const struct cfg_key *k, const void *field, char *buf, size_t cap)
{
	switch (k->type) {
	case CT_ADDR:
		return fmt_addr(field, buf, cap);
	case CT_PATH:
		return fmt_path(field, buf, cap);
	case CT_NAME:
		return (size_t)snprintf(buf, cap, "%s", (const char *)field);
	case CT_VNIS:
	case CT_MACS:
		return fmt_list(k, field, buf, cap);
	default:
		return fmt_number(k, load(field, k->width), buf, cap);
	}
}
