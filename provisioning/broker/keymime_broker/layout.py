# SPDX-License-Identifier: MIT
"""The broker directory (DIR): its paths, settings, account registry and lock.

    DIR/mosquitto.conf, passwd, acl, acl.local, conf.d/, certs/
    DIR/keymime/        0700: settings, accounts, admin/, ca/, devices/<id>/

DIR/keymime/accounts holds one line per account, "ROLE NAME GROUPS DEVICES"
(GROUPS/DEVICES: comma lists, "-" when empty), in the order they were last
changed; the ACL is generated from it.
"""
import fcntl
import os
import pwd
import subprocess
import time

from .util import die, read_text, write_file, PROG

DEBIAN_DIR = "/etc/mosquitto"
TLS_CONF_NAME = "keymime-tls.conf"
BRIDGE_CONF_NAME = "keymime-bridge.conf"


class Account:
    __slots__ = ("role", "name", "groups", "devices")

    def __init__(self, role, name, groups=(), devices=()):
        self.role, self.name = role, name
        self.groups, self.devices = list(groups), list(devices)

    def line(self):
        return "%s %s %s %s" % (self.role, self.name, ",".join(self.groups) or "-",
                                ",".join(self.devices) or "-")

    @classmethod
    def parse(cls, line):
        f = line.split()
        if len(f) < 2:
            return None
        lists = [[x for x in (v.split(",") if v != "-" else []) if x]
                 for v in (f[2:4] + ["-", "-"])[:2]]
        return cls(f[0], f[1], lists[0], lists[1])


class Layout:
    """One broker directory. reload: apply changes to a running broker."""

    def __init__(self, path, reload=True):
        self.dir = path
        self.reload = reload
        self._lock = None

    # ---- paths
    def reg(self, *p):
        return os.path.join(self.dir, "keymime", *p)

    def path(self, *p):
        return os.path.join(self.dir, *p)

    def device_dir(self, name):
        return self.reg("devices", name)

    def is_debian(self):
        return self.dir == DEBIAN_DIR

    # ---- settings: key=value lines written by init, never evaluated
    def settings(self):
        out = {}
        for line in read_text(self.reg("settings"), "").splitlines():
            k, sep, v = line.partition("=")
            if sep and k not in out:
                out[k] = v
        return out

    def setting(self, key, default=""):
        return self.settings().get(key, default)

    def set_setting(self, key, value):
        """Rewrite one setting (moved to the end, like the other writers)."""
        lines = [l for l in read_text(self.reg("settings"), "").splitlines()
                 if not l.startswith(key + "=")]
        write_file(self.reg("settings"), "\n".join(lines + ["%s=%s" % (key, value)]) + "\n", 0o600)

    def need_dir(self):
        if not os.path.isfile(self.reg("settings")):
            die("%s is not a keymime broker directory (run: %s init %s)" % (self.dir, PROG, self.dir))

    def run_user(self):
        """Who the broker runs as once it dropped privileges (matters for root)."""
        return self.setting("user", "mosquitto")

    def broker_readable(self, *paths):
        """A secret the broker itself must read (passwd, acl, server key, bridge
        conf). mosquitto 2.0.11 drops privileges BEFORE loading TLS keys and
        re-reads passwd/acl as that user on reload (SIGHUP), and later 2.0.x
        releases warn about files not owned by it: owner = the run user, 0600."""
        owner = run_user_ids(self.run_user())
        for p in paths:
            if owner:
                os.chown(p, *owner)
            os.chmod(p, 0o600)

    # ---- accounts
    def accounts(self):
        out = []
        for line in read_text(self.reg("accounts"), "").splitlines():
            a = Account.parse(line)
            if a:
                out.append(a)
        return out

    def account(self, name):
        for a in self.accounts():
            if a.name == name:
                return a
        return None

    def role(self, name):
        a = self.account(name)
        return a.role if a else ""

    def set_account(self, acc):
        """Add or replace an account; it moves to the end of the registry."""
        rest = [a for a in self.accounts() if a.name != acc.name]
        self._write_accounts(rest + [acc])

    def drop_account(self, name):
        self._write_accounts([a for a in self.accounts() if a.name != name])

    def _write_accounts(self, accs):
        write_file(self.reg("accounts"), "".join(a.line() + "\n" for a in accs), 0o600)

    # ---- kicks: accounts whose live sessions the next reload ends (DIR/guard)
    KICK_KEEP_S = 7 * 24 * 3600

    def kicks(self):
        """[(name, stamp)] of the last week; a stamp is the time in ns."""
        out = []
        for line in read_text(self.reg("kicks"), "").splitlines():
            f = line.split()
            if len(f) == 2 and f[1].isdigit():
                out.append((f[0], f[1]))
        return out

    def add_kick(self, name):
        now = time.time_ns()
        keep = [k for k in self.kicks() if int(k[1]) > now - self.KICK_KEEP_S * 10**9]
        keep.append((name, str(now)))
        write_file(self.reg("kicks"), "".join("%s %s\n" % k for k in keep), 0o600)

    # ---- one change at a time: the registry, passwd and ACL are rewritten whole
    def lock(self, timeout=30.0):
        fd = os.open(self.reg(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._lock = fd
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(fd)
                    die("%s is locked by another keymime-broker" % self.dir)
                time.sleep(0.05)

    def unlock(self):
        if self._lock is not None:
            os.close(self._lock)   # closing the descriptor releases the flock
            self._lock = None


def run_user_ids(user):
    """(uid, gid) to chown broker-read files to, or None when not root or the
    user is root or unknown."""
    if os.geteuid() != 0 or user == "root":
        return None
    try:
        pw = pwd.getpwnam(user)
    except KeyError:
        return None
    return pw.pw_uid, pw.pw_gid


def user_can_use(user, conf, data_dir):
    """Can `user` read conf and write data_dir? (runuser; root only)"""
    r = subprocess.run(["runuser", "-u", user, "--", "test", "-r", conf, "-a", "-w", data_dir],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return r.returncode == 0


def user_can_read(user, path):
    """Can `user` read path? (runuser; root only)"""
    r = subprocess.run(["runuser", "-u", user, "--", "test", "-r", path],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return r.returncode == 0
