#!/bin/bash
# SPDX-License-Identifier: MIT
# install-deps.sh: install what building, the demo or the test suite needs
# from Debian's archive (Debian 12 / Raspberry Pi OS). Installs only what is
# missing; safe to run again.
#   provisioning/install-deps.sh          build + demo
#   provisioning/install-deps.sh --test   build + demo + every test suite
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")

# file: cpack's DEB generator runs it on every installed file (no .deb without it).
pkgs=(build-essential cmake pkg-config libpaho-mqtt-dev libjson-c-dev libssl-dev
      mosquitto mosquitto-clients libxkbcommon-dev xkb-data libx11-data libexpat1-dev openssl
      python3 file
      mosquitto-dev libmosquitto-dev)   # the keymime_guard mosquitto plugin (broker-config/plugin)
if [[ ${1:-} == --test ]]; then
	pkgs+=(libcriterion-dev clang libclang-rt-14-dev valgrind chromium fonts-dejavu-core
	       qemu-system-x86 busybox-static kmod cpio procps)
	# "localhost" must resolve (TLS tests check the certificate's name): a
	# minimal Debian root has no /etc/hosts; nss-myhostname answers it anyway.
	pkgs+=(libnss-myhostname)
	# Each suite lists what it needs beside its tests.
	for f in "$root"/tests/*/apt-packages.txt; do
		[[ -f $f ]] && mapfile -t -O "${#pkgs[@]}" pkgs < <(grep -v '^\s*\(#\|$\)' "$f")
	done
fi
# Node.js for the dashboard build (and its tests): Debian's (18 on Debian 12)
# unless one is there; never a downloaded runtime.
command -v node >/dev/null || pkgs+=(nodejs)
command -v npm >/dev/null || pkgs+=(npm)

missing=()
for p in $(printf '%s\n' "${pkgs[@]}" | sort -u); do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
	sudo=""
	if [[ $(id -u) != 0 ]]; then
		command -v sudo >/dev/null || {
			echo "install-deps: missing packages: ${missing[*]}" >&2
			echo "install-deps: no sudo here: as root, run: apt-get install ${missing[*]}" >&2
			exit 1
		}
		sudo=sudo
	fi
	echo "install-deps: installing ${missing[*]}" >&2
	$sudo apt-get update -q
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
