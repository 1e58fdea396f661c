# SPDX-License-Identifier: MIT
"""Applying changes to a running broker: SIGHUP (or `systemctl reload
mosquitto` for /etc/mosquitto). Says "reloaded" only when it was."""
import os
import shutil
import subprocess

from .util import die, note


def broker_pid(lay):
    """The pid of the mosquitto running for this directory (its pid file), or None."""
    pf = lay.setting("pid_file")
    try:
        with open(pf) as f:
            pid = f.read().strip()
        with open("/proc/%s/comm" % pid) as f:
            comm = f.read().strip()
    except (OSError, ValueError):
        return None
    return int(pid) if pid.isdigit() and comm == "mosquitto" else None


def systemd_active(lay):
    if not lay.is_debian() or not shutil.which("systemctl"):
        return False
    return subprocess.run(["systemctl", "is-active", "--quiet", "mosquitto"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def reload(lay):
    """Make the broker re-read passwd, ACL (and config); die when it cannot."""
    lay.need_dir()
    if systemd_active(lay):
        r = subprocess.run(["systemctl", "reload", "mosquitto"], stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            die("`systemctl reload mosquitto` failed (exit %d): %s — NOT reloaded; the change "
                "applies at the next reload or restart" % (r.returncode, r.stderr.strip()))
    else:
        pid = broker_pid(lay)
        if pid is None:
            die("no running mosquitto for %s (pid_file %s)" % (lay.dir, lay.setting("pid_file")))
        try:
            os.kill(pid, 1)   # SIGHUP
        except OSError as e:
            die("cannot signal mosquitto (pid %d): %s — NOT reloaded" % (pid, e.strerror))
    note("reloaded: passwords and ACL re-read; connected clients stay connected")


def reload_if_running(lay):
    """Reload when a broker for this directory runs (and --no-reload was not
    given). True when it reloaded; a failed reload is an error (die)."""
    if not lay.reload:
        return False
    if broker_pid(lay) is None and not systemd_active(lay):
        return False
    reload(lay)
    return True
