#!/bin/sh
# SPDX-License-Identifier: MIT
# Regenerates agent/core/layout_tables.c and the layout list in docs/layouts.md
# from the XKB data installed here (Debian: xkb-data, libxkbcommon-dev,
# libx11-data for the Compose table) and the agent's build dependencies
# (the generator is built with CMake in a scratch directory).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The generator is the CMake target keymime-layoutgen (agent/tools/layoutgen/
# CMakeLists.txt): configure a scratch build and build that target alone.
cmake -S "$root" -B "$tmp/build" -DKEYMIME_TESTS=OFF >/dev/null
cmake --build "$tmp/build" --target keymime-layoutgen >/dev/null
gen="$tmp/build/agent/tools/layoutgen/keymime-layoutgen"

xkb=$(dpkg-query -W -f='${Version}' xkb-data 2>/dev/null || echo unknown)
source="xkeyboard-config $xkb, libxkbcommon $(pkg-config --modversion xkbcommon)"

"$gen" --source "$source" -o "$tmp/layout_tables.c"
mv "$tmp/layout_tables.c" "$root/agent/core/layout_tables.c"

# The table of docs/layouts.md lives between two marker lines.
doc="$root/docs/layouts.md"
if [ -f "$doc" ]; then
	"$gen" --markdown > "$tmp/rows.md"
	awk -v rows="$tmp/rows.md" -v src="$source" '
		/<!-- layouts:begin -->/ {
			print; print ""; print "Generated from " src "."; print ""
			print "| name | XKB layout | description | characters | of them through dead keys | not with Caps Lock on | only with Caps Lock on |"
			print "|---|---|---|---:|---:|---:|---|"
			while ((getline line < rows) > 0) print line
			print ""; skip = 1; next
		}
		/<!-- layouts:end -->/ { skip = 0 }
		!skip { print }' "$doc" > "$tmp/layouts.md"
	mv "$tmp/layouts.md" "$doc"
fi
echo "regenerated agent/core/layout_tables.c ($source)"
