/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pcap_io.h: reading and writing Ethernet captures through libpcap, frame by frame.
 * Readers accept whatever libpcap reads (pcap, pcapng; any byte order or timestamp
 * precision) but only Ethernet link types; writers produce classic pcap files with
 * microsecond timestamps, which tcpdump, tshark and the PSP reference tools read.
 *
 * Functions return 0 (srd_pcap_next: 1 for a frame, 0 at the end) or -1 with a
 * message in err that names the file.
 */
#ifndef SRD_CTL_PCAP_IO_H
#define SRD_CTL_PCAP_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#include <pcap/pcap.h>

#define SRD_PCAP_SNAPLEN 65535u  /* largest frame srdctl reads or writes */

/* One frame read from a capture; valid until the next srd_pcap_next(). */
struct srd_pcap_frame {
	const uint8_t *data;  /* frame bytes */
	size_t len;           /* captured length */
	size_t orig_len;      /* length on the wire (> len when truncated) */
	struct timeval ts;    /* capture time */
};

/* An open capture, in or out. */
struct srd_pcap {
	pcap_t *p;            /* libpcap handle */
	pcap_dumper_t *dump;  /* writer, or NULL for a reader */
	const char *path;     /* file name, for messages */
};

int srd_pcap_open_read(struct srd_pcap *pc, const char *path, char *err, size_t err_len);
int srd_pcap_open_write(struct srd_pcap *pc, const char *path, char *err, size_t err_len);
int srd_pcap_next(struct srd_pcap *pc, struct srd_pcap_frame *f, char *err, size_t err_len);
void srd_pcap_write(struct srd_pcap *pc, const struct timeval *ts, const uint8_t *data,
		    size_t len);
/* Close; for a writer, flush and report a write error. */
int srd_pcap_close(struct srd_pcap *pc, char *err, size_t err_len);

#endif
