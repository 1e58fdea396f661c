#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""cldrgen: Unicode CLDR platform keyboards -> agent/core/layout_tables_cldr.c.

Reads the vendored CLDR keyboard XML (cldr/windows, cldr/osx, cldr/chromeos;
see cldr/README.md) and, for every keyboard, works out how to type each
character it can make, the way keymime types: one HID usage with modifiers,
or a dead-key sequence (CLDR `transforms`), and what to hold instead while
the host's Caps Lock is on. It implements the semantics of UTS #35 part 7
(LDML keyboards, CLDR 38 era) as spelled out in docs/layouts.md; the
simulated host (agent/tools/simhost, `--target`) reads the same XML
independently, in C, so the round-trip tests judge these tables.

Usage: cldrgen.py [--cldr DIR] [-o FILE] [--version TEXT]
Runs at development time (regenerate.sh); Python 3 standard library only.
"""
import argparse
import os
import re
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))

# keymime target -> CLDR platform folder
TARGETS = [("windows", "windows"), ("macos", "osx"), ("chromeos", "chromeos")]

# HID modifier bits (agent/core/layout.h)
LCTRL, LSHIFT, LALT, LMETA, RCTRL, RSHIFT, RALT, RMETA = (1 << i for i in range(8))

# The modifier states keymime may hold for a character, in order of
# preference. Windows: AltGr is right Alt (Windows also reads Ctrl+Alt as
# AltGr; right Alt comes first). macOS: Option is left Alt (usage 0xE2),
# right Option only where a keyboard tells the two apart.
CANDIDATES = {
    "windows": [0, LSHIFT, RALT, RALT | LSHIFT, LCTRL | LALT, LCTRL | LALT | LSHIFT],
    "macos": [0, LSHIFT, LALT, LALT | LSHIFT, RALT, RALT | LSHIFT],
    "chromeos": [0, LSHIFT, RALT, RALT | LSHIFT],
}

# ISO key position -> HID usage (keyboard page). The usual PC mapping; where
# a platform makes two usages one key (Windows scan code 0x2B for both ANSI
# backslash 0x31 and ISO # 0x32; macOS key code 42 likewise; Linux/ChromeOS
# KEY_BACKSLASH likewise), keymime sends 0x31, the key every keyboard has.
ROW_E = [0x35, 0x1E, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2D, 0x2E, 0x89]
ROW_D = [None, 0x14, 0x1A, 0x08, 0x15, 0x17, 0x1C, 0x18, 0x0C, 0x12, 0x13, 0x2F, 0x30, 0x31]
ROW_C = [None, 0x04, 0x16, 0x07, 0x09, 0x0A, 0x0B, 0x0D, 0x0E, 0x0F, 0x33, 0x34, 0x31]
ROW_B = [0x64, 0x1D, 0x1B, 0x06, 0x19, 0x05, 0x11, 0x10, 0x36, 0x37, 0x38, 0x87]
ISO_USAGE = {}
for _row, _usages in (("E", ROW_E), ("D", ROW_D), ("C", ROW_C), ("B", ROW_B)):
    for _i, _u in enumerate(_usages):
        if _u is not None:
            ISO_USAGE["%s%02d" % (_row, _i)] = _u
ISO_USAGE["A03"] = 0x2C
# Keys outside the main block cost more: the ISO key left of Z and the JIS keys.
EXTRA_USAGES = {0x64, 0x87, 0x89}

# keymime names: a layout name means the same language/country on every
# target and follows XKB's names where XKB has the layout. BASE maps a CLDR
# locale to that name; a variant adds "-variant"; OVERRIDE names single
# keyboards (so each target's usual layout gets the plain name).
BASE = {
    "en": "us", "en-GB": "gb", "en-CA": "ca-eng", "en-AU": "au", "en-IN": "in-eng",
    "de": "de", "de-CH": "de-ch", "de-AT": "at", "de-BE": "be-de",
    "fr": "fr", "fr-CH": "fr-ch", "fr-BE": "be", "fr-CA": "ca", "nl": "nl", "nl-BE": "be-nl",
    "es": "es", "es-419": "latam", "it": "it", "pt": "pt-br", "pt-PT": "pt",
    "sv": "se", "nb": "no", "da": "dk", "fi": "fi", "is": "is", "fo": "fo",
    "pl": "pl", "cs": "cz", "sk": "sk", "hu": "hu", "sl": "si", "hr": "hr", "ro": "ro",
    "et": "ee", "lt": "lt", "lv": "lv", "mt": "mt", "tr": "tr", "el": "gr",
    "el-Latn": "gr-latin", "el-POLYTON": "gr-polytonic",
    "ru": "ru", "uk": "ua", "be": "by", "bg": "bg", "bg-Latn": "bg-latin", "mk": "mk",
    "sr": "rs", "sr-Latn": "rs-latin", "bs-Cyrl": "ba-cyrillic", "sq": "al",
    "he": "il", "ar": "ara", "fa": "ir", "fa-AF": "af", "ps": "af-ps", "uz-Arab": "af-uz",
    "ur": "pk", "ckb": "iq-ku", "syr": "sy-syc", "dv": "mv",
    "hi": "in", "bn": "bd", "as": "in-asm", "gu": "in-guj", "pa": "in-guru",
    "ta": "in-tam", "te": "in-tel", "kn": "in-kan", "ml": "in-mal", "or": "in-ori",
    "mr": "in-marathi", "ne": "np", "si": "lk", "sat-Olck": "in-olck",
    "th": "th", "lo": "la", "km": "kh", "my": "mm", "vi": "vn", "ms": "my",
    "ja": "jp", "ko": "kr", "zh": "cn", "zh-Hant": "tw", "zh-HK": "cn-hk",
    "zh-MO": "cn-mo", "zh-SG": "cn-sg", "bo": "cn-tib", "ug": "cn-ug", "dz": "bt",
    "hy": "am", "hy-AREVMDA": "am-western", "ka": "ge", "az": "az", "az-Cyrl": "az-cyrillic",
    "kk": "kz", "ky": "kg", "tg": "tj", "tk": "tm", "uz": "uz", "mn": "mn",
    "mn-Mong": "mn-mong", "mn-Phag": "mn-phag", "tt": "ru-tt", "ba": "ru-bak", "sah": "ru-sah",
    "ga": "ie", "ga-Ogam": "ie-ogam", "gd": "gb-gd", "cy": "gb-cy", "lb": "lu",
    "se": "no-smi", "se-FI": "fi-smi", "se-SE": "se-smi", "dsb": "de-dsb",
    "mi": "mao", "haw": "us-haw", "chr": "us-chr", "iu": "ca-iu", "kl": "dk-kl",
    "ha": "ng-hausa", "ig": "ng-igbo", "yo": "ng-yoruba", "wo": "sn", "tn": "bw",
    "nso": "za-nso", "gn": "py-gn", "tzm": "ma-tzm", "tmh": "dz-tmh",
    "bm": "ml-nko", "dyu": "ci-nko", "man": "gn-nko",
    "khb": "cn-khb", "khb-Tale": "cn-tale", "lis": "cn-lisu", "srb": "in-sora",
    "so-Osma": "so-osma", "jv": "id-jv", "bug": "id-bug", "got": "gothic",
    "non": "futhark", "la-Ital": "old-italic",
}

OVERRIDE = {
    "windows": {
        "en-extended": "us-intl", "en-dvorakl": "us-dvorak-l", "en-dvorakr": "us-dvorak-r",
        "en-var": "us-ibm238l", "en-GB-extended": "gb-extd", "de-extended": "de-ibm",
        "pl": "pl-214", "pl-extended": "pl", "it-var": "it-142",
        "pt-var": "pt-br-abnt2", "es-extended": "es-variation",
        "fr-CA": "ca-multix", "fr-CA-var": "ca", "fr-CA-legacy": "ca-legacy",
        "cs-extended": "cz-programmers", "ro-extended": "ro-programmers",
        "de-BE": "be-comma", "de-BE-var": "be-period", "nl-BE": "be-nl-comma",
        "nl-BE-var": "be-nl-period", "fr-BE-var": "be-fr-period",
        "hu-101key": "hu-101", "mt-101key": "mt-47", "tr-legacy": "tr-f",
        "he-extended": "il-si1452", "bg-legacy": "bg-typewriter",
        "bg-qwerty-legacy": "bg-phonetic-legacy", "bg-qwerty": "bg-phonetic",
        "ru-legacy": "ru-typewriter", "ru-phonetic": "ru-phonetic", "uk-extended": "ua-enhanced",
        "el-el220": "gr-220", "el-el319": "gr-319", "el-Latn-el220": "gr-latin-220",
        "el-Latn-el319": "gr-latin-319", "sv-extended": "se-sami", "nb-extended": "no-sami",
        "fi-extended": "fi-sami", "lt-lt1205": "lt-ibm", "lt-lt1582": "lt-std",
        "lv-extended": "lv-std", "hy": "am-typewriter", "hy-legacy": "am-eastern-legacy",
        "hy-phonetic": "am-phonetic", "hy-AREVMDA": "am-western-legacy",
        "hi-legacy": "in-hin-traditional", "th-var": "th-nsl", "th-patta": "th-pat",
        "th-patta-var": "th-pat-nsl", "fa-extended": "ir-std", "az-extended": "az-std",
        "ka": "ge-mes", "ka-qwerty": "ge", "ka-var": "ge-ergonomic", "ka-legacy": "ge-legacy",
        "ka-legacy-var": "ge-old", "ar": "ara-101", "ar-102key": "ara", "ar-azerty": "ara-azerty",
        "ro-legacy": "ro-legacy",
    },
    "macos": {
        "en-extended": "us-extended", "en-extended-var": "us-intl", "en-colemak": "us-colemak",
        "en-dvorak": "us-dvorak", "en-dvorak-qwerty": "us-dvorak-qwerty",
        "en-dvorakl": "us-dvorak-l", "en-dvorakr": "us-dvorak-r", "en-GB-var": "gb-pc",
        "it-extended": "it-pro", "pl-extended": "pl-pro", "pt-extended": "pt-br-abnt2",
        "es-extended": "es-iso", "fr-qwerty": "fr-pc", "fr-var": "fr-numerical",
        "sv-extended": "se-pro", "sv-extended-var": "se-sami-pc", "nb-extended": "no-extended",
        "nb-extended-var": "no-sami-pc", "fi-extended": "fi-extended",
        "fi-extended-var": "fi-sami-pc", "ru-extended": "ru-pc", "ru-qwerty": "ru-phonetic",
        "he-var": "il-pc", "hr-var": "hr-pc", "tr": "tr-f", "tr-qwerty": "tr",
        "tr-qwerty-var": "tr-pc", "ro-extended": "ro-std", "ar-qwerty-var": "ara-pc",
        "ar-var": "ara-north-africa", "fa-isiri": "ir-isiri", "de-BE": "be-de",
        "nl-BE": "be-nl", "ga-extended": "ie-extended", "iu-nutaaq": "ca-iu-nutaaq",
        "iu-var": "ca-iu-nunavik", "bo": "cn-tib-otani", "th-patta": "th-pat",
    },
    "chromeos": {
        "en-extended": "us-intl", "en-extended-var": "us-altgr-intl", "en-colemak": "us-colemak",
        "en-dvorak": "us-dvorak", "en-GB-dvorak": "gb-dvorak", "de-extended": "de-neo",
        "fr-CA-intl": "ca-multix", "ca": "es-cat", "de-BE": "be-de", "nl-BE": "be-nl",
        "bg-qwerty": "bg-phonetic", "ru-qwerty": "ru-phonetic",
    },
}

# The order of layout_at(): "us" first, then today's names, then the rest.
FIRST = ["us", "us-intl", "gb", "de", "de-ch", "fr", "fr-ch", "be", "es", "it", "pt",
         "pt-br", "nl", "se", "no", "dk", "fi", "pl", "cz", "hu", "tr", "us-dvorak",
         "us-colemak", "ca", "latam", "is", "ee", "lt", "lv", "si", "hr", "sk", "ro", "ru",
         "ua", "gr", "jp"]

ESCAPE = re.compile(r"\\u\{([0-9A-Fa-f]+)\}")


def unescape(s):
    """CLDR's \\u{XXXX} escapes -> the characters."""
    return ESCAPE.sub(lambda m: "".join(chr(int(h, 16)) for h in m.group(1).split()), s)


# --- modifiers (UTS #35 part 7, keyMap/@modifiers) ---------------------------
#
# A keyMap's modifiers attribute lists combinations separated by spaces; it
# applies when any of them matches. In a combination, "shift" means either
# Shift key (or both), "shiftL"/"shiftR" that one key; a trailing "?" makes it
# optional; a modifier the combination does not name must be up. "caps" is
# the Caps Lock state. "opt" (macOS) and "alt" name the same keys.

FAMILIES = ("shift", "ctrl", "alt", "cmd")
SIDE_BITS = {"shift": (LSHIFT, RSHIFT), "ctrl": (LCTRL, RCTRL), "alt": (LALT, RALT),
             "cmd": (LMETA, RMETA)}


def parse_combo(text):
    """'ctrlL+alt?+caps' -> a predicate (mods, caps) -> bool."""
    allowed = {f: [{0}, {0}] for f in FAMILIES}   # allowed values of (left, right)
    need_one = {f: False for f in FAMILIES}
    caps = {False}
    for tok in text.split("+"):
        opt = tok.endswith("?")
        tok = tok.rstrip("?").replace("opt", "alt")
        if tok == "caps":
            caps = {False, True} if opt else {True}
            continue
        fam, side = (tok[:-1], tok[-1]) if tok[-1] in "LR" else (tok, "")
        if fam not in FAMILIES:
            raise ValueError("unknown modifier %r" % tok)
        if side == "":
            allowed[fam] = [{0, 1}, {0, 1}]
            need_one[fam] = not opt
        else:
            allowed[fam][0 if side == "L" else 1] = {0, 1} if opt else {1}

    def match(mods, caps_on):
        if caps_on not in caps:
            return False
        for f in FAMILIES:
            lb, rb = SIDE_BITS[f]
            left, right = int(bool(mods & lb)), int(bool(mods & rb))
            if left not in allowed[f][0] or right not in allowed[f][1]:
                return False
            if need_one[f] and not (left or right):
                return False
        return True
    return match


class Keyboard:
    """One CLDR keyboard file."""

    def __init__(self, path, platform_isos):
        root = ET.parse(path).getroot()
        self.id = root.get("locale")
        names = root.find("names")
        self.description = names.find("name").get("value") if names is not None else self.id
        st = root.find("settings")
        st = st.attrib if st is not None else {}
        self.fallback_omit = st.get("fallback") == "omit"
        self.failure_omit = st.get("transformFailure") == "omit"
        self.keymaps = []    # [(predicates, {iso: (text, transform_ok)})]
        self.base = {}
        for km in root.findall("keyMap"):
            keys = {}
            for m in km.findall("map"):
                if m.get("iso") in platform_isos:
                    keys[m.get("iso")] = (unescape(m.get("to")), m.get("transform") != "no")
            mods = (km.get("modifiers") or "").split()
            if not mods:
                self.base = keys
                mods = [""]
            preds = [parse_combo(c) if c else (lambda m, c: m == 0 and not c) for c in mods]
            self.keymaps.append((preds, keys))
        self.transforms = {}
        for ts in root.findall("transforms"):
            if ts.get("type") != "simple":
                continue
            for t in ts.findall("transform"):
                self.transforms.setdefault(unescape(t.get("from")), unescape(t.get("to")))
        self.prefixes = set()
        for f in self.transforms:
            for i in range(1, len(f)):
                self.prefixes.add(f[:i])

    def output(self, iso, mods, caps):
        """(text, transform_ok) the key makes in this state, or None."""
        for preds, keys in self.keymaps:
            if any(p(mods, caps) for p in preds):
                return keys.get(iso)
        if self.fallback_omit:
            return None
        return self.base.get(iso)


# --- typing ---------------------------------------------------------------------

def is_text(ch):
    cp = ord(ch)
    return cp >= 0x20 and not (0x7F <= cp < 0xA0) and not (0xD800 <= cp < 0xE000)


def cost(usage, mods):
    """(non-shift modifiers, extra key, shift): lower is better."""
    alt = bin(mods & ~(LSHIFT | RSHIFT)).count("1")
    return (alt, usage in EXTRA_USAGES, bool(mods & (LSHIFT | RSHIFT)))


class Gen:
    """How to type every character of one keyboard on one target."""

    def __init__(self, target, kb, platform_isos):
        self.target, self.kb = target, kb
        self.isos = sorted(i for i in platform_isos if i in ISO_USAGE)
        self.ways = {}      # text -> [(cost, usage, mods, caps_mods or None, iso, tr_ok)]
        for iso in self.isos:
            for mods in CANDIDATES[target]:
                out = kb.output(iso, mods, False)
                if not out or not out[0]:
                    continue
                usage = ISO_USAGE[iso]
                caps_mods = self.caps_mods(iso, mods, out)
                self.ways.setdefault(out[0], []).append(
                    (cost(usage, mods), usage, mods, caps_mods, iso, out[1]))
        for text in self.ways:
            self.ways[text].sort(key=lambda w: (w[0], w[1]))

    def caps_mods(self, iso, mods, out):
        """The modifiers that make the same output with Caps Lock on, or None."""
        if self.kb.output(iso, mods, True) == out:
            return mods
        for m in CANDIDATES[self.target]:
            if self.kb.output(iso, m, True) == out:
                return m
        return None

    def is_dead(self, text, tr_ok):
        return tr_ok and text in self.kb.prefixes

    def best_way(self, text):
        """The best way to make text as one stroke; a dead-key stroke (not
        final) must take part in transforms, the last stroke of a
        sequence too."""
        for w in self.ways.get(text, []):
            if w[5]:
                return w
        return None

    def entries(self):
        """{cp: (rank, [strokes], caps_ok)} of the characters it types."""
        best = {}

        def offer(ch, strokes):
            caps_ok = all(s[3] is not None for s in strokes)
            rank = (len(strokes), sum(s[0][0] for s in strokes), sum(s[0][1] for s in strokes),
                    sum(s[0][2] for s in strokes), [s[1] for s in strokes])
            cp = ord(ch)
            if cp not in best or rank < best[cp][0]:
                best[cp] = (rank, strokes, caps_ok)

        for text, ways in self.ways.items():
            if len(text) != 1 or not is_text(text):
                continue
            for w in ways:
                if not self.is_dead(text, w[5]):
                    offer(text, [w])
                    break
        for frm, to in self.kb.transforms.items():
            if len(to) != 1 or not is_text(to) or not 2 <= len(frm) <= 3:
                continue
            # Each proper prefix must wait (be a partial match), never
            # complete another transform on the way.
            if frm in self.kb.prefixes or any(frm[:i] in self.kb.transforms for i in range(1, len(frm))):
                continue
            strokes = [self.best_way(c) for c in frm]
            if all(strokes):
                offer(to, strokes)
        offer("\t", [((0, False, False), 0x2B, 0, 0, "", True)])
        offer("\n", [((0, False, False), 0x28, 0, 0, "", True)])
        return best

    def caps_only(self, have):
        """{cp: stroke} of characters made only with Caps Lock on."""
        out = {}
        for iso in self.isos:
            for mods in CANDIDATES[self.target]:
                o = self.kb.output(iso, mods, True)
                if not o or len(o[0]) != 1 or not is_text(o[0]) or ord(o[0]) in have:
                    continue
                if self.is_dead(o[0], o[1]) or ord(o[0]) in out:
                    continue
                out[ord(o[0])] = (ISO_USAGE[iso], mods)
        return out


# --- naming -----------------------------------------------------------------------

def split_id(kid, platform):
    """'de-CH-t-k0-windows-var' -> ('de-CH', 'var')."""
    loc, rest = kid.split("-t-k0-", 1)
    variant = rest[len(platform):].lstrip("-")
    return loc, variant


def keymime_name(target, platform, kid):
    loc, variant = split_id(kid, platform)
    key = loc + ("-" + variant if variant else "")
    if key in OVERRIDE[target]:
        return OVERRIDE[target][key]
    if loc not in BASE:
        raise SystemExit("cldrgen: no keymime name for locale %s (%s)" % (loc, kid))
    return BASE[loc] + ("-" + variant.lower() if variant else "")


def load(cldr):
    """[(target, [(name, kb, gen)])] in layout_at() order."""
    out = []
    for target, platform in TARGETS:
        pdir = os.path.join(cldr, platform)
        proot = ET.parse(os.path.join(pdir, "_platform.xml")).getroot()
        isos = {m.get("iso") for m in proot.iter("map")}
        items = {}
        for f in sorted(os.listdir(pdir)):
            if not f.endswith(".xml") or f.startswith("_"):
                continue
            kb = Keyboard(os.path.join(pdir, f), isos)
            name = keymime_name(target, platform, kb.id)
            if name in items:
                raise SystemExit("cldrgen: %s: %s and %s are both %r" %
                                 (target, items[name][1].id, kb.id, name))
            items[name] = (name, kb, Gen(target, kb, isos))
        order = [n for n in FIRST if n in items] + sorted(n for n in items if n not in FIRST)
        if order[0] != "us":
            raise SystemExit("cldrgen: %s has no us layout" % target)
        out.append((target, [items[n] for n in order]))
    return out


# --- output ---------------------------------------------------------------------

def c_string(s):
    out = []
    for b in s.encode("utf-8"):
        c = chr(b)
        if c in '"\\':
            out.append("\\" + c)
        elif 0x20 <= b < 0x7F and not (c == "?" ):
            out.append(c)
        else:
            out.append("\\%03o" % b)
    return "".join(out)


class SetWriter:
    """One target's arrays, deduplicated where layouts share rows."""

    def __init__(self, target):
        self.target = target
        self.strings = bytearray(b"\0")
        self.string_at = {"": 0}
        self.rows, self.row_at = [], {}
        self.dead, self.dead_at = [], {}
        self.layouts = []

    def string(self, s):
        if s not in self.string_at:
            self.string_at[s] = len(self.strings)
            self.strings += s.encode("utf-8") + b"\0"
        return self.string_at[s]

    def add(self, name, source, description, entries, caps_only):
        deads, dead_index, rows = [], {}, []
        for cp in sorted(set(entries) | set(caps_only)):
            if cp in entries:
                _rank, strokes, caps_ok = entries[cp]
                flags = 0 if caps_ok else 0x00200000
                st = [(s[1], s[2], s[3] if caps_ok else s[2]) for s in strokes]
            else:
                usage, mods = caps_only[cp]
                flags = 0x00400000
                st = [(usage, mods, mods)]
            d = 0
            if len(st) > 1:
                key = tuple(st[:-1])
                if key not in dead_index:
                    dead_index[key] = len(deads)
                    deads.append(key)
                d = dead_index[key] + 1
            rows.append((cp | flags, st[-1][0], st[-1][1], st[-1][2], d))
        if len(deads) > 255 or len(rows) > 65535:
            raise SystemExit("cldrgen: %s: too many rows or dead-key prefixes" % name)
        rkey, dkey = tuple(rows), tuple(deads)
        if rkey not in self.row_at:
            self.row_at[rkey] = len(self.rows)
            self.rows.extend(rows)
        if dkey not in self.dead_at:
            self.dead_at[dkey] = len(self.dead)
            self.dead.extend(deads)
        self.layouts.append((self.string(name), self.string(source), self.string(description),
                             self.row_at[rkey], self.dead_at[dkey], len(rows),
                             sum(1 for cp in entries), len(deads)))

    def write(self, out):
        t = self.target
        out.write("\n/* ---- %s ---- */\n\nstatic const char %s_strings[] =\n" % (t, t))
        chunk = bytes(self.strings)
        for i in range(0, len(chunk), 60):
            out.write('\t"%s"\n' % "".join(
                chr(b) if 0x20 <= b < 0x7F and chr(b) not in '"\\?' else "\\%03o" % b
                for b in chunk[i:i + 60]))
        out.write(";\n\nstatic const struct layout_row %s_rows[] = {\n" % t)
        for i in range(0, len(self.rows), 4):
            out.write("\t" + " ".join("{0x%06x,0x%02x,0x%02x,0x%02x,%d}," % r
                                      for r in self.rows[i:i + 4]) + "\n")
        out.write("};\n\nstatic const struct layout_dead %s_dead[] = {\n" % t)
        for d in self.dead or [()]:
            out.write("\t{%d, {%s}},\n" % (len(d), ", ".join(
                "{0x%02x, 0x%02x, 0x%02x}" % s for s in d)))
        out.write("};\n\nstatic const struct layout %s_layouts[] = {\n" % t)
        tnum = {"windows": "LAYOUT_WINDOWS", "macos": "LAYOUT_MACOS",
                "chromeos": "LAYOUT_CHROMEOS"}[t]
        for (n, s, d, r, dd, nr, nc, nd) in self.layouts:
            out.write("\t{%d, %d, %d, %d, %d, %d, %d, %d, %s, LAYOUT_F_CAPS_KEY_LOCKS},\n"
                      % (n, s, d, r, dd, nr, nc, nd, tnum))
        out.write("};\n\nconst struct layout_set layout_set_%s = {\n"
                  "\t%s_layouts, sizeof %s_layouts / sizeof %s_layouts[0],\n"
                  "\t%s_strings, %s_rows, %s_dead,\n};\n" % (t, t, t, t, t, t, t))


def write_c(path, sets, version):
    with open(path, "w", encoding="ascii") as out:
        out.write("/* SPDX-License-Identifier: MIT */\n"
                  "/* layout_tables_cldr: GENERATED keyboard layout tables for windows, macos\n"
                  " * and chromeos - do not edit; run agent/tools/layoutgen/regenerate.sh.\n"
                  " * Source: %s (agent/tools/layoutgen/cldr),\n"
                  " * read by agent/tools/layoutgen/cldrgen.py. Rows: {code point | flags,\n"
                  " * usage, mods, caps_mods, dead}, sorted by code point. */\n"
                  "#include \"layout_tables.h\"\n" % version)
        for target, items in sets:
            w = SetWriter(target)
            for name, kb, gen in items:
                entries = gen.entries()
                w.add(name, kb.id, kb.description, entries, gen.caps_only(entries))
            w.write(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cldr", default=os.path.join(HERE, "cldr"))
    ap.add_argument("-o", "--output")
    ap.add_argument("--version", default="Unicode CLDR keyboards")
    a = ap.parse_args()
    sets = load(a.cldr)
    write_c(a.output or "/dev/stdout", sets, a.version)
    return 0


if __name__ == "__main__":
    sys.exit(main())
