#!/usr/bin/env bash
# srdctl psp, as an operator runs it on the PSP reference vectors:
#   decrypt every capture and compare with the cleartext as tcpdump prints it;
#   encrypt every cleartext and compare frames with the reference capture;
#   corrupt captures: exit status 1, frame number on stderr, frame not written;
#   usage and cfg errors: exit status 2 with the reason.
# usage: srdctl_psp.sh SRDCTL VECTORS_DIR
set -u
srdctl=$1
V=$2
[ -d "$V/encrypted" ] || { echo "SKIP: PSP vectors not found at $V"; exit 77; }
command -v tcpdump >/dev/null || { echo "SKIP: tcpdump is not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# What tcpdump shows of a capture, hex included, timestamps left out.
dump() { tcpdump -nr "$1" -tt -xx 2>/dev/null | sed -E 's/^[0-9]+\.[0-9]+ //'; }

cleartext_of() {  # encrypted file name -> cleartext file name
	local b=$1 ip=${1%%_*}
	case $b in
	*_4pkt) echo "${ip}_cleartext_4pkt" ;;
	*_empty) echo "${ip}_cleartext_empty" ;;
	*) echo "${ip}_cleartext" ;;
	esac
}

n=0
for f in "$V"/encrypted/*.pcap; do
	b=$(basename "$f" .pcap)
	case $b in *_corrupt) continue ;; esac
	c=$(cleartext_of "$b")
	cfg=$(echo "$b" | sed -E 's/^v[46]_//; s/_4pkt$//')
	n=$((n + 1))
	"$srdctl" psp decrypt --cfg "$V/cfg/decrypt.cfg" "$f" "$tmp/dec.pcap" 2>"$tmp/err" ||
		fail "decrypt $b: exit $? ($(cat "$tmp/err"))"
	[ "$(dump "$tmp/dec.pcap")" = "$(dump "$V/cleartext/$c.pcap")" ] ||
		fail "decrypt $b: tcpdump of the output differs from $c"
	"$srdctl" psp encrypt --cfg "$V/cfg/$cfg.cfg" "$V/cleartext/$c.pcap" "$tmp/enc.pcap" \
		2>"$tmp/err" || fail "encrypt $b: exit $? ($(cat "$tmp/err"))"
	[ "$(dump "$tmp/enc.pcap")" = "$(dump "$f")" ] ||
		fail "encrypt $b: tcpdump of the output differs from the reference"
done
[ "$n" -eq 24 ] || fail "expected 24 positive vectors, found $n"

for b in v4_encrypt_transport_crypt_off_128_corrupt v6_encrypt_tunnel_crypt_off_256_corrupt; do
	"$srdctl" psp decrypt --cfg "$V/cfg/decrypt.cfg" "$V/encrypted/$b.pcap" "$tmp/bad.pcap" \
		2>"$tmp/err"
	rc=$?
	[ $rc -eq 1 ] || fail "$b: exit $rc, expected 1"
	grep -q '^frame 1: authentication failed' "$tmp/err" || fail "$b: no 'frame 1' report"
	[ "$(tcpdump -nr "$tmp/bad.pcap" 2>/dev/null | wc -l)" -eq 0 ] ||
		fail "$b: a frame failing authentication was written"
done

# A capture mixing good, corrupt and non-PSP frames: only the bad one is dropped.
python3 - "$V" "$tmp/mix.pcap" <<'PY'
import sys
V, out = sys.argv[1], sys.argv[2]
def frames(p):
    d = open(p, 'rb').read(); i = 24
    while i < len(d):
        n = int.from_bytes(d[i+8:i+12], 'little'); yield d[i:i+16+n]; i += 16 + n
good = list(frames(V + '/encrypted/v4_encrypt_transport_crypt_off_128_4pkt.pcap'))
bad = next(frames(V + '/encrypted/v4_encrypt_transport_crypt_off_128_corrupt.pcap'))
clear = next(frames(V + '/cleartext/v4_cleartext.pcap'))
hdr = open(V + '/encrypted/v4_encrypt_transport_crypt_off_128_4pkt.pcap', 'rb').read()[:24]
open(out, 'wb').write(hdr + good[0] + bad + clear + good[1])
PY
"$srdctl" psp decrypt --cfg "$V/cfg/decrypt.cfg" "$tmp/mix.pcap" "$tmp/mixout.pcap" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] || fail "mixed capture: exit $rc, expected 1"
grep -q '^frame 2: authentication failed' "$tmp/err" || fail "mixed capture: frame 2 not reported"
grep -q '4 frames: 2 decrypted, 1 copied unchanged, 1 failed' "$tmp/err" ||
	fail "mixed capture: summary wrong: $(tail -1 "$tmp/err")"
[ "$(tcpdump -nr "$tmp/mixout.pcap" 2>/dev/null | wc -l)" -eq 3 ] ||
	fail "mixed capture: expected 3 frames written"

# Operator mistakes: exit 2 and a reason.
"$srdctl" psp encrypt --cfg "$V/cfg/decrypt.cfg" "$V/cleartext/v4_cleartext.pcap" "$tmp/x" \
	2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -q 'encrypt needs SPI' "$tmp/err" || fail "keys-only cfg for encrypt: exit $rc"
printf '00 11\n' >"$tmp/short.cfg"
"$srdctl" psp decrypt --cfg "$tmp/short.cfg" "$V/encrypted/v4_encrypt_tunnel_crypt_off_128.pcap" \
	"$tmp/x" 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -q 'short.cfg: token 3 (master key 0, byte 3)' "$tmp/err" ||
	fail "short cfg: exit $rc, $(cat "$tmp/err")"
"$srdctl" psp decrypt --cfg "$V/cfg/decrypt.cfg" "$tmp/missing.pcap" "$tmp/x" 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -q 'missing.pcap' "$tmp/err" || fail "missing input: exit $rc"
"$srdctl" psp frobnicate 2>/dev/null; rc=$?
[ $rc -eq 2 ] || fail "unknown psp subcommand: exit $rc"

echo "srdctl psp: $n vectors each way, $fails failures"
[ $fails -eq 0 ]
