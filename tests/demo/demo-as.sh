#!/bin/bash
# SPDX-License-Identifier: MIT
# demo-as.sh: the README's first command as a new user runs it, from a copy of
# this tree in a place like theirs (needs root to set that up; exit 77 without):
#   demo-as.sh root-home   as root, the clone in a 0700 directory (like /root,
#                          or a Debian 12 home under sudo -i): the broker must
#                          not be sent into a place its user cannot reach
#   demo-as.sh sudo-user   as root with SUDO_USER set, the clone in that user's
#                          0700 home: the demo must run as that user (it did
#                          need sudo only for packages), its files theirs
#   demo-as.sh user        as an ordinary user from their 0700 home, with a
#                          user's environment (no /usr/sbin on PATH)
# Each runs provisioning/demo.sh --check --no-deps there, which builds the
# demo, runs every command it suggests and checks what each one showed.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
mode=${1:?usage: demo-as.sh root-home|sudo-user|user}
[[ $(id -u) == 0 ]] || { echo "SKIP: needs root (it makes a 0700 home and runs as another user)"; exit 77; }
[[ -f $SRC/web-client/dist/index.html ]] || { echo "no web-client/dist: build the dashboard first (npm run build)"; exit 1; }

T=$(mktemp -d /tmp/keymime-demo-as.XXXXXX)
trap 'rm -rf "$T"' EXIT
home=$T/home
mkdir -m 0700 "$home"
# The tree as a clone has it (no build directories, no npm modules; the
# dashboard's dist/ is kept so no npm run is needed), without needing git.
tar -C "$SRC" --exclude=./.git --exclude='./build*' --exclude=node_modules -cf - . |
	tar -C "$home" --one-top-level=keymime -xf -
echo "demo-as $mode: clone copied to $home/keymime (home mode $(stat -c %a "$home"))"

case $mode in
root-home)
	out=$(cd / && "$home/keymime/provisioning/demo.sh" --check --no-deps 2>&1) && rc=0 || rc=$?
	echo "$out"
	[[ $rc == 0 ]] || { echo "FAIL: demo.sh --check as root in a 0700 home: exit $rc"; exit 1; }
	grep -q '^demo: as root: the broker runs as user mosquitto' <<<"$out" ||
		{ echo "FAIL: the broker did not run as user mosquitto"; exit 1; }
	left=$(grep -o '/tmp/keymime-demo-broker\.[A-Za-z0-9]*' <<<"$out" | head -1)
	[[ -n $left && ! -e $left ]] || { echo "FAIL: the broker's directory $left was left behind"; exit 1; }
	;;
sudo-user)
	user=nobody
	chmod 755 "$T"            # like /home
	chown -R "$user:" "$home"
	out=$(cd "$home/keymime" && env SUDO_USER=$user provisioning/demo.sh --check --no-deps 2>&1) && rc=0 || rc=$?
	echo "$out"
	[[ $rc == 0 ]] || { echo "FAIL: demo.sh --check under sudo: exit $rc"; exit 1; }
	grep -q "^demo: running the demo as $user" <<<"$out" || { echo "FAIL: it did not switch to $user"; exit 1; }
	owners=$(find "$home/keymime/build-demo" ! -user "$user" | head -3)
	[[ -z $owners ]] || { echo "FAIL: files not owned by $user: $owners"; exit 1; }
	;;
user)
	user=nobody
	chmod 755 "$T"            # like /home
	chown -R "$user:" "$home"
	out=$(cd "$home/keymime" && runuser -u "$user" -- env -i HOME="$home" USER="$user" LANG=C.UTF-8 \
		PATH=/usr/local/bin:/usr/bin:/bin provisioning/demo.sh --check --no-deps 2>&1) && rc=0 || rc=$?
	echo "$out"
	[[ $rc == 0 ]] || { echo "FAIL: demo.sh --check as an ordinary user: exit $rc"; exit 1; }
	;;
*) echo "usage: demo-as.sh root-home|sudo-user|user" >&2; exit 2 ;;
esac
echo "demo-as $mode: PASS"
