# SPDX-License-Identifier: MIT
"""No password ever reaches a command line: every program keymime-broker runs
is recorded with strace (execve, full argv) and searched for the passwords
it generated or used. Skipped (77) when strace is missing or not permitted."""
import os
import re
import shutil
import subprocess
import tempfile

from brokerlib import KB, BrokerDir, testmain

STRACE = shutil.which("strace")
if not STRACE or subprocess.run([STRACE, "-f", "-qq", "-e", "trace=execve", "-o", os.devnull,
                                  "true"], capture_output=True).returncode != 0:
    testmain.skip("strace is not available or not permitted here")

D = BrokerDir()
B = D.start()
TRACES = []


def traced(*args):
    """keymime-broker --dir D ARGS under strace; returns its stdout."""
    fd, log = tempfile.mkstemp(prefix="keymime-strace-")
    os.close(fd)
    r = subprocess.run([STRACE, "-f", "-qq", "-e", "trace=execve", "-s", "100000", "-o", log,
                        KB, "--dir", D.dir] + list(args), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    with open(log) as f:
        TRACES.append(f.read())
    os.unlink(log)
    return r.stdout


def secrets():
    out = []
    for root, _, files in os.walk(D.dir):
        for f in files:
            p = os.path.join(root, f)
            if f == "password" or f.endswith(".pw"):
                out.append(open(p).read().strip())
    admin = open(os.path.join(D.dir, "keymime", "admin", "mosquitto_sub")).read()
    out += re.findall(r"^-P (\S+)$", admin, re.M)
    return [s for s in out if s]


def test_every_command_keeps_passwords_off_argv():
    pws = [traced("add-operator", "alice").strip()]
    traced("add-device", "pi1", "--groups", "lab")
    pws.append(traced("rotate", "alice").strip())
    traced("rotate", "pi1")
    pw_site = os.path.join(D.tmp, "site.pw")
    traced("add-site", "lab", "--devices", "pi1", "--password-file", pw_site)
    traced("ca")
    traced("server-cert", "localhost")
    traced("client-cert", "pi1")
    traced("bridge-conf", "lab", "--address", "127.0.0.1:8883", "--password-file", pw_site)
    pws += secrets() + [open(pw_site).read().strip()]
    traced("remove-device", "pi1")      # uses the tool's own broker account
    execs = "\n".join(TRACES)
    assert "mosquitto_passwd" in execs and "mosquitto_sub" in execs, "trace looks empty"
    assert len(pws) >= 5
    for pw in pws:
        assert len(pw) >= 32
        assert pw not in execs, "a password appeared in a command line"


if __name__ == "__main__":
    testmain.main(globals(), cleanup=D.cleanup)
