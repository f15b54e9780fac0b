/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_fmt.c: a struct srd_config written back as a config file (every key
 * explicit, values canonical), the engine settings for one peer, peer lookup.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ctl/config_int.h"

/* Text being written: like snprintf, len counts what did not fit too. */
struct out {
	char *buf;   /* destination */
	size_t cap;  /* its size */
	size_t len;  /* length of the whole text so far */
};

static char *tail(struct out *o, size_t *room)
{
	*room = o->len < o->cap ? o->cap - o->len : 0;
	return *room ? o->buf + o->len : NULL;
}

static void add(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct out *o, const char *fmt, ...)
{
	size_t room;
	char *p = tail(o, &room);
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(p, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

static bool list_empty(const struct cfg_key *k, const void *field)
{
	if (k->type == CT_MACS)
		return ((const struct srd_config_macs *)field)->n == 0;
	if (k->type == CT_VNIS)
		return ((const struct srd_config_vnis *)field)->n == 0;
	return false;
}

static void add_section(struct out *o, const struct srd_config *cfg, enum cfg_sect_id s,
			unsigned i)
{
	const struct cfg_sect *sd = &cfg_sects[s];
	const char *inst = cfg_inst_const(cfg, s, i);
	char desc[112], *p;
	size_t room;
	unsigned k;

	cfg_sect_desc(cfg, s, i, desc, sizeof(desc));
	add(o, "%s%s\n", o->len ? "\n" : "", desc);
	for (k = 0; k < sd->nkeys; k++) {
		if (list_empty(&sd->keys[k], inst + sd->keys[k].off))
			continue;
		add(o, "%s = ", sd->keys[k].name);
		p = tail(o, &room);
		o->len += cfg_val_format(&sd->keys[k], inst + sd->keys[k].off, p, room);
		add(o, "\n");
	}
}

size_t srd_config_format(const struct srd_config *cfg, char *buf, size_t cap)
{
	struct out o = { .buf = buf, .cap = cap };
	unsigned s, i;

	if (cap)
		buf[0] = '\0';
	for (s = 0; s < CS_PORT; s++)
		add_section(&o, cfg, s, 0);
	for (i = 0; i < cfg->n_ports; i++)
		add_section(&o, cfg, CS_PORT, i);
	for (i = 0; i < cfg->n_peers; i++)
		add_section(&o, cfg, CS_PEER, i);
	for (i = 0; i < cfg->n_p2p; i++)
		add_section(&o, cfg, CS_P2P, i);
	return o.len;
}

int srd_config_to_conn_cfg(const struct srd_config *cfg, unsigned peer,
			   struct srd_conn_cfg *out)
{
	const struct srd_config_engine *e = &cfg->engine;

	if (peer >= cfg->n_peers)
		return -EINVAL;
	srd_conn_cfg_default(out);
	out->npaths = cfg->peers[peer].paths;
	out->lanes = (uint16_t)e->lanes;
	out->max_payload = e->max_payload;
	out->send_slots = e->send_slots;
	out->rob_slots = e->rob_slots;
	out->rob_ring = e->rob_ring;
	out->ack_delay_ns = e->ack_delay_ns;
	out->ack_every = e->ack_every;
	out->initial_rtt_ns = e->initial_rtt_ns;
	out->pto_floor_ns = e->pto_floor_ns;
	out->giveup_ns = e->giveup_ns;
	out->giveup_tries = e->giveup_tries;
	out->hold_ns = e->hold_ns;
	out->probe_interval_ns = e->probe_interval_ns;
	out->dead_after = e->dead_after;
	out->target_delay_ns = e->target_delay_ns;
	out->cwnd_init = e->cwnd_init;
	out->cwnd_min = e->cwnd_min;
	out->cwnd_max = e->cwnd_max;
	out->path_cap = e->path_cap;
	out->pacing = e->pacing;
	return 0;
}

int srd_config_peer_find(const struct srd_config *cfg, const char *name)
{
	unsigned i;

	for (i = 0; i < cfg->n_peers; i++)
		if (strcmp(cfg->peers[i].name, name) == 0)
			return (int)i;
	return -ENOENT;
}
