# SPDX-License-Identifier: MIT
"""The keymime-broker commands and their argument parsing."""
import ipaddress
import os
import shutil
import socket
import subprocess
import sys
import time

from . import render, tls
from .layout import (Account, Layout, BRIDGE_CONF_NAME, DEBIAN_DIR, TLS_CONF_NAME,
                     run_user_ids, user_can_read, user_can_use)
from .passwords import (admin_dir, drop_password, ensure_admin, gen_password, hand_out,
                        set_password)
from .reload import reload, reload_if_running
from .util import (ADMIN, Die, URI_RE, abspath, die, first_line, need_name, need_path,
                   need_port, need_regular, note, parse_list, read_text, write_file)
import re

AGENT_DIR = "/etc/keymime"
WEB_DIR = "/usr/share/keymime/web"       # the dashboard, installed by the package
PLUGIN = "/usr/lib/keymime/keymime_guard.so"   # installed by the package (broker-config/plugin)   # where the Pi keeps agent.conf, password, certificates

USAGE = """\
usage: keymime-broker [--dir DIR] COMMAND [ARGS]

DIR is the broker directory (default $KEYMIME_BROKER_DIR, else /etc/mosquitto).

  init DIR [--port 1883] [--ws-port 9001] [--tls-port 8883] [--wss-port 9443]
           [--bind IP (plaintext 1883/9001 only)] [--http-dir D (/usr/share/keymime/web if
           installed, else DIR/web)] [--data-dir D]
           [--user mosquitto] [--plugin /usr/lib/keymime/keymime_guard.so] [--force]
                        write DIR/mosquitto.conf, passwd, acl, conf.d/
  add-device ID [--groups g1,g2] [--broker URI] [--agent-dir /etc/keymime] [--no-password]
                        device account + DIR/keymime/devices/ID/{agent.conf,password}
                        to copy to the Pi's --agent-dir (the paths agent.conf names)
  set-groups ID g1,g2   change a device's groups (ACL and agent.conf)
  remove-device ID      drop credentials and ACL, reload, clear its retained topics
  add-operator NAME [--devices d1,d2] [--groups g1]
                        command every device, read keymime/# — or, scoped,
                        only these devices and groups
  add-homeassistant NAME  read keymime/#, command devices, read/write homeassistant/#
  add-viewer NAME       read availability/status/result only
  add-site NAME --devices id1,id2 [--groups g1,g2]
                        (central broker) a bridge account for a site broker
  bridge-conf SITE --address HOST:PORT --password-file F [--cafile F]
                        (site broker) write conf.d/keymime-bridge.conf
  remove NAME           remove any account
  rotate NAME           new password for an existing account
  list                  accounts and their roles
  ca                    create the private CA (DIR/keymime/ca)
  server-cert HOST... [--client-certs optional|required|identity]
                        server certificate with these SANs; enables 8883/9443
  client-cert ID        client certificate for a device, signed by the CA
                        (replaces and revokes a previous one)
  revoke-cert ID        revoke a device's client certificate (CRL) and password, end its
                        sessions; the device keeps its account and groups
  acl                   regenerate the ACL from the registry
  reload                SIGHUP mosquitto: re-reads passwd, ACL (and config)

Account commands print the generated password ONCE on stdout (or write it to
--password-file FILE, mode 0600). Changes are applied with a reload when a
broker for DIR is running (--no-reload to skip); a reload that fails is an
error (exit 1), never reported as done.
"""


def options(args, spec, what):
    """Parse ARGS against spec {"--opt": takes_value}; returns ({opt: value
    or True}, positionals). Unknown options are refused."""
    opts, pos, i = {}, [], 0
    while i < len(args):
        a = args[i]
        if a in spec:
            if spec[a]:
                if i + 1 >= len(args):
                    die("%s: %s needs a value" % (what, a))
                opts[a] = args[i + 1]
                i += 1
            else:
                opts[a] = True
        elif a.startswith("-"):
            die("%s: unknown option %s" % (what, a))
        else:
            pos.append(a)
        i += 1
    return opts, pos


# ---- init -------------------------------------------------------------------

def cmd_init(args):
    if not args or args[0].startswith("-"):
        die("usage: init DIR [options]")
    d = args[0]
    o, extra = options(args[1:], {"--port": 1, "--ws-port": 1, "--tls-port": 1,
                                  "--wss-port": 1, "--bind": 1, "--http-dir": 1,
                                  "--data-dir": 1, "--user": 1, "--force": 0,
                                  "--dry-run": 0, "--plugin": 1}, "init")
    if extra:
        die("init: unexpected argument %s" % extra[0])
    ports = {k: need_port(o.get("--" + k.replace("_", "-"), dflt))
             for k, dflt in (("port", "1883"), ("ws_port", "9001"), ("tls_port", "8883"),
                             ("wss_port", "9443"))}
    bind = o.get("--bind", "")
    if bind:
        try:
            bind = str(ipaddress.ip_address(bind))
        except ValueError:
            die("bad --bind '%s': an IP address (127.0.0.1, ::1, 192.0.2.5), not a host name "
                "(mosquitto 2.0.11 does not bind its WebSockets listener to a name)" % bind)
    user = o.get("--user", "mosquitto")
    if not re.fullmatch(r"[a-z_][a-z0-9_-]*", user):
        die("bad --user '%s'" % user)
    dry = "--dry-run" in o
    if dry:
        if not d.startswith("/"):
            die("--dry-run wants an absolute DIR")
    else:
        os.makedirs(d, exist_ok=True)
        d = os.path.realpath(d)
    need_path(d)
    debian = d == DEBIAN_DIR
    # The package's dashboard, when it is there (or for /etc/mosquitto); a
    # directory of its own otherwise: init never creates the system's.
    http_dir = o.get("--http-dir") or (WEB_DIR if debian or os.path.isdir(WEB_DIR)
                                       else d + "/web")
    if not http_dir.startswith("/"):
        http_dir = abspath(http_dir)
    need_path(http_dir)
    data_dir = need_path(o.get("--data-dir") or ("/var/lib/mosquitto" if debian else d + "/data"))
    pid_file = "/run/mosquitto/mosquitto.pid" if debian else data_dir + "/mosquitto.pid"
    plugin = need_path(abspath(o["--plugin"]) if o.get("--plugin") else
                       (not dry and Layout(d).setting("plugin")) or default_plugin())
    conf = dict(dir=d, bind=bind, http_dir=http_dir, user=user, pid_file=pid_file,
                data_dir=data_dir, plugin=plugin, **ports)
    if dry:
        sys.stdout.write(render.mosquitto_conf(conf))
        return
    lay = Layout(d)
    init_dir(lay, conf, "--force" in o)


def default_plugin():
    """keymime_guard.so where the package installs it (<prefix>/lib/keymime/),
    for a tool installed under another prefix too."""
    prefix = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    mine = os.path.join(os.path.dirname(prefix), "lib", "keymime", "keymime_guard.so")
    return mine if os.path.isfile(mine) else PLUGIN


def need_plugin(path, user):
    """mosquitto loads plugins after dropping privileges: the file must be
    there and readable by the broker's user, or the broker does not start."""
    if not os.path.isfile(path):
        die("no keymime_guard plugin at %s: install the keymime package, or build it "
            "(cmake: BUILD/broker-config/plugin/keymime_guard.so) and give --plugin PATH" % path)
    if run_user_ids(user) and not user_can_read(user, path):
        die("user %s cannot read %s (mosquitto loads its plugins after dropping "
            "privileges): put the plugin where that user can read it" % (user, path))


def init_dir(lay, conf, force):
    d, user, data_dir, http_dir = lay.dir, conf["user"], conf["data_dir"], conf["http_dir"]
    need_plugin(conf["plugin"], user)
    if os.path.isfile(lay.path("mosquitto.conf")) and not os.path.isfile(lay.reg("settings")):
        if not force:
            die("%s/mosquitto.conf exists and is not ours; --force keeps it as "
                "mosquitto.conf.orig" % d)
        shutil.copy2(lay.path("mosquitto.conf"), lay.path("mosquitto.conf.orig"))
    for p in (lay.reg("devices"), lay.path("conf.d"), lay.path("certs"), data_dir):
        os.makedirs(p, exist_ok=True)
    os.chmod(lay.reg(), 0o700)
    os.chmod(lay.path("conf.d"), 0o755)
    os.chmod(lay.path("certs"), 0o755)
    owner = run_user_ids(user)
    if owner:
        os.chown(data_dir, *owner)
        # After dropping privileges the broker re-reads its files on reload.
        os.chmod(d, os.stat(d).st_mode | 0o011)
    # mosquitto 2.0.11 will not start when http_dir does not exist: an empty
    # one serves nothing until the dashboard is installed there.
    if not os.path.isdir(http_dir):
        old = os.umask(0o022)
        try:
            os.makedirs(http_dir, exist_ok=True)
        finally:
            os.umask(old)
        note("created an empty %s (mosquitto refuses a missing http_dir); install the "
             "dashboard there" % http_dir)
    client_certs = lay.setting("client_certs", "optional") if os.path.isfile(
        lay.reg("settings")) else "optional"
    keys = ("port", "ws_port", "tls_port", "wss_port", "bind", "http_dir", "data_dir", "user",
            "pid_file", "plugin")
    write_file(lay.reg("settings"), "client_certs=%s\n" % client_certs +
               "".join("%s=%s\n" % (k, conf[k]) for k in keys), 0o600)
    write_file(lay.path("mosquitto.conf"), render.mosquitto_conf(conf), 0o644)
    if not os.path.isfile(lay.reg("accounts")):
        write_file(lay.reg("accounts"), "", 0o600)
    if not os.path.isfile(lay.path("passwd")):
        open(lay.path("passwd"), "w").close()
    lay.broker_readable(lay.path("passwd"))
    ensure_admin(lay)
    write_acl(lay)
    if owner and not user_can_use(user, lay.path("mosquitto.conf"), data_dir):
        note("WARNING: user %s cannot reach %s or write %s: make the parent directories "
             "traversable (chmod o+x) or the broker fails (pid file, reload)" % (user, d, data_dir))
    # Re-running init (new ports, --bind) carries the TLS listeners along.
    if os.path.isfile(lay.path("conf.d", TLS_CONF_NAME)):
        write_tls_conf(lay, client_certs)
    note("initialised %s (MQTT :%s, WebSockets :%s serving %s)"
         % (d, conf["port"], conf["ws_port"], http_dir))
    note("start: mosquitto -c %s/mosquitto.conf" % d)


# ---- accounts -----------------------------------------------------------------

def write_acl(lay):
    """DIR/acl and DIR/guard (the plugin's rules), both from the registry."""
    local = read_text(lay.path("acl.local")) if os.path.isfile(lay.path("acl.local")) else None
    accs = lay.accounts()
    write_file(lay.path("acl"), render.acl(accs, lay.reg("accounts"), lay.dir, local), 0o600)
    write_file(lay.path("guard"), render.guard(accs, lay.setting("client_certs", "optional"),
                                               lay.kicks(), lay.reg("accounts")), 0o600)
    lay.broker_readable(lay.path("acl"), lay.path("guard"))


def kick(lay, name):
    """End name's live sessions at the next reload (the plugin does it)."""
    lay.add_kick(name)
    write_acl(lay)


def make_account(lay, role, name, groups, devices, pwfile):
    need_name(name)
    if pwfile:
        need_regular(pwfile)
    have = lay.role(name)
    if have:
        die("account '%s' exists (role %s); remove or rotate it" % (name, have))
    pw = gen_password()
    set_password(lay, name, pw)
    lay.set_account(Account(role, name, groups, devices))
    write_acl(lay)
    hand_out(pw, pwfile)


def cmd_add_role(lay, role, args):
    if not args or args[0].startswith("-"):
        die("usage: add-%s NAME [--password-file F]" % role)
    spec = {"--password-file": 1}
    if role == "operator":
        spec.update({"--devices": 1, "--groups": 1})
    o, extra = options(args[1:], spec, "add-" + role)
    if extra:
        die("add-%s: unexpected argument %s" % (role, extra[0]))
    devices, groups = parse_list(o.get("--devices", "")), parse_list(o.get("--groups", ""))
    if ("--devices" in o or "--groups" in o) and not devices + groups:
        die("a scoped operator needs --devices or --groups")
    make_account(lay, role, args[0], groups, devices, o.get("--password-file"))
    reload_if_running(lay)


def default_uri(lay):
    r = subprocess.run(["hostname", "-f"], capture_output=True, text=True)
    host = r.stdout.strip() if r.returncode == 0 and r.stdout.strip() else socket.gethostname()
    if os.path.isfile(lay.path("certs", "keymime-server.crt")):
        san = first_line(lay.reg("tls-hosts"))
        return "ssl://%s:%s" % (san or host, lay.setting("tls_port", "8883"))
    return "tcp://%s:%s" % (host, lay.setting("port", "1883"))


def cmd_add_device(lay, args):
    if not args or args[0].startswith("-"):
        die("usage: add-device ID [--groups g1,g2] [--broker URI] [--agent-dir PATH]")
    o, extra = options(args[1:], {"--groups": 1, "--broker": 1, "--agent-dir": 1,
                                  "--no-password": 0}, "add-device")
    if extra:
        die("add-device: unexpected argument %s" % extra[0])
    dev = need_name(args[0])
    groups = parse_list("all," + o.get("--groups", ""))
    if lay.role(dev):
        die("account '%s' exists; remove-device it first" % dev)
    dd = lay.device_dir(dev)
    agent_dir = need_path(o.get("--agent-dir") or AGENT_DIR)
    uri = o.get("--broker") or default_uri(lay)
    if not URI_RE.fullmatch(uri):
        die("bad --broker URI '%s'" % uri)
    # Everything is checked: from here on the device is created.
    os.makedirs(dd, exist_ok=True)
    os.chmod(dd, 0o700)
    nopw = "--no-password" in o
    if not nopw:
        pw = gen_password()
        set_password(lay, dev, pw)
        write_file(os.path.join(dd, "password"), pw + "\n", 0o600)
    lay.set_account(Account("device", dev, groups))
    write_file(os.path.join(dd, "broker-uri"), uri + "\n", 0o600)
    if os.path.isfile(lay.path("certs", "keymime-ca.crt")):
        shutil.copyfile(lay.path("certs", "keymime-ca.crt"), os.path.join(dd, "ca.crt"))
        os.chmod(os.path.join(dd, "ca.crt"), 0o644)
    write_file(os.path.join(dd, "agent-dir"), agent_dir + "\n", 0o600)
    write_agent_conf(lay, dev)
    write_acl(lay)
    reload_if_running(lay)
    note("device %s (groups %s): %s/agent.conf" % (dev, " ".join(groups), dd))
    if not nopw:
        note("its password is in %s/password (0600, not printed)" % dd)
    copy_hint(lay, dev)


def copy_hint(lay, dev):
    """Say exactly which files the device needs and where they go."""
    dd = lay.device_dir(dev)
    files = [f for f in ("agent.conf", "password", "ca.crt", "client.crt", "client.key")
             if os.path.isfile(os.path.join(dd, f))]
    note("copy %s/{%s} to the Pi's %s/ (secrets mode 0600, owned by the agent's user)"
         % (dd, ",".join(files), first_line(os.path.join(dd, "agent-dir"), AGENT_DIR)))


def is_tls_uri(uri):
    return uri.split("://", 1)[0] in ("ssl", "mqtts", "wss")


def tls_uri(lay, uri):
    """The TLS form of a device's broker URI, at the server certificate's
    first name: tcp:// and mqtt:// become ssl://NAME:TLS_PORT, ws://
    becomes wss://NAME:WSS_PORT/PATH; a TLS URI stays as it is."""
    if is_tls_uri(uri):
        return uri
    scheme, _, rest = uri.partition("://")
    path = "/" + rest.split("/", 1)[1] if "/" in rest else ""
    name = first_line(lay.reg("tls-hosts"))
    if ":" in name:
        name = "[%s]" % name
    if scheme == "ws":
        return "wss://%s:%s%s" % (name, lay.setting("wss_port", "9443"), path)
    return "ssl://%s:%s" % (name, lay.setting("tls_port", "8883"))


def write_agent_conf(lay, dev):
    """agent.conf for a device, from what its directory holds. TLS files are
    named only with a TLS URI (the agent refuses them beside a plain one)."""
    dd = lay.device_dir(dev)
    acc = lay.account(dev)
    has = lambda f: os.path.isfile(os.path.join(dd, f))  # noqa: E731
    uri = first_line(os.path.join(dd, "broker-uri"))
    tls_on = is_tls_uri(uri)
    text = render.agent_conf(dev, uri, first_line(os.path.join(dd, "agent-dir")),
                             acc.groups if acc else [], has("password"),
                             tls_on and has("ca.crt"), tls_on and has("client.crt"))
    write_file(os.path.join(dd, "agent.conf"), text, 0o600)


def cmd_remove(lay, args):
    """Remove any account; for a device also its files, certificate and
    retained topics."""
    if not args:
        die("usage: remove NAME")
    name = args[0]
    role = lay.role(name)
    if not role:
        die("no account '%s'" % name)
    if role == "admin":
        die("%s is the tool's own account" % ADMIN)
    drop_password(lay, name)
    lay.drop_account(name)
    kick(lay, name)   # also sessions a password check would not end (certificates)
    if role == "device":
        tls.revoke_client_cert(lay, name)
        shutil.rmtree(lay.device_dir(name), ignore_errors=True)
        if reload_if_running(lay):
            # Let the reload drop its connection first; its will (offline,
            # retained) is refused then, as its ACL lines are gone.
            time.sleep(0.5)
            clear_retained(lay, name)
        else:
            note("no reload (broker not running, or --no-reload): its retained topics "
                 "(keymime/%s/#, homeassistant/+/keymime_%s/+/config) stay stored; "
                 "check_retain_source keeps the broker from serving them" % (name, name))
    else:
        reload_if_running(lay)
    note("removed %s %s" % (role, name))


def clear_retained(lay, dev):
    """Empty every retained message of a device, with the tool's own account."""
    host = lay.setting("bind")
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    env = dict(os.environ, XDG_CONFIG_HOME=admin_dir(lay), HOME="/nonexistent")
    r = subprocess.run(["mosquitto_sub", "-h", host, "-p", lay.setting("port", "1883"),
                        "-t", "keymime/%s/#" % dev, "-t", "homeassistant/+/keymime_%s/+/config" % dev,
                        "--retained-only", "--remove-retained", "-W", "2", "-v"],
                       env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    for line in r.stdout.decode("utf-8", "replace").splitlines():
        print("cleared retained " + line.split(" ", 1)[0], file=sys.stderr)


def cmd_set_groups(lay, args):
    if len(args) != 2:
        die("usage: set-groups ID g1,g2")
    dev = args[0]
    if lay.role(dev) != "device":
        die("no device '%s'" % dev)
    groups = parse_list("all," + args[1])
    lay.set_account(Account("device", dev, groups))
    write_agent_conf(lay, dev)
    write_acl(lay)
    reload_if_running(lay)
    note("device %s is in groups %s; install its new agent.conf (or set groups = %s)"
         % (dev, " ".join(groups), ",".join(groups[1:])))


def cmd_rotate(lay, args):
    if not args:
        die("usage: rotate NAME [--password-file F]")
    name = args[0]
    pwfile = args[2] if len(args) >= 3 and args[1] == "--password-file" else None
    if pwfile:
        need_regular(pwfile)
    role = lay.role(name)
    if not role or role == "admin":
        die("no account '%s'" % name)
    pw = gen_password()
    set_password(lay, name, pw)
    kick(lay, name)
    if role == "device":
        path = os.path.join(lay.device_dir(name), "password")
        write_file(path, pw + "\n", 0o600)
        note("new password in %s — install it on the device" % path)
        copy_hint(lay, name)
    else:
        hand_out(pw, pwfile)
    reload_if_running(lay)


def cmd_add_site(lay, args):
    if not args or args[0].startswith("-"):
        die("usage: add-site NAME --devices id1,id2 [--groups g1,g2]")
    o, extra = options(args[1:], {"--devices": 1, "--groups": 1, "--password-file": 1},
                       "add-site")
    if extra:
        die("add-site: unexpected argument %s" % extra[0])
    devices = parse_list(o.get("--devices", ""))
    if not devices:
        die("add-site: --devices is required")
    make_account(lay, "site", args[0], parse_list("all," + o.get("--groups", "")), devices,
                 o.get("--password-file"))
    reload_if_running(lay)


def cmd_list(lay, args):
    for a in lay.accounts():
        print("%-14s %-24s groups=%s devices=%s" % (a.role, a.name, ",".join(a.groups) or "-",
                                                  ",".join(a.devices) or "-"))


# ---- TLS ----------------------------------------------------------------------

def write_tls_conf(lay, mode):
    write_file(lay.path("conf.d", TLS_CONF_NAME),
               render.tls_conf(mode, lay.path("certs"), lay.setting("tls_port", "8883"),
                               lay.setting("wss_port", "9443"), lay.setting("http_dir")), 0o644)


def cmd_ca(lay, args):
    tls.make_ca(lay)


def cmd_server_cert(lay, args):
    o, hosts = options(args, {"--client-certs": 1}, "server-cert")
    mode = o.get("--client-certs", lay.setting("client_certs", "optional"))
    if not hosts:
        die("usage: server-cert HOST... [--client-certs optional|required|identity]")
    if mode not in ("optional", "required", "identity"):
        die("bad --client-certs '%s'" % mode)
    san = tls.server_cert(lay, hosts)
    lay.set_setting("client_certs", mode)
    write_tls_conf(lay, mode)
    write_acl(lay)   # DIR/guard: devices need their certificate unless optional
    note("server certificate for %s (%s); client certificates: %s" % (" ".join(hosts), san, mode))
    note("TLS listeners :%s and :%s are configured in %s"
         % (lay.setting("tls_port", "8883"), lay.setting("wss_port", "9443"),
            lay.path("conf.d", TLS_CONF_NAME)))
    note("RESTART mosquitto to open them (a reload does not open new listeners)")


def cmd_client_cert(lay, args):
    if not args:
        die("usage: client-cert ID")
    dev = args[0]
    if lay.role(dev) != "device":
        die("no device '%s' (add-device first)" % dev)
    if not os.path.isfile(lay.path("certs", "keymime-server.crt")):
        die("no server certificate: run `server-cert HOST` first (the device then "
            "connects to ssl://HOST:%s)" % lay.setting("tls_port", "8883"))
    if tls.revoke_client_cert(lay, dev):   # a new certificate replaces the old one
        kick(lay, dev)                       # and the sessions it served end
    tls.client_cert(lay, dev)
    uri_file = os.path.join(lay.device_dir(dev), "broker-uri")
    old_uri = first_line(uri_file)
    new_uri = tls_uri(lay, old_uri)
    if new_uri != old_uri:   # a certificate is for TLS: never beside a plain-text URI
        write_file(uri_file, new_uri + "\n", 0o600)
        note("%s's broker URI is now %s (was %s)" % (dev, new_uri, old_uri))
    write_agent_conf(lay, dev)
    reload_if_running(lay)   # the CRL, if a previous certificate was revoked
    note("client certificate for %s: %s/client.{crt,key}; agent.conf updated"
         % (dev, lay.device_dir(dev)))
    copy_hint(lay, dev)


def cmd_revoke_cert(lay, args):
    if not args:
        die("usage: revoke-cert ID")
    dev = args[0]
    if lay.role(dev) != "device":
        die("no device '%s'" % dev)
    if not tls.revoke_client_cert(lay, dev):
        die("no client certificate for '%s' (or no CA key here)" % dev)
    # Revoking is for a lost or stolen device: the password that sat beside
    # the key goes too, and its live sessions end at the reload.
    drop_password(lay, dev)
    for f in ("client.crt", "client.key", "password"):
        p = os.path.join(lay.device_dir(dev), f)
        if os.path.exists(p):
            os.unlink(p)
    kick(lay, dev)
    write_agent_conf(lay, dev)
    reload_if_running(lay)
    note("%s keeps its account and groups but can no longer log in: `client-cert %s` and "
         "`rotate %s` give it new credentials" % (dev, dev, dev))


# ---- bridges -------------------------------------------------------------------

def cmd_bridge_conf(lay, args):
    if not args or args[0].startswith("-"):
        die("usage: bridge-conf SITE --address HOST:PORT --password-file F [--cafile F]")
    o, extra = options(args[1:], {"--address": 1, "--password-file": 1, "--cafile": 1},
                       "bridge-conf")
    if extra:
        die("bridge-conf: unexpected argument %s" % extra[0])
    site = need_name(args[0])
    address = o.get("--address", "")
    if not re.fullmatch(r"[A-Za-z0-9.:_-]+:[0-9]+", address):
        die("--address HOST:PORT")
    pwfile = o.get("--password-file", "")
    if not (pwfile and os.access(pwfile, os.R_OK)):
        die("--password-file: the site account's password on the central broker")
    pw = first_line(pwfile)
    if not re.fullmatch(r"[A-Za-z0-9_-]+", pw):
        die("unexpected characters in the password file")
    cafile_copy = None
    if o.get("--cafile"):
        src = need_path(abspath(o["--cafile"]))
        cafile_copy = lay.path("certs", "keymime-central-ca.crt")
        shutil.copyfile(src, cafile_copy)
        os.chmod(cafile_copy, 0o644)
    f = lay.path("conf.d", BRIDGE_CONF_NAME)
    write_file(f, render.bridge_conf(site, address, pw, cafile_copy), 0o600)
    lay.broker_readable(f)
    note("bridge to %s written to %s; restart mosquitto to start it" % (address, f))


# ---- main ----------------------------------------------------------------------

def cmd_remove_device(lay, args):
    if lay.role(args[0] if args else "") != "device":
        die("no device '%s'" % (args[0] if args else ""))
    cmd_remove(lay, args[:1])


def cmd_acl(lay, args):
    write_acl(lay)
    reload_if_running(lay)


COMMANDS = {
    "add-device": cmd_add_device,
    "set-groups": cmd_set_groups,
    "remove-device": cmd_remove_device,
    "add-operator": lambda lay, a: cmd_add_role(lay, "operator", a),
    "add-homeassistant": lambda lay, a: cmd_add_role(lay, "homeassistant", a),
    "add-viewer": lambda lay, a: cmd_add_role(lay, "viewer", a),
    "add-site": cmd_add_site,
    "bridge-conf": cmd_bridge_conf,
    "remove": cmd_remove,
    "rotate": cmd_rotate,
    "list": cmd_list,
    "acl": cmd_acl,
    "ca": cmd_ca,
    "server-cert": cmd_server_cert,
    "client-cert": cmd_client_cert,
    "revoke-cert": cmd_revoke_cert,
    "reload": lambda lay, a: reload(lay),
}


def split_global(argv):
    """--dir DIR, --no-reload and help may stand anywhere (as they always could)."""
    d, do_reload, rest, i = os.environ.get("KEYMIME_BROKER_DIR") or DEBIAN_DIR, True, [], 0
    while i < len(argv):
        a = argv[i]
        if a == "--dir":
            if i + 1 >= len(argv):
                die("--dir needs a value")
            d = argv[i + 1]
            i += 1
        elif a == "--no-reload":
            do_reload = False
        elif a in ("-h", "--help", "help"):
            return None, None, None
        else:
            rest.append(a)
        i += 1
    return d, do_reload, rest


def main(argv=None):
    os.umask(0o077)
    argv = sys.argv[1:] if argv is None else argv
    try:
        d, do_reload, rest = split_global(argv)
        if rest is None:
            sys.stdout.write(USAGE)
            return 0
        if not rest:
            sys.stderr.write(USAGE)
            return 2
        cmd, args = rest[0], rest[1:]
        if cmd == "init":
            cmd_init(args)
            return 0
        if not os.path.isabs(d):
            if not os.path.isdir(d):
                die("no such directory: %s" % d)
            d = os.path.realpath(d)
        lay = Layout(d, do_reload)
        lay.need_dir()
        lay.lock()
        try:
            if cmd not in COMMANDS:
                sys.stderr.write(USAGE)
                return 2
            COMMANDS[cmd](lay, args)
        finally:
            lay.unlock()
        return 0
    except Die as e:
        print("keymime-broker: %s" % e, file=sys.stderr)
        return 1
