/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctl_render.c: a reply as aligned text for people (ctl/ctl_render.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ctl/ctl_render.h"

#define INDENT 2        /* per nesting level */
#define COLUMN_GAP 2    /* spaces between table columns */
#define NUM_BUF 32      /* a double as text */

/* Where the text goes. */
struct out {
	FILE *f;   /* the stream */
	int err;   /* first failure: -ENOMEM */
};

/* A table column: one member name of the rows. */
struct column {
	const char *key;   /* the member, and the header */
	size_t width;      /* widest cell, header included */
	bool numeric;      /* every present cell is a number (or null): right-aligned */
};

/* A table's columns. */
struct table {
	struct column *col;   /* in order of first appearance */
	size_t n;             /* columns in use */
	size_t cap;           /* columns allocated */
};

static void render_block(struct out *o, struct json_object *v, int indent);

/* ---- values ---- */

static bool is_scalar(struct json_object *v)
{
	enum json_type t = json_object_get_type(v);

	return t != json_type_object && t != json_type_array;
}

static bool is_number(struct json_object *v)
{
	return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
}

static size_t length(struct json_object *v)
{
	if (json_object_is_type(v, json_type_object))
		return (size_t)json_object_object_length(v);
	if (json_object_is_type(v, json_type_array))
		return json_object_array_length(v);
	return 1;
}

/* An array whose elements are all scalars. */
static bool is_list(struct json_object *v)
{
	size_t i, n;

	if (!json_object_is_type(v, json_type_array))
		return false;
	n = json_object_array_length(v);
	for (i = 0; i < n; i++)
		if (!is_scalar(json_object_array_get_idx(v, i)))
			return false;
	return true;
}

/* A value that fits on its key's line. */
static bool is_line(struct json_object *v)
{
	return is_scalar(v) || !length(v) || is_list(v);
}

static bool is_flat(struct json_object *v)
{
	if (!json_object_is_type(v, json_type_object) || !length(v))
		return false;
	json_object_object_foreach(v, key, val) {
		(void)key;
		if (!is_line(val))
			return false;
	}
	return true;
}

/* A non-empty array of non-empty objects whose members fit on a line. */
static bool is_table(struct json_object *v)
{
	size_t i, n;

	if (!json_object_is_type(v, json_type_array) || !length(v))
		return false;
	n = json_object_array_length(v);
	for (i = 0; i < n; i++)
		if (!is_flat(json_object_array_get_idx(v, i)))
			return false;
	return true;
}

/*
 * A double for people: 6 significant digits, more while the integer part needs
 * them. The JSON may carry 17 (41.299999999999997 for 41.3).
 */
static const char *double_text(double d, char buf[NUM_BUF])
{
	double a = d < 0 ? -d : d;
	int prec = 6;

	snprintf(buf, NUM_BUF, "%.*g", prec, d);
	while (strchr(buf, 'e') && a >= 1 && a < 1e17 && prec < 17)
		snprintf(buf, NUM_BUF, "%.*g", ++prec, d);
	return buf;
}

/* A scalar's text; buf holds it when it is made up here. */
static const char *scalar_text(struct json_object *v, char buf[NUM_BUF])
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return "-";
	case json_type_boolean:
		return json_object_get_boolean(v) ? "yes" : "no";
	case json_type_string:
		return json_object_get_string_len(v) ? json_object_get_string(v) : "\"\"";
	case json_type_double:
		return double_text(json_object_get_double(v), buf);
	default:
		return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
	}
}

/* ---- text ---- */

/* Width of s on a terminal: its UTF-8 characters. */
static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

static void put_text(struct out *o, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < ' ' || *s == 0x7f ? '?' : *s, o->f);
}

static void pad(struct out *o, size_t n)
{
	while (n--)
		fputc(' ', o->f);
}

static void put_value(struct out *o, struct json_object *v)
{
	char buf[NUM_BUF];
	size_t i, n;

	if (is_scalar(v)) {
		put_text(o, scalar_text(v, buf));
		return;
	}
	n = length(v);
	if (!n)
		fputs("(none)", o->f);
	for (i = 0; i < n; i++) {
		if (i)
			fputs(", ", o->f);
		put_text(o, scalar_text(json_object_array_get_idx(v, i), buf));
	}
}

/* Width of what put_value() writes. */
static size_t value_width(struct json_object *v)
{
	char buf[NUM_BUF];
	size_t i, n, w = 0;

	if (is_scalar(v))
		return text_width(scalar_text(v, buf));
	n = length(v);
	if (!n)
		return strlen("(none)");
	for (i = 0; i < n; i++)
		w += text_width(scalar_text(json_object_array_get_idx(v, i), buf));
	return w + (n - 1) * strlen(", ");
}

/* A member: `key: value` with the value in column key_w + 2, or a block. */
static void render_member(struct out *o, const char *key, size_t key_w,
			  struct json_object *v, int indent)
{
	pad(o, (size_t)indent);
	put_text(o, key);
	fputc(':', o->f);
	if (!is_line(v)) {
		fputc('\n', o->f);
		render_block(o, v, indent + INDENT);
		return;
	}
	pad(o, key_w - text_width(key) + 1);
	put_value(o, v);
	fputc('\n', o->f);
}

/* ---- objects and arrays ---- */

static void render_object(struct out *o, struct json_object *obj, int indent)
{
	size_t key_w = 0;

	{
		json_object_object_foreach(obj, key, val) {
			if (is_line(val) && text_width(key) > key_w)
				key_w = text_width(key);
		}
	}
	{
		json_object_object_foreach(obj, key, val)
			render_member(o, key, key_w, val, indent);
	}
}

/* Elements of an array that is neither a list nor a table, as members [i]. */
static void render_items(struct out *o, struct json_object *a, int indent)
{
	size_t i, n = json_object_array_length(a), key_w = 0;
	char key[32];

	for (i = 0; i < n; i++)
		if (is_line(json_object_array_get_idx(a, i)))
			key_w = (size_t)snprintf(key, sizeof(key), "[%zu]", i);
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "[%zu]", i);
		render_member(o, key, key_w, json_object_array_get_idx(a, i), indent);
	}
}

/* The column for key, added if new; NULL when out of memory. */
static struct column *column_of(struct table *t, const char *key)
{
	struct column *col;
	size_t i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->col[i].key, key))
			return &t->col[i];
	if (t->n == t->cap) {
		col = realloc(t->col, (t->cap ? 2 * t->cap : 8) * sizeof(*col));
		if (!col)
			return NULL;
		t->col = col;
		t->cap = t->cap ? 2 * t->cap : 8;
	}
	col = &t->col[t->n++];
	col->key = key;
	col->width = text_width(key);
	col->numeric = true;
	return col;
}

static int add_row(struct table *t, struct json_object *row)
{
	struct column *c;
	size_t w;

	json_object_object_foreach(row, key, val) {
		c = column_of(t, key);
		if (!c)
			return -ENOMEM;
		w = value_width(val);
		if (w > c->width)
			c->width = w;
		if (!is_number(val) && !json_object_is_type(val, json_type_null))
			c->numeric = false;
	}
	return 0;
}

/* One row, or the header when row is NULL. */
static void put_row(struct out *o, const struct table *t, struct json_object *row,
		    int indent)
{
	const struct column *c;
	struct json_object *v;
	size_t gap;

	pad(o, (size_t)indent);
	for (c = t->col; c < t->col + t->n; c++) {
		v = NULL;
		if (!row)
			gap = c->width - text_width(c->key);
		else if (json_object_object_get_ex(row, c->key, &v))
			gap = c->width - value_width(v);
		else
			gap = c->width - 1;   /* "-" */
		if (c > t->col)
			pad(o, COLUMN_GAP);
		if (c->numeric)
			pad(o, gap);
		if (!row)
			put_text(o, c->key);
		else
			put_value(o, v);   /* a missing member is NULL, printed "-" like null */
		if (!c->numeric && c + 1 < t->col + t->n)
			pad(o, gap);
	}
	fputc('\n', o->f);
}

static void render_table(struct out *o, struct json_object *a, int indent)
{
	size_t i, n = json_object_array_length(a);
	struct table t = { 0 };

	for (i = 0; i < n && !o->err; i++)
		o->err = add_row(&t, json_object_array_get_idx(a, i));
	if (!o->err) {
		put_row(o, &t, NULL, indent);
		for (i = 0; i < n; i++)
			put_row(o, &t, json_object_array_get_idx(a, i), indent);
	}
	free(t.col);
}

/* A value that needs lines of its own: an object or an array. */
static void render_block(struct out *o, struct json_object *v, int indent)
{
	if (json_object_is_type(v, json_type_object))
		render_object(o, v, indent);
	else if (is_table(v))
		render_table(o, v, indent);
	else
		render_items(o, v, indent);
}

int srd_ctl_render(FILE *f, struct json_object *v)
{
	struct out o = { .f = f };

	if (is_line(v) && !json_object_is_type(v, json_type_object)) {
		put_value(&o, v);
		fputc('\n', f);
	} else {
		render_block(&o, v, 0);
	}
	if (o.err)
		return o.err;
	return ferror(f) ? -EIO : 0;
}
