#!/usr/bin/env bash
# tests/run.sh: the README's test command. On a fresh Debian 12 machine, as root:
# installs the build and test dependencies, then configures, builds and runs every
# test in three builds:
#   normal   -Wall -Wextra -Werror, RelWithDebInfo
#   asan     the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   fuzz     clang + libFuzzer: each fuzzer for SRD_FUZZ_SECONDS (default 60)
# and prints ctest's summary for each and a total. Exit status 0 only if all pass.
# The PSP vectors are read from ../shared/psp-vectors (SRD_VECTORS_DIR overrides).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=${SRD_BUILD_DIR:-$here/build}
fuzz_seconds=${SRD_FUZZ_SECONDS:-60}
vectors=${SRD_VECTORS_DIR:-$(cd "$here/.." && pwd)/shared/psp-vectors}
jobs=$(nproc)
# shellcheck source=tests/deps.sh
. "$here/tests/deps.sh"
srd_install_deps

passed=0 failed=0
# run_build NAME CMAKE_ARGS...: configure, build and ctest one build tree.
run_build() {
	local name=$1 dir=$out/$1 log
	shift
	echo "== $name build"
	cmake -S "$here" -B "$dir" -DSRD_VECTORS_DIR="$vectors" "$@" >/dev/null
	cmake --build "$dir" -j"$jobs" >/dev/null
	log=$dir/ctest.log
	(cd "$dir" && ctest --output-on-failure -j"$jobs") | tee "$log" || true
	local p f
	read -r p f < <(awk '/tests passed, .* tests failed out of/ {
		total = $NF; bad = $4; print total - bad, bad }' "$log")
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-1}))
}

run_build normal -DCMAKE_BUILD_TYPE=RelWithDebInfo
run_build asan -DCMAKE_BUILD_TYPE=Debug -DSRD_SANITIZE=ON
CC=clang run_build fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSRD_FUZZ=ON \
	-DSRD_FUZZ_SECONDS="$fuzz_seconds"

execs=$(grep -h 'stat::number_of_executed_units' "$out"/fuzz/Testing/Temporary/LastTest.log |
	awk '{ s += $2 } END { print s + 0 }')
echo "== fuzzing: $execs executions in total, ${fuzz_seconds}s per fuzzer"
echo "== all builds (normal, asan, fuzz):"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
