# SPDX-License-Identifier: MIT
"""Errors, name and path checks, and atomic file writes for keymime-broker."""
import os
import re
import sys
import tempfile

PROG = "keymime-broker"
ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
URI_RE = re.compile(r"(tcp|ssl|ws|wss|mqtt|mqtts)://[\]A-Za-z0-9.:_/\[-]+")
ADMIN = "keymime-admin"                   # the tool's own account (clears retained topics)
RESERVED = ("group", "site", ADMIN)       # names that would confuse the topic tree


class Die(Exception):
    """A refused command: the message is printed as 'keymime-broker: MSG', exit 1."""


def die(msg):
    raise Die(msg)


def note(msg):
    print("%s: %s" % (PROG, msg), file=sys.stderr, flush=True)


def valid_name(name):
    return bool(ID_RE.fullmatch(name)) and name not in RESERVED


def need_name(name):
    if not valid_name(name):
        die("invalid name '%s': want [A-Za-z0-9_-]{1,64}, not one of: %s"
            % (name, " ".join(RESERVED)))
    return name


def need_port(p):
    if not (re.fullmatch(r"[0-9]{1,5}", p) and 1 <= int(p) <= 65535):
        die("invalid port '%s'" % p)
    return p


def need_path(p):
    """Paths go into config files verbatim: refuse what would break a line."""
    if not p.startswith("/") or re.search(r"\s", p) or "#" in p:
        die("need an absolute path without spaces: '%s'" % p)
    return p


def abspath(p):
    """The absolute path of p, its directory resolved (like cd && pwd -P)."""
    d = os.path.dirname(p) or "."
    if not os.path.isdir(d):
        die("no such directory: %s" % d)
    return os.path.join(os.path.realpath(d), os.path.basename(p))


def parse_list(text):
    """A comma list of names -> validated, de-duplicated list (may be empty)."""
    out = []
    for x in text.split(","):
        if not x:
            continue
        if not ID_RE.fullmatch(x):
            die("invalid name in list: '%s'" % x)
        if x not in out:
            out.append(x)
    return out


def need_regular(path):
    """Never replace a device node, fifo or symlink (e.g. --password-file /dev/null)."""
    if os.path.islink(path) or (os.path.exists(path) and not os.path.isfile(path)):
        die("refusing to replace %s: not a regular file" % path)
    d = os.path.dirname(path) or "."
    if not os.path.isdir(d):
        die("no such directory: %s" % d)


def write_file(path, text, mode):
    """Replace path with text atomically (temporary file + rename), mode as given."""
    need_regular(path)
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".", dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_text(path, default=None):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        if default is None:
            raise
        return default


def first_line(path, default=""):
    text = read_text(path, "")
    return text.splitlines()[0] if text else default
