#!/bin/sh
# SPDX-License-Identifier: MIT
# Regenerates agent/core/layout_tables.c and the layout list in docs/layouts.md
# from the XKB data installed here (Debian: xkb-data, libxkbcommon-dev,
# libx11-data for the Compose table). Builds the generator with cc directly,
# so it needs neither the rest of the build nor a build directory.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shellcheck disable=SC2046  # pkg-config's flags are meant to split
${CC:-cc} -std=gnu11 -O1 -Wall -Wextra -Wshadow -Wformat=2 -Wno-unused-parameter \
	-I"$root/agent/core" -I"$here" \
	"$here/layoutgen.c" "$here/xkb_names.c" "$root/agent/core/keymap.c" \
	$(pkg-config --cflags --libs xkbcommon) -o "$tmp/layoutgen"

xkb=$(dpkg-query -W -f='${Version}' xkb-data 2>/dev/null || echo unknown)
source="xkeyboard-config $xkb, libxkbcommon $(pkg-config --modversion xkbcommon)"

"$tmp/layoutgen" --source "$source" -o "$tmp/layout_tables.c"
mv "$tmp/layout_tables.c" "$root/agent/core/layout_tables.c"

# The table of docs/layouts.md lives between two marker lines.
doc="$root/docs/layouts.md"
if [ -f "$doc" ]; then
	"$tmp/layoutgen" --markdown > "$tmp/rows.md"
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
