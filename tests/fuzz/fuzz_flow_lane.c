// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_flow_lane.c: libFuzzer target for the guest frame parser that picks a reorder
 * lane (dp_flow_lane in vswitch/dp_guest.c). Byte 0 picks the lane count; the rest is
 * the frame. Aborts unless the lane is in range, the same frame gives the same lane,
 * and bytes past the headers it may read (Ethernet 14 + two VLAN tags 8 + IPv4 with
 * options 60 + ports 4, or IPv6 40 + ports 4) never change it.
 */
#include <stdlib.h>
#include <string.h>

#include "vswitch/dp_int.h"

#define HDR_MAX (14 + 8 + 60 + 4)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t frame[2048];
	uint16_t lanes, lane;
	size_t len;

	if (size < 1 + 14)
		return 0;
	lanes = (uint16_t)(1 + data[0] * 256u);   /* 1..65281 */
	len = size - 1 < sizeof(frame) ? size - 1 : sizeof(frame);
	memcpy(frame, data + 1, len);
	lane = dp_flow_lane(frame, len, lanes);
	if (lane >= lanes || dp_flow_lane(frame, len, lanes) != lane)
		abort();
	if (len > HDR_MAX) {
		memset(frame + HDR_MAX, 0xa5, len - HDR_MAX);
		if (dp_flow_lane(frame, len, lanes) != lane)
			abort();
	}
	return 0;
}
