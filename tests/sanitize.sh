#!/bin/sh
# SPDX-License-Identifier: MIT
# Build keymime with AddressSanitizer + UndefinedBehaviorSanitizer and run the
# unit and integration suites against that build (issue #10).
#
#   tests/sanitize.sh [BUILD_DIR] [extra ctest arguments…]
#
# BUILD_DIR defaults to build-sanitize in the source tree. Any sanitizer
# report fails the run, even one from an agent process a test did not check
# the exit code of: every report is also written under BUILD_DIR/sanitizer-logs/
# and the script fails when that directory is not empty afterwards.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-"$root/build-sanitize"}
[ $# -gt 0 ] && shift
case $dir in /*) ;; *) dir=$(pwd)/$dir ;; esac

cmake -S "$root" -B "$dir" -DKEYMIME_SANITIZE=ON -DKEYMIME_WERROR=ON
cmake --build "$dir" -j"$(nproc)"

logs=$dir/sanitizer-logs
rm -rf "$logs"
mkdir -p "$logs"

# abort_on_error: a report ends the process with SIGABRT (a non-zero exit);
# log_path: the report also lands in a file, named after the process id.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:log_path=$logs/asan
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$logs/ubsan
LSAN_OPTIONS=suppressions=$root/tests/lsan.supp:print_suppressions=0
# The integration tests loosen wall-clock bounds for instrumented builds.
KEYMIME_SANITIZED=1
export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS KEYMIME_SANITIZED

status=0
# test_valgrind cannot run an ASan binary (it would only report a skip).
(cd "$dir" && ctest -R 'integration/|unit/' -E 'integration/test_valgrind' --output-on-failure "$@") ||
	status=$?

if [ -n "$(ls -A "$logs")" ]; then
	echo "sanitize.sh: sanitizer reports:" >&2
	for f in "$logs"/*; do
		echo "==== $f" >&2
		cat "$f" >&2
	done
	status=1
fi
[ $status -eq 0 ] && echo "sanitize.sh: unit and integration tests clean under ASan+UBSan"
exit $status
