/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn_session.c: binding a connection to its peer's session (protocol.md §4.4).
 *
 * A session is a connection's first_pn: its host's CLOCK_REALTIME in ns when it was
 * created, so a restarted host's session is newer than any it had before. States
 * (enum sess_state), in the only order they are taken:
 *   UNBOUND    the peer has not echoed our session. Only HELLO-only packets leave;
 *              records that arrive are refused (unbound_drops); frames wait queued.
 *   BOUND      a HELLO from the peer's newest session echoed ours. Records flow
 *              both ways, and every packet we send carries HELLO(local, remote):
 *              the peer may still be unbound, and the HELLO binds it.
 *   CONFIRMED  records arrived from the peer's session. Only a bound connection
 *              sends records, so the peer is bound to us: packets go without HELLO.
 * A newer session from the peer at a bound connection means the peer restarted:
 * sess_rx() says -ECONNRESET, and the caller replaces the connection.
 *
 * Timer: hello_at (UNBOUND only). A HELLO-only packet leaves at creation, then every
 * backoff (probe_interval, doubling up to HELLO_BACKOFF_MAX); at once when a newer
 * peer session is learned; within probe_interval of the last one when the peer
 * shows it does not know our session (a HELLO echoing something else, or records).
 * srd_conn_next_expiry() reports it and srd_conn_write() sends it.
 *
 * Why a reset never causes another (no ping-pong). Connections keep their session
 * for life and remote sessions only grow, so a bound connection only ever echoes
 * the one session it is bound to. Say X, bound to y, hears y' > y and is replaced
 * by X' (x' > x). For Y' (session y') to reset on hearing x', it would have to be
 * bound to an older session of X's host, i.e. to have heard that session echo y'.
 * X never echoed y' (it was bound to y). Older connections of X's host were gone
 * before X existed, while Y echoed x, so Y outlived X's creation and Y' was created
 * later still: none of them ever heard y'. So Y' is unbound (it takes x' as its
 * remote) or bound to x' already: one restart costs the peer at most one reset.
 *
 * Why old packets cannot be replayed into a new connection, whose replay window is
 * fresh: a packet below the bound remote session is refused, and binding takes a
 * HELLO that echoes our session, which did not exist before this connection. So
 * every packet it accepts was sent to it, and its own window refuses a copy.
 */
#include <errno.h>

#include "encap/conn_int.h"

#define HELLO_BACKOFF_MAX 1000000000ull   /* HELLO retries slow down to one a second */

void sess_init(struct srd_conn *c, uint64_t local, uint64_t now)
{
	c->sess = (struct session){
		.state = SESS_UNBOUND, .local = local, .hello_at = now,
		.backoff = c->cfg.probe_interval_ns,
	};
}

/* ---- events ---- */

/* The peer shows it does not know our session: tell it, at most once per
 * probe_interval. */
static void peer_unaware(struct srd_conn *c, uint64_t now)
{
	struct session *s = &c->sess;
	uint64_t at = s->hello_sent ? sat_add(s->hello_last, c->cfg.probe_interval_ns)
				    : now;

	if (at < now)
		at = now;
	if (at < s->hello_at)
		s->hello_at = at;
}

/* A newer peer session: it cannot know ours yet, so tell it at once. */
static void remote_learned(struct srd_conn *c, uint64_t remote, uint64_t now)
{
	c->sess.remote = remote;
	c->sess.hello_at = now;
	c->sess.backoff = c->cfg.probe_interval_ns;
}

static void bind_peer(struct srd_conn *c)
{
	if (c->sess.state != SESS_UNBOUND)
		return;
	c->sess.state = SESS_BOUND;
	c->sess.hello_at = SRD_NEVER;
}

/* Records came from the peer's session: only a bound peer sends them. */
static void confirm_peer(struct srd_conn *c)
{
	if (c->sess.state == SESS_BOUND)
		c->sess.state = SESS_CONFIRMED;
}

/* ---- receiving ---- */

static int refuse_stale(struct srd_conn *c)
{
	c->st.stale_session++;
	return -ESTALE;
}

static int refuse_unbound(struct srd_conn *c, uint64_t now)
{
	c->st.unbound_drops++;
	peer_unaware(c, now);
	return -ENOTCONN;
}

/* UNBOUND: learn the peer's session from its HELLO; bind when it echoes ours. */
static int rx_unbound(struct srd_conn *c, const struct srd_packet *pkt, uint64_t now)
{
	struct session *s = &c->sess;

	if (!pkt->has_hello)
		return refuse_unbound(c, now);
	if (pkt->hello_session < s->remote)
		return refuse_stale(c);
	if (pkt->hello_session > s->remote)
		remote_learned(c, pkt->hello_session, now);
	if (pkt->hello_echo != s->local) {
		if (!srd_packet_hello_only(pkt))
			return refuse_unbound(c, now);
		peer_unaware(c, now);
		return SESS_HANDLED;
	}
	bind_peer(c);
	if (!srd_packet_hello_only(pkt))
		confirm_peer(c);
	return SESS_RECORDS;
}

/* BOUND or CONFIRMED: only the bound peer session, and only once it knows ours. */
static int rx_bound(struct srd_conn *c, const struct srd_packet *pkt)
{
	const struct session *s = &c->sess;

	if (pkt->has_hello && pkt->hello_session > s->remote)
		return -ECONNRESET;            /* the peer restarted; change nothing */
	if (pkt->pn < s->remote)
		return refuse_stale(c);        /* an older session of the peer */
	if (pkt->has_hello &&
	    (pkt->hello_session < s->remote || pkt->hello_echo != s->local))
		return refuse_stale(c);        /* sent before the peer knew us */
	if (!srd_packet_hello_only(pkt))
		confirm_peer(c);
	return SESS_RECORDS;
}

/* Whether a parsed, authenticated, not replayed packet may be used: SESS_RECORDS
 * (apply its records; a HELLO-only one deserves an ACK), SESS_HANDLED (a HELLO
 * taken in, nothing more), or -ESTALE (older session of the peer, or sent before it
 * knew ours), -ENOTCONN (records while unbound), -ECONNRESET (the peer restarted;
 * nothing changed). */
int sess_rx(struct srd_conn *c, const struct srd_packet *pkt, uint64_t now)
{
	if (c->sess.state == SESS_UNBOUND)
		return rx_unbound(c, pkt, now);
	return rx_bound(c, pkt);
}

/* ---- sending ---- */

bool sess_confirmed(const struct srd_conn *c)
{
	return c->sess.state == SESS_CONFIRMED;
}

/* The session block every packet carries until the peer is known to be bound to
 * us: h filled, or NULL once none is needed. */
const struct srd_hello *sess_tx_hello(const struct srd_conn *c, struct srd_hello *h)
{
	if (sess_confirmed(c))
		return NULL;
	h->session = c->sess.local;
	h->echo = c->sess.remote;
	return h;
}

bool sess_hello_due(const struct srd_conn *c, uint64_t now)
{
	return c->sess.state == SESS_UNBOUND && c->sess.hello_at <= now;
}

/* HELLO-only packets take the paths in turn: one dead path cannot stall binding. */
unsigned sess_hello_path(struct srd_conn *c)
{
	return c->sess.hello_path++ % c->cfg.npaths;
}

void sess_hello_sent(struct srd_conn *c, uint64_t now)
{
	struct session *s = &c->sess;
	uint64_t max = c->cfg.probe_interval_ns > HELLO_BACKOFF_MAX ?
		       c->cfg.probe_interval_ns : HELLO_BACKOFF_MAX;

	s->hello_last = now;
	s->hello_sent = true;
	s->hello_at = sat_add(now, s->backoff);
	s->backoff = s->backoff > max / 2 ? max : 2 * s->backoff;
	c->st.hello_tx++;
}

uint64_t sess_next_expiry(const struct srd_conn *c)
{
	return c->sess.state == SESS_UNBOUND ? c->sess.hello_at : SRD_NEVER;
}
