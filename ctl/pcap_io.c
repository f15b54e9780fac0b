/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pcap_io.c: thin wrappers over libpcap for whole-file capture I/O.
 */
#include <stdio.h>
#include <string.h>

#include "ctl/pcap_io.h"

int srd_pcap_open_read(struct srd_pcap *pc, const char *path, char *err, size_t err_len)
{
	char ebuf[PCAP_ERRBUF_SIZE];

	memset(pc, 0, sizeof(*pc));
	pc->path = path;
	pc->p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO,
							ebuf);
	if (!pc->p) {
		snprintf(err, err_len, "%s: %s", path, ebuf);
		return -1;
	}
	if (pcap_datalink(pc->p) != DLT_EN10MB) {
		snprintf(err, err_len, "%s: link type %s, expected Ethernet", path,
			 pcap_datalink_val_to_name(pcap_datalink(pc->p)));
		pcap_close(pc->p);
		pc->p = NULL;
		return -1;
	}
	return 0;
}

int srd_pcap_open_write(struct srd_pcap *pc, const char *path, char *err, size_t err_len)
{
	memset(pc, 0, sizeof(*pc));
	pc->path = path;
	pc->p = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, SRD_PCAP_SNAPLEN,
						     PCAP_TSTAMP_PRECISION_MICRO);
	if (!pc->p) {
		snprintf(err, err_len, "%s: cannot create a capture handle", path);
		return -1;
	}
	pc->dump = pcap_dump_open(pc->p, path);
	if (!pc->dump) {
		snprintf(err, err_len, "%s: %s", path, pcap_geterr(pc->p));
		pcap_close(pc->p);
		pc->p = NULL;
		return -1;
	}
	return 0;
}

int srd_pcap_next(struct srd_pcap *pc, struct srd_pcap_frame *f, char *err, size_t err_len)
{
	struct pcap_pkthdr *hdr;
	const u_char *data;
	int ret = pcap_next_ex(pc->p, &hdr, &data);

	if (ret == PCAP_ERROR_BREAK)
		return 0;
	if (ret != 1) {
		snprintf(err, err_len, "%s: %s", pc->path, pcap_geterr(pc->p));
		return -1;
	}
	f->data = data;
	f->len = hdr->caplen;
	f->orig_len = hdr->len;
	f->ts = hdr->ts;
	return 1;
}

void srd_pcap_write(struct srd_pcap *pc, const struct timeval *ts, const uint8_t *data,
		    size_t len)
{
	struct pcap_pkthdr hdr = {
		.ts = *ts,
		.caplen = (bpf_u_int32)len,
		.len = (bpf_u_int32)len,
	};

	pcap_dump((u_char *)pc->dump, &hdr, data);
}

int srd_pcap_close(struct srd_pcap *pc, char *err, size_t err_len)
{
	int ret = 0;

	if (pc->dump) {
		if (pcap_dump_flush(pc->dump) != 0) {
			snprintf(err, err_len, "%s: write error", pc->path);
			ret = -1;
		}
		pcap_dump_close(pc->dump);
	}
	if (pc->p)
		pcap_close(pc->p);
	memset(pc, 0, sizeof(*pc));
	return ret;
}
