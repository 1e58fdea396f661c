#!/bin/sh
# SPDX-License-Identifier: MIT
# Regenerates the layout tables and the layout lists of docs/layouts.md:
#  - agent/core/layout_tables.c (linux) from the XKB data installed here
#    (Debian: xkb-data, libxkbcommon-dev, libx11-data for the Compose table):
#    every layout and variant of xkb-data's rules/evdev.xml that compiles and
#    types letters;
#  - agent/core/layout_tables_cldr.c (windows, macos, chromeos) from the CLDR
#    keyboards vendored in agent/tools/layoutgen/cldr, with cldrgen.py.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
xkb_root=${XKB_ROOT:-/usr/share/X11/xkb}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The generator is the build's keymime-layoutgen target, built on its own.
cmake -S "$root" -B "$tmp/build" -DKEYMIME_TESTS=OFF >/dev/null
cmake --build "$tmp/build" --target keymime-layoutgen >/dev/null
cp "$tmp/build/agent/tools/layoutgen/keymime-layoutgen" "$tmp/layoutgen"

# Every layout(variant) xkb-data lists, one "layout<TAB>variant" a line.
python3 - "$xkb_root/rules/evdev.xml" > "$tmp/names.txt" <<'PY'
import sys
import xml.etree.ElementTree as ET
for l in ET.parse(sys.argv[1]).getroot().find("layoutList"):
    name = l.find("configItem/name").text
    print(name + "\t")
    for v in l.findall("variantList/variant"):
        print(name + "\t" + v.find("configItem/name").text)
PY

xkb=$(dpkg-query -W -f='${Version}' xkb-data 2>/dev/null || echo unknown)
source="xkeyboard-config $xkb, libxkbcommon $(pkg-config --modversion xkbcommon)"
cldr_version=$(sed -n 's/^Version: //p' "$here/cldr/README.md")

"$tmp/layoutgen" --xkb-root "$xkb_root" --names "$tmp/names.txt" --source "$source" \
	-o "$tmp/layout_tables.c"
python3 "$here/cldrgen.py" --version "$cldr_version" -o "$tmp/layout_tables_cldr.c"
mv "$tmp/layout_tables.c" "$root/agent/core/layout_tables.c"
mv "$tmp/layout_tables_cldr.c" "$root/agent/core/layout_tables_cldr.c"

# Each table of docs/layouts.md lives between two marker lines:
# <!-- layouts:TARGET:begin --> and <!-- layouts:TARGET:end -->.
doc="$root/docs/layouts.md"
if [ -f "$doc" ]; then
	"$tmp/layoutgen" --xkb-root "$xkb_root" --names "$tmp/names.txt" --markdown \
		> "$tmp/linux.md" 2>/dev/null
	for t in windows macos chromeos; do
		python3 "$here/cldrgen.py" --markdown "$t" > "$tmp/$t.md"
	done
	awk -v dir="$tmp" -v xkb="$source" -v cldr="$cldr_version" '
		/<!-- layouts:[a-z]+:begin -->/ {
			t = $0; sub(/.*layouts:/, "", t); sub(/:begin.*/, "", t)
			print; print ""
			if (t == "linux") {
				print "Generated from " xkb "."; print ""
				print "| name | XKB layout | description | characters | of them through dead keys | not with Caps Lock on | only with Caps Lock on |"
			} else {
				print "Generated from " cldr "."; print ""
				print "| name | CLDR keyboard | description | characters | of them through dead keys | not with Caps Lock on | only with Caps Lock on |"
			}
			print "|---|---|---|---:|---:|---:|---|"
			while ((getline line < (dir "/" t ".md")) > 0) print line
			print ""; skip = 1; next
		}
		/<!-- layouts:[a-z]+:end -->/ { skip = 0 }
		!skip { print }' "$doc" > "$tmp/layouts.md"
	mv "$tmp/layouts.md" "$doc"
fi
echo "regenerated agent/core/layout_tables.c ($source)"
echo "regenerated agent/core/layout_tables_cldr.c ($cldr_version)"
