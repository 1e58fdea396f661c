# SPDX-License-Identifier: MIT
"""keymime_broker: the access control of a keymime mosquitto broker.

Written in Python 3 (standard library only, Debian 12's python3) instead of
bash: the tool renders four file formats (mosquitto.conf, ACL, agent.conf,
bridge.conf), keeps a registry and drives openssl; as 1,000 lines and 59
functions of bash it could only be tested end to end. Here each part is a
module with plain functions that tests/broker/test_unit_*.py call directly,
while the CLI, the files it writes and its behaviour stay what they were.

Modules: util (errors, names, atomic files), layout (the broker directory,
settings, accounts, locking), render (mosquitto.conf, ACL, agent.conf, TLS
and bridge includes: pure text), passwords, tls (CA, certificates, CRL),
reload, cli (the commands).
"""
