#!/bin/sh
# SPDX-License-Identifier: MIT
# Regenerates the layout tables and the layout lists of docs/layouts.md
# (from keymime-agent --list-layouts, built from the new tables):
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

# The layout tables of docs/layouts.md: what the agent built from these
# tables says with --list-layouts (layouts_doc.py).
cmake --build "$tmp/build" --target keymime-agent >/dev/null
python3 "$here/layouts_doc.py" "$tmp/build/agent/keymime-agent" "$root/docs/layouts.md"
echo "regenerated agent/core/layout_tables.c ($source)"
echo "regenerated agent/core/layout_tables_cldr.c ($cldr_version)"
echo "regenerated the layout tables of docs/layouts.md"
