#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the layout tables of docs/layouts.md from what the agent itself
says: `keymime-agent --list-layouts --target T --json` for each target, so
the page and --list-layouts cannot disagree. Each table lives between the
lines <!-- layouts:TARGET:begin --> and <!-- layouts:TARGET:end -->.

Usage: layouts_doc.py AGENT_BINARY [DOC]   (DOC: docs/layouts.md)
       layouts_doc.py --check AGENT_BINARY [DOC]   exit 1 if DOC differs
"""
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
TARGETS = ("linux", "windows", "macos", "chromeos")
HEADER = ("| name | {src} | description | characters | of them through dead keys "
          "| not with Caps Lock on | only with Caps Lock on |\n|---|---|---|---:|---:|---:|---|\n")


def origin(target):
    """The "Source: ..." line of the generated tables the agent was built from."""
    path = os.path.join(ROOT, "agent", "core",
                        "layout_tables.c" if target == "linux" else "layout_tables_cldr.c")
    with open(path, encoding="utf-8") as f:
        head = f.read(2000)
    m = re.search(r"Source: (.*?)(?:;| \(agent/| \*/)", head, re.S)
    return " ".join(m.group(1).split()) if m else "unknown"


def cell(s):
    """Markdown table cell text: | and ` escaped."""
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("`", "\\`")


def table(agent, target):
    out = subprocess.run([agent, "--config", "/dev/null", "--list-layouts", "--target", target,
                          "--json"], capture_output=True, check=True).stdout
    rows = []
    for l in json.loads(out):
        rows.append("| `%s` | `%s` | %s | %d | %d | %d | %s |" % (
            l["name"], l["source"], cell(l["description"]), l["characters"], l["dead_keys"],
            l["caps_blocked"], cell(l["caps_only"]) or "-"))
    src = "XKB layout" if target == "linux" else "CLDR keyboard"
    return ("\nGenerated from %s by `keymime-agent --list-layouts --target %s`.\n\n"
            % (origin(target), target) + HEADER.format(src=src) + "\n".join(rows) + "\n\n")


def render(agent, text):
    for t in TARGETS:
        begin, end = "<!-- layouts:%s:begin -->\n" % t, "<!-- layouts:%s:end -->" % t
        i, j = text.index(begin) + len(begin), text.index(end)
        text = text[:i] + table(agent, t) + text[j:]
    return text


def main(argv):
    check = argv[:1] == ["--check"]
    argv = argv[1:] if check else argv
    if not argv:
        sys.exit(__doc__)
    doc = argv[1] if len(argv) > 1 else os.path.join(ROOT, "docs", "layouts.md")
    with open(doc, encoding="utf-8") as f:
        old = f.read()
    new = render(argv[0], old)
    if check:
        if new != old:
            print("%s: the layout tables differ from --list-layouts; run %s %s"
                  % (doc, __file__, argv[0]), file=sys.stderr)
            return 1
        return 0
    with open(doc, "w", encoding="utf-8") as f:
        f.write(new)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
