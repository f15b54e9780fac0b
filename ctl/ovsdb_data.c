// SPDX-License-Identifier: Apache-2.0
/*
 * ovsdb_data.c: OVSDB datums and the monitor replica (ctl/ovsdb_data.h).
 */
#include <errno.h>
#include <string.h>

#include <json-c/json.h>

#include "ctl/ovsdb_data.h"

/* ["TAG", x]: x, or NULL when datum is not a two-element array tagged TAG. */
static struct json_object *tagged(struct json_object *datum, const char *tag)
{
	struct json_object *t;

	if (!json_object_is_type(datum, json_type_array) ||
	    json_object_array_length(datum) != 2)
		return NULL;
	t = json_object_array_get_idx(datum, 0);
	if (!json_object_is_type(t, json_type_string) || strcmp(json_object_get_string(t), tag))
		return NULL;
	return json_object_array_get_idx(datum, 1);
}

/* The one element of a one-element set, or datum itself when it is not a set. */
static struct json_object *single(struct json_object *datum)
{
	struct json_object *elems = tagged(datum, "set");

	if (!elems)
		return datum;
	if (!json_object_is_type(elems, json_type_array) ||
	    json_object_array_length(elems) != 1)
		return NULL;
	return json_object_array_get_idx(elems, 0);
}

const char *srd_ovsdb_map_get(struct json_object *map, const char *key)
{
	struct json_object *pairs = tagged(map, "map");
	size_t i, n;

	if (!json_object_is_type(pairs, json_type_array))
		return NULL;
	n = json_object_array_length(pairs);
	for (i = 0; i < n; i++) {
		struct json_object *kv = json_object_array_get_idx(pairs, i), *k, *v;

		if (!json_object_is_type(kv, json_type_array) ||
		    json_object_array_length(kv) != 2)
			continue;
		k = json_object_array_get_idx(kv, 0);
		v = json_object_array_get_idx(kv, 1);
		if (json_object_is_type(k, json_type_string) &&
		    json_object_is_type(v, json_type_string) &&
		    !strcmp(json_object_get_string(k), key))
			return json_object_get_string(v);
	}
	return NULL;
}

const char *srd_ovsdb_string(struct json_object *datum)
{
	struct json_object *a = single(datum);

	return json_object_is_type(a, json_type_string) ? json_object_get_string(a) : NULL;
}

int64_t srd_ovsdb_integer(struct json_object *datum, int64_t dflt)
{
	struct json_object *a = single(datum);

	return json_object_is_type(a, json_type_int) ? json_object_get_int64(a) : dflt;
}

const char *srd_ovsdb_uuid(struct json_object *datum)
{
	struct json_object *u = tagged(datum, "uuid");

	if (!json_object_is_type(u, json_type_string) ||
	    json_object_get_string_len(u) != SRD_OVSDB_UUID_LEN)
		return NULL;
	return json_object_get_string(u);
}

struct json_object *srd_ovsdb_col(struct json_object *row, const char *col)
{
	struct json_object *v;

	if (!json_object_is_type(row, json_type_object) ||
	    !json_object_object_get_ex(row, col, &v))
		return NULL;
	return v;
}

/* ---- builders ---- */

static struct json_object *two(struct json_object *a, struct json_object *b)
{
	struct json_object *arr = json_object_new_array();

	json_object_array_add(arr, a);
	json_object_array_add(arr, b);
	return arr;
}

struct json_object *srd_ovsdb_where_eq(const char *col, struct json_object *value)
{
	struct json_object *cond = json_object_new_array(), *where = json_object_new_array();

	json_object_array_add(cond, json_object_new_string(col));
	json_object_array_add(cond, json_object_new_string("=="));
	json_object_array_add(cond, value);
	json_object_array_add(where, cond);
	return where;
}

struct json_object *srd_ovsdb_where_uuid(const char *uuid)
{
	return srd_ovsdb_where_eq("_uuid", two(json_object_new_string("uuid"),
					       json_object_new_string(uuid)));
}

struct json_object *srd_ovsdb_op(const char *op, const char *table,
				 struct json_object *where)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "op", json_object_new_string(op));
	json_object_object_add(o, "table", json_object_new_string(table));
	json_object_object_add(o, "where", where);
	return o;
}

struct json_object *srd_ovsdb_strings(const char *const *s)
{
	struct json_object *arr = json_object_new_array();

	for (; *s; s++)
		json_object_array_add(arr, json_object_new_string(*s));
	return arr;
}

struct json_object *srd_ovsdb_pair(const char *k, const char *v)
{
	return two(json_object_new_string(k), json_object_new_string(v));
}

struct json_object *srd_ovsdb_mutation(const char *col, const char *op, const char *tag,
				       struct json_object *elems)
{
	struct json_object *m = json_object_new_array();

	json_object_array_add(m, json_object_new_string(col));
	json_object_array_add(m, json_object_new_string(op));
	json_object_array_add(m, two(json_object_new_string(tag), elems));
	return m;
}

/* ---- replica ---- */

struct json_object *srd_ovsdb_replica_new(void)
{
	return json_object_new_object();
}

struct json_object *srd_ovsdb_replica_table(struct json_object *replica,
					    const char *table)
{
	struct json_object *t;

	return json_object_object_get_ex(replica, table, &t) ? t : NULL;
}

/* Merge the columns of new into the row held for uuid (or start one). */
static int row_merge(struct json_object *rows, const char *uuid,
		     struct json_object *new)
{
	struct json_object *row;

	if (!json_object_object_get_ex(rows, uuid, &row)) {
		row = json_object_new_object();
		if (!row || json_object_object_add(rows, uuid, row)) {
			json_object_put(row);
			return -ENOMEM;
		}
	}
	json_object_object_foreach(new, col, val) {
		if (json_object_object_add(row, col, json_object_get(val)))
			return -ENOMEM;
	}
	return 0;
}

static int table_apply(struct json_object *rows, struct json_object *updates)
{
	json_object_object_foreach(updates, uuid, upd) {
		struct json_object *new;
		int err;

		if (strlen(uuid) != SRD_OVSDB_UUID_LEN ||
		    !json_object_is_type(upd, json_type_object))
			return -EPROTO;
		if (!json_object_object_get_ex(upd, "new", &new)) {
			json_object_object_del(rows, uuid);     /* deleted */
			continue;
		}
		if (!json_object_is_type(new, json_type_object))
			return -EPROTO;
		err = row_merge(rows, uuid, new);
		if (err)
			return err;
	}
	return 0;
}

int srd_ovsdb_replica_apply(struct json_object *replica, struct json_object *updates)
{
	if (!json_object_is_type(updates, json_type_object))
		return -EPROTO;
	json_object_object_foreach(updates, table, tu) {
		struct json_object *rows;
		int err;

		if (!json_object_is_type(tu, json_type_object))
			return -EPROTO;
		if (!json_object_object_get_ex(replica, table, &rows)) {
			rows = json_object_new_object();
			if (!rows || json_object_object_add(replica, table, rows)) {
				json_object_put(rows);
				return -ENOMEM;
			}
		}
		err = table_apply(rows, tu);
		if (err)
			return err;
	}
	return 0;
}
