# SPDX-License-Identifier: MIT
"""The private CA (DIR/keymime/ca), server and client certificates, the CRL.

Keys are EC P-256, certificates SHA-256 with random 128-bit serials. `openssl
ca` is used only for its revocation database and the CRL; certificates are
signed by `openssl x509 -req`."""
import os
import secrets
import shutil
import socket
import subprocess
import tempfile

from .util import die, note, write_file

SERVER_EXT = ("basicConstraints=critical,CA:FALSE\n"
              "keyUsage=critical,digitalSignature,keyEncipherment\n"
              "extendedKeyUsage=serverAuth\n")
CLIENT_EXT = ("basicConstraints=critical,CA:FALSE\n"
              "keyUsage=critical,digitalSignature\n"
              "extendedKeyUsage=clientAuth\n")


def _openssl(*args, stdin=None, quiet=False):
    r = subprocess.run(["openssl"] + list(args), input=stdin,
                       stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL if quiet else None)
    return r.returncode, r.stdout


def ca_dir(lay):
    return lay.reg("ca")


def _genkey(path):
    rc, _ = _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                     "-out", path, quiet=True)
    if rc:
        die("openssl genpkey failed")
    os.chmod(path, 0o600)


def _copy_public(src, dst):
    shutil.copyfile(src, dst)
    os.chmod(dst, 0o644)


def make_ca(lay):
    cd = ca_dir(lay)
    if os.path.isfile(os.path.join(cd, "ca.crt")):
        die("a CA exists in %s (delete it deliberately to start over)" % cd)
    os.makedirs(cd, exist_ok=True)
    os.chmod(cd, 0o700)
    key, crt = os.path.join(cd, "ca.key"), os.path.join(cd, "ca.crt")
    _genkey(key)
    rc, _ = _openssl("req", "-x509", "-new", "-key", key, "-sha256", "-days", "3650",
                     "-subj", "/O=keymime/CN=keymime CA %s" % socket.gethostname(),
                     "-addext", "basicConstraints=critical,CA:TRUE,pathlen:0",
                     "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", crt)
    if rc:
        die("openssl req failed")
    os.chmod(crt, 0o644)
    _copy_public(crt, lay.path("certs", "keymime-ca.crt"))
    open(os.path.join(cd, "index.txt"), "w").close()
    gen_crl(lay)
    note("CA created: %s (0600, keep it offline if you can), %s"
         % (key, lay.path("certs", "keymime-ca.crt")))


def _ca_openssl(lay, *args):
    cd = ca_dir(lay)
    index = os.path.join(cd, "index.txt")
    if not os.path.exists(index):
        open(index, "w").close()
    with tempfile.NamedTemporaryFile("w", prefix="keymime-ca-", suffix=".cnf") as cnf:
        cnf.write("[ca]\ndefault_ca = keymime\n[keymime]\ndatabase = %s\ncertificate = %s\n"
                  "private_key = %s\ndefault_md = sha256\ndefault_crl_days = 3650\n"
                  % (index, os.path.join(cd, "ca.crt"), os.path.join(cd, "ca.key")))
        cnf.flush()
        return _openssl("ca", "-config", cnf.name, *args, quiet=True)[0]


def gen_crl(lay):
    """DIR/certs/keymime-crl.pem: checked by the 8883 listener in the
    required/identity modes, re-read on reload."""
    crl = lay.path("certs", "keymime-crl.pem")
    if _ca_openssl(lay, "-gencrl", "-out", crl + ".new"):
        die("openssl ca -gencrl failed")
    os.chmod(crl + ".new", 0o644)
    os.replace(crl + ".new", crl)


def serial(crt):
    _, out = _openssl("x509", "-in", crt, "-noout", "-serial", quiet=True)
    return out.decode().strip().partition("=")[2]


def revoke_client_cert(lay, dev):
    """Revoke a device's client certificate (if it has one), publish the CRL.
    False when there is none or no CA key here."""
    crt = os.path.join(lay.device_dir(dev), "client.crt")
    if not (os.path.isfile(crt) and os.path.isfile(os.path.join(ca_dir(lay), "ca.key"))):
        return False
    _ca_openssl(lay, "-revoke", crt)   # already revoked is fine
    gen_crl(lay)
    note("revoked the client certificate of %s (serial %s)" % (dev, serial(crt)))
    return True


def sign(lay, key, cn, ext, crt):
    cd = ca_dir(lay)
    if not os.path.isfile(os.path.join(cd, "ca.key")):
        die("no CA: run 'keymime-broker ca' first")
    _genkey(key)
    with tempfile.TemporaryDirectory(prefix="keymime-sign-") as tmp:
        csr, extf = os.path.join(tmp, "csr"), os.path.join(tmp, "ext")
        with open(extf, "w") as f:
            f.write(ext)
        if _openssl("req", "-new", "-key", key, "-subj", "/O=keymime/CN=%s" % cn, "-out", csr)[0]:
            die("openssl req failed")
        rc, _ = _openssl("x509", "-req", "-in", csr, "-CA", os.path.join(cd, "ca.crt"),
                         "-CAkey", os.path.join(cd, "ca.key"),
                         "-set_serial", "0x" + secrets.token_hex(16), "-sha256", "-days", "825",
                         "-extfile", extf, "-out", crt, quiet=True)
        if rc:
            die("openssl x509 -req failed")
    os.chmod(crt, 0o644)


def san_list(hosts):
    """subjectAltName for the given host names and addresses."""
    import re
    out = []
    for h in hosts:
        if re.fullmatch(r"[0-9.]+", h) or ":" in h:
            out.append("IP:" + h)
        elif re.fullmatch(r"[A-Za-z0-9*.-]+", h):
            out.append("DNS:" + h)
        else:
            die("bad host name '%s'" % h)
    return ",".join(out)


def server_cert(lay, hosts):
    san = san_list(hosts)
    key = lay.path("certs", "keymime-server.key")
    sign(lay, key, hosts[0], SERVER_EXT + "subjectAltName=%s\n" % san,
         lay.path("certs", "keymime-server.crt"))
    lay.broker_readable(key)
    if not os.path.isfile(lay.path("certs", "keymime-crl.pem")):
        gen_crl(lay)
    write_file(lay.reg("tls-hosts"), "".join(h + "\n" for h in hosts), 0o600)
    return san


def client_cert(lay, dev):
    dd = lay.device_dir(dev)
    sign(lay, os.path.join(dd, "client.key"), dev, CLIENT_EXT, os.path.join(dd, "client.crt"))
    _copy_public(os.path.join(ca_dir(lay), "ca.crt"), os.path.join(dd, "ca.crt"))
