/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctl_render.h: srdctl's rendering of a reply for people (docs/control.md, "Output").
 * It knows nothing of the commands: the shape of the JSON decides the layout.
 *
 * An object's members, in their order:
 *   - a scalar: a `key: value` line. Strings print bare (an empty one as ""),
 *     true/false as yes/no, null as -, integers as in the JSON, other numbers
 *     with 6 significant digits (more if the integer part has more);
 *   - an array of scalars: `key: a, b, c`; an empty array or object: `key: (none)`.
 *     The values of these lines start in one column, per object;
 *   - an object: a `key:` heading, then its members indented by two spaces;
 *   - a non-empty array of objects whose members all fit on a line (as above): a
 *     `key:` heading, then an indented table: a header row of the keys (the first
 *     object's order, then keys new in later objects), a row per object, columns
 *     two spaces apart, numeric columns right-aligned, "-" for a missing member;
 *   - any other array: a `key:` heading, then its elements as members named
 *     [0], [1], ...
 * Control characters in strings print as '?'; widths count UTF-8 characters.
 */
#ifndef SRD_CTL_CTL_RENDER_H
#define SRD_CTL_CTL_RENDER_H

#include <stdio.h>

struct json_object;

/* Write v (normally an object) to f. Returns 0, -ENOMEM, or -EIO if f failed. */
int srd_ctl_render(FILE *f, struct json_object *v);

#endif
