#!/bin/sh
# SPDX-License-Identifier: MIT
# Build the libFuzzer targets (clang, ASan+UBSan) and run each for SECONDS
# (default 60) over a scratch copy of its seed corpus.
#   tests/fuzz/run.sh [SECONDS] [BUILD_DIR] [TARGET...]
# targets: fuzz_command fuzz_chord fuzz_text fuzz_ducky (default: all); BUILD_DIR (also
# from the environment) defaults to <repo>/build-fuzz. Environment: JOBS
# (build jobs, default 2), FUZZ_ARGS (extra libFuzzer options, e.g. -jobs=4).
# A crash or leak leaves its input in $BUILD_DIR/fuzz-run/<target>/artifacts/ and
# exits non-zero; reproduce with: $BUILD_DIR/tests/fuzz/<target> <artifact>.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${BUILD_DIR:-$repo/build-fuzz}
seconds=${1:-60}
[ $# -gt 0 ] && shift
targets=
for arg in "$@"; do
	case $arg in
		fuzz_command|fuzz_chord|fuzz_text|fuzz_ducky) targets="$targets $arg" ;;
		*) build=$arg ;;
	esac
done
targets=${targets:-fuzz_command fuzz_chord fuzz_text fuzz_ducky}

case $seconds in
	''|*[!0-9]*) echo "usage: $0 [SECONDS] [TARGET...]" >&2; exit 2 ;;
esac
command -v clang >/dev/null || { echo "run.sh: clang is required" >&2; exit 2; }

CC=clang cmake -S "$repo" -B "$build" -DKEYMIME_FUZZ=ON -DKEYMIME_SANITIZE=ON >/dev/null
# shellcheck disable=SC2086
cmake --build "$build" -j "${JOBS:-2}" --target $targets

status=0
for t in $targets; do
	work=$build/fuzz-run/$t
	rm -rf "$work"
	mkdir -p "$work/corpus" "$work/artifacts"
	cp "$here/corpus/$t"/* "$work/corpus/"
	dict=
	[ -f "$here/$t.dict" ] && dict="-dict=$here/$t.dict"
	echo "== $t: ${seconds}s over $(find "$work/corpus" -type f | wc -l) seeds"
	# shellcheck disable=SC2086
	if "$build/tests/fuzz/$t" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$work/artifacts/" $dict ${FUZZ_ARGS:-} \
		"$work/corpus" >"$work/log" 2>&1; then
		grep -E '^stat::number_of_executed_units|^#[0-9]+ *DONE' "$work/log" | tail -2
		echo "== $t: ok ($(find "$work/corpus" -type f | wc -l) inputs in the corpus now)"
	else
		tail -40 "$work/log"
		echo "== $t: FAILED, see $work/log and $work/artifacts/" >&2
		status=1
	fi
done
exit $status
