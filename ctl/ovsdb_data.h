/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ovsdb_data.h: reading OVSDB data (RFC 7047 §5.1) and keeping a replica of
 * monitored tables.
 *
 * Datums as they come in JSON: an atom (string, integer, real, boolean, or
 * ["uuid", "..."]), a set ["set", [atoms]] (a set of exactly one element may also be
 * the bare atom), a map ["map", [[key, value], ...]]. The readers below never fail
 * loudly: a datum of the wrong shape reads as absent (NULL, or the default).
 *
 * The replica is a JSON object {table: {uuid: row}} where row is the latest "new"
 * of RFC 7047 §4.1.6 <row-update> for every monitored column (a monitor of version 1
 * sends all of them for an insert or an initial row, and only the changed ones, in
 * "new", for a modify; srd_ovsdb_replica_apply merges those).
 */
#ifndef SRD_CTL_OVSDB_DATA_H
#define SRD_CTL_OVSDB_DATA_H

#include <stdbool.h>
#include <stdint.h>

struct json_object;

#define SRD_OVSDB_UUID_LEN 36u   /* characters of a UUID's text form */

/* The string value of key in a map datum of strings, or NULL. */
const char *srd_ovsdb_map_get(struct json_object *map, const char *key);
/* A string atom, or a set holding exactly one string; NULL otherwise. */
const char *srd_ovsdb_string(struct json_object *datum);
/* An integer atom, or a set holding exactly one; dflt otherwise. */
int64_t srd_ovsdb_integer(struct json_object *datum, int64_t dflt);
/* The text of a ["uuid", "..."] atom, or NULL. */
const char *srd_ovsdb_uuid(struct json_object *datum);
/* Column col of row, or NULL. */
struct json_object *srd_ovsdb_col(struct json_object *row, const char *col);

/* Builders for transactions (RFC 7047 §5.2); NULL only without memory. */
/* [[col, "==", value]] (value consumed) */
struct json_object *srd_ovsdb_where_eq(const char *col, struct json_object *value);
/* [["_uuid", "==", ["uuid", uuid]]] */
struct json_object *srd_ovsdb_where_uuid(const char *uuid);
/* {"op": op, "table": table, "where": where} (where consumed); the caller adds the rest */
struct json_object *srd_ovsdb_op(const char *op, const char *table,
				 struct json_object *where);
/* A JSON array of the strings of a NULL-terminated list */
struct json_object *srd_ovsdb_strings(const char *const *s);
/* [k, v] of two strings, an element of a map datum */
struct json_object *srd_ovsdb_pair(const char *k, const char *v);
/* [col, op, [tag, elems]]: a <mutation> with a "set" or "map" datum (elems consumed) */
struct json_object *srd_ovsdb_mutation(const char *col, const char *op, const char *tag,
				       struct json_object *elems);

/* A new, empty replica (NULL without memory). */
struct json_object *srd_ovsdb_replica_new(void);
/* Apply a <table-updates> object (a monitor reply's result, or an "update"
 * notification's second param). 0, or -EPROTO when it is malformed (the replica
 * may then be partly updated: resynchronise), -ENOMEM. */
int srd_ovsdb_replica_apply(struct json_object *replica, struct json_object *updates);
/* The rows of table, a JSON object {uuid: row}, or NULL when there are none. */
struct json_object *srd_ovsdb_replica_table(struct json_object *replica,
					    const char *table);

#endif
