# SPDX-License-Identifier: MIT
"""Passwords: generated from the kernel's random source, hashed by
`mosquitto_passwd -U` on a private 0600 temporary file (never an argument of
any process), handed out once."""
import base64
import os
import re
import subprocess
import sys
import tempfile

from .util import ADMIN, die, note, read_text, write_file


def gen_password():
    """192 bits from the kernel, base64url without padding (32 characters)."""
    return base64.urlsafe_b64encode(os.urandom(24)).decode()


def _without(passwd_text, name):
    return "".join(l + "\n" for l in passwd_text.splitlines() if not l.startswith(name + ":"))


def set_password(lay, name, password):
    """Set NAME's password in DIR/passwd (PBKDF2 hash, $7$)."""
    fd, tmp = tempfile.mkstemp(prefix=".pw.", dir=lay.reg())
    try:
        with os.fdopen(fd, "w") as f:
            f.write("%s:%s\n" % (name, password))
        subprocess.run(["mosquitto_passwd", "-U", tmp], stdout=subprocess.DEVNULL, check=False)
        hashed = read_text(tmp)
    finally:
        os.unlink(tmp)
    if not re.match(r"%s:\$7\$" % re.escape(name), hashed):
        die("mosquitto_passwd did not hash the password")
    passwd = lay.path("passwd")
    write_file(passwd, _without(read_text(passwd, ""), name) + hashed, 0o600)
    lay.broker_readable(passwd)


def drop_password(lay, name):
    passwd = lay.path("passwd")
    write_file(passwd, _without(read_text(passwd, ""), name), 0o600)
    lay.broker_readable(passwd)


def hand_out(password, pwfile):
    """Give a fresh password to the caller: into --password-file, else on stdout."""
    if pwfile:
        write_file(pwfile, password + "\n", 0o600)
        note("password written to %s (mode 0600)" % pwfile)
    else:
        sys.stdout.write(password + "\n")
        sys.stdout.flush()


def admin_dir(lay):
    return lay.reg("admin")


def ensure_admin(lay):
    """The tool's own account, used to clear retained topics of removed
    devices. Its credentials live in a mosquitto_pub/_sub option file read
    via XDG_CONFIG_HOME (never in argv)."""
    from .layout import Account
    xdg = admin_dir(lay)
    if os.path.isfile(os.path.join(xdg, "mosquitto_sub")):
        return
    os.makedirs(xdg, exist_ok=True)
    os.chmod(xdg, 0o700)
    pw = gen_password()
    set_password(lay, ADMIN, pw)
    opts = "-u %s\n-P %s\n" % (ADMIN, pw)
    for tool in ("mosquitto_sub", "mosquitto_pub"):
        write_file(os.path.join(xdg, tool), opts, 0o600)
    lay.set_account(Account("admin", ADMIN))
