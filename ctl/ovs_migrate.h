/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ovs_migrate.h: the OVSDB transaction that turns a VXLAN or GENEVE Interface into
 * an SRD port, or back (srdctl ovs-migrate, docs/ovs.md "Migrating").
 *
 * Forward, for a row of type vxlan or geneve:
 *   options:remote_ip  -> external_ids:srd-remote-ip
 *   options:key        -> external_ids:srd-vni (key 0 or none: srd-vni unset, VNI 1)
 *   options:local_ip   -> Open_vSwitch external_ids:srd-local-ip, when that is unset
 *   type, options      -> "" (a system port: srd-vswitchd makes its tap) and {}; the
 *                         old ones are kept in srd-migrated-from and
 *                         srd-saved-options (JSON) for --revert
 *   ofport             -> ofport_request, unless one is set: OpenFlow rules that
 *                         name the port keep working
 * The Port row (VLAN tag, trunks, bond) is not touched: the Interface stays in it.
 * Flow-based settings (remote_ip=flow, key=flow, local_ip=flow, in_key/out_key) have
 * no SRD equivalent, so such a row is refused, with the reason; other options
 * (dst_port, tos, ttl, csum, df_default, ...) are listed as not carried over.
 *
 * Revert, for an SRD row: type and options come back from srd-saved-options, or,
 * for a port made as SRD from the start, from srd-remote-ip/srd-vni and the given
 * type; every srd-* key of the row is removed.
 *
 * The transaction first waits (timeout 0) for type and options to still be what
 * was read, so a concurrent change makes it fail instead of being overwritten.
 */
#ifndef SRD_CTL_OVS_MIGRATE_H
#define SRD_CTL_OVS_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>

struct json_object;

/* The columns srd_ovs_migrate_plan reads, for the select that fetches the rows. */
extern const char *const srd_ovs_migrate_iface_cols[];

/* What to do and how. */
struct srd_ovs_migrate_req {
	const char *iface;        /* Interface name */
	bool revert;              /* back to VXLAN/GENEVE */
	const char *revert_type;  /* type for a row with no saved one: vxlan or geneve */
};

/*
 * Build the transaction (the params of "transact": ["Open_vSwitch", op, ...], which
 * the caller puts) from the
 * Interface row iface (columns srd_ovs_migrate_iface_cols, _uuid included) and the
 * Open_vSwitch row ovs (_uuid, external_ids; may be NULL).
 * 0 with *ops, and in msg a one-line summary plus "note: ..." lines; or
 *   -EALREADY  nothing to do (already SRD, or already not SRD), reason in msg
 *   -EINVAL    the row cannot be migrated, reason in msg
 *   -ENOMEM
 */
int srd_ovs_migrate_plan(const struct srd_ovs_migrate_req *req,
			 struct json_object *iface, struct json_object *ovs,
			 struct json_object **ops, char *msg, size_t msg_len);

#endif
