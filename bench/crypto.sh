#!/usr/bin/env bash
# bench/crypto.sh: PSP seal/open throughput per core beside `openssl speed` on the
# same core, in one invocation. Prints a Markdown table; ratios are ours / OpenSSL's.
#   bash bench/crypto.sh [SECONDS per case] [BUILD_DIR]
set -euo pipefail
secs=${1:-1}
here=$(cd "$(dirname "$0")/.." && pwd)
build=${2:-$here/build-bench}
cpu=$(( $(nproc) - 1 ))   # one core for every measurement

cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target srd-bench-crypto -j"$(nproc)" >/dev/null

ossl_secs=$(awk -v s="$secs" 'BEGIN { n = int(s); print (n < s ? n + 1 : n) }')
ossl() {  # bytes/s of `openssl speed -evp aes-N-gcm -bytes $2` for PSP's aes-gcm-N
	local name=${1/aes-gcm-/aes-}-gcm
	taskset -c "$cpu" openssl speed -evp "$name" -bytes "$2" -seconds "$ossl_secs" -mr \
		2>/dev/null </dev/null | awk -F: '/^\+F:/ { print $4 }'
}

echo "PSP seal/open on one core (CPU $cpu: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo))"
echo "$(openssl version), $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ), ${secs}s per case"
echo
echo "| cipher | payload B | openssl speed | bare AEAD | seal | seal/openssl | seal/bare | open | open/openssl | seal+open | seal+open Mpps | stream ceiling |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
taskset -c "$cpu" "$build/bench/srd-bench-crypto" "$secs" |
while read -r _ cipher bytes seal open both pps stream aead; do
	base=$(ossl "$cipher" "$bytes")
	[ -n "$base" ] || { echo "openssl speed gave no result for $cipher" >&2; exit 1; }
	awk -v c="$cipher" -v b="$bytes" -v o="$base" -v s="$seal" -v op="$open" \
	    -v bo="$both" -v p="$pps" -v st="$stream" -v ae="$aead" 'BEGIN {
		g = 8e-9
		printf "| %s | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.3f | %.2f |\n",
		       c, b, o * g, ae * g, s * g, s / o, s / ae, op * g, op / o, bo * g,
		       p * 1e-6, st * g }'
done
echo
echo "Rates in Gbit/s of payload. openssl speed: \`openssl speed -evp aes-N-gcm -bytes B\`."
echo "bare AEAD: per-packet AES-GCM through EVP (nonce, 16 B AAD, encrypt, tag), this process."
echo "stream ceiling: EVP_EncryptUpdate back to back on one context, no per-packet work."
