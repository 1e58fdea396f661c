#!/bin/bash
# SPDX-License-Identifier: MIT
# install.sh: put a Raspberry Pi OS / Debian machine into service as a keymime.
#
#   sudo provisioning/install.sh [options]
#
#   --device-id ID         this Pi's id in topics (default: asked, or the hostname)
#   --broker URI           tcp://host:1883 or ssl://host:8883 (default: asked)
#   --username NAME        broker user (default: asked; empty for anonymous)
#   --password-file FILE   copy the broker password from FILE ("-" = stdin)
#   --password-stdin       read the password from stdin (first line)
#                          (never as an argument: argv is visible in ps)
#   --enable-otg           also run enable-otg (config.txt/cmdline.txt, needs a reboot)
#   --no-apt               do not install build dependencies
#   --no-build             use an existing build (--build-dir) as is
#   --build-dir DIR        CMake build directory (default: <source>/build-release)
#   --start                start the units now (default: only enable them)
#   --destdir DIR          install into DIR (a staging root; also $DESTDIR): no
#                          apt, no users, no udev/systemd calls, no chown
#   --dry-run              print what would be done, change nothing
#   -y, --yes              never ask; missing values are errors
#
# Idempotent: a second run rebuilds and reinstalls the files, keeps the user,
# keeps agent.conf (only the keys given on the command line are rewritten) and
# keeps the password unless a new one is given.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
DESTDIR=${DESTDIR:-}
BUILD=""
DEVICE_ID="" BROKER="" USERNAME="" USERNAME_SET=0
PASSWORD_FILE="" PASSWORD_STDIN=0
DO_APT=1 DO_BUILD=1 DO_OTG=0 DO_START=0 DRY=0 YES=0
# What building the agent needs on the Pi (no broker, no layout generator).
APT_PACKAGES="build-essential cmake pkg-config libpaho-mqtt-dev libjson-c-dev libssl-dev mosquitto-clients"

usage() { sed -n '3,24p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
    case $1 in
        --device-id) DEVICE_ID=$2; shift 2 ;;
        --broker) BROKER=$2; shift 2 ;;
        --username) USERNAME=$2; USERNAME_SET=1; shift 2 ;;
        --password-file) PASSWORD_FILE=$2; shift 2 ;;
        --password-stdin) PASSWORD_STDIN=1; shift ;;
        --password|--password=*) echo "install.sh: no --password: use --password-file or --password-stdin" >&2; exit 2 ;;
        --enable-otg) DO_OTG=1; shift ;;
        --no-apt) DO_APT=0; shift ;;
        --no-build) DO_BUILD=0; shift ;;
        --build-dir) BUILD=$2; shift 2 ;;
        --start) DO_START=1; shift ;;
        --destdir) DESTDIR=$2; shift 2 ;;
        --dry-run) DRY=1; shift ;;
        -y|--yes) YES=1; shift ;;
        -h|--help) usage 0 ;;
        *) echo "install.sh: unknown option $1" >&2; usage 2 ;;
    esac
done
BUILD=${BUILD:-$SRC/build-release}
DESTDIR=${DESTDIR%/}
ETC=$DESTDIR/etc/keymime

say() { echo "install.sh: $*"; }
die() { echo "install.sh: $*" >&2; exit 1; }
# run CMD...: run it, or print it under --dry-run
run() {
    if [ "$DRY" = 1 ]; then echo "+ $*"; else "$@"; fi
}
# on_system: false when staging into a DESTDIR (nothing outside it is touched)
on_system() { [ -z "$DESTDIR" ]; }

# ask VAR PROMPT DEFAULT: set VAR from the terminal unless set already
ask() {
    local var=$1 prompt=$2 def=$3 ans
    [ -n "${!var}" ] && return 0
    if [ "$YES" = 1 ] || [ ! -t 0 ]; then printf -v "$var" '%s' "$def"; return 0; fi
    read -r -p "$prompt [$def]: " ans
    printf -v "$var" '%s' "${ans:-$def}"
}

check_root() {
    if on_system && [ "$DRY" = 0 ] && [ "$(id -u)" != 0 ]; then
        die "run as root (sudo), or use --destdir/--dry-run"
    fi
}

install_deps() {
    [ "$DO_APT" = 1 ] && on_system || { say "skipping apt (--no-apt or --destdir)"; return 0; }
    run apt-get update
    # shellcheck disable=SC2086
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $APT_PACKAGES
}

build_and_install_files() {
    if [ "$DO_BUILD" = 1 ]; then
        run cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr -DKEYMIME_TESTS=OFF
        run cmake --build "$BUILD" -j"$(nproc)"
    fi
    [ "$DRY" = 1 ] || [ -f "$BUILD/cmake_install.cmake" ] || die "no build in $BUILD (drop --no-build)"
    # The same install rules as the .deb (provisioning/cpack.cmake + the agent's).
    run env DESTDIR="$DESTDIR" cmake --install "$BUILD" --prefix /usr
}

create_user() {
    if ! on_system; then say "staging: not creating user/group keymime"; return 0; fi
    getent group keymime >/dev/null || run groupadd --system keymime
    getent passwd keymime >/dev/null ||
        run useradd --system --gid keymime --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin --comment "keymime agent" keymime
}

# set_key FILE KEY VALUE: rewrite the first `key =` line (commented out or not), or append
set_key() {
    local f=$1 k=$2 v=$3
    if grep -Eq "^[#[:space:]]*$k[[:space:]]*=" "$f"; then
        awk -v k="$k" -v v="$v" '
            !done && $0 ~ "^[#[:space:]]*" k "[[:space:]]*=" { print k " = " v; done = 1; next }
            { print }' "$f" > "$f.new" && cat "$f.new" > "$f" && rm -f "$f.new"
    else
        echo "$k = $v" >> "$f"
    fi
}

write_config() {
    local conf=$ETC/agent.conf fresh=0
    ask DEVICE_ID "Device id (topics keymime/<id>/...)" "$(hostname -s 2>/dev/null | tr -c 'A-Za-z0-9_\n-' '-' || echo pi1)"
    [[ $DEVICE_ID =~ ^[A-Za-z0-9_-]{1,64}$ ]] || die "device id '$DEVICE_ID': use 1-64 of A-Z a-z 0-9 _ -"
    if [ ! -f "$conf" ]; then
        ask BROKER "Broker URI" "tcp://localhost:1883"
        [ "$USERNAME_SET" = 1 ] || { ask USERNAME "Broker username (empty: anonymous)" "$DEVICE_ID"; USERNAME_SET=1; }
        fresh=1
    fi
    if [ "$DRY" = 1 ]; then say "would write $conf (device_id=$DEVICE_ID broker=${BROKER:-unchanged})"; return 0; fi
    install -d -m 0750 "$ETC"
    if [ "$fresh" = 1 ]; then
        install -m 0640 "$SRC/provisioning/agent.conf.example" "$conf"
        say "wrote $conf from agent.conf.example"
    else
        say "keeping $conf (rewriting only the keys given)"
    fi
    set_key "$conf" device_id "$DEVICE_ID"
    [ -z "$BROKER" ] || set_key "$conf" broker "$BROKER"
    if [ "$USERNAME_SET" = 1 ] && [ -n "$USERNAME" ]; then
        set_key "$conf" username "$USERNAME"
        set_key "$conf" password_file /etc/keymime/password
    fi
    if on_system; then chown root:keymime "$ETC" "$conf"; fi
}

# The password never passes through argv: from a file, stdin, or a silent prompt.
write_password() {
    local pw="" pwfile=$ETC/password
    if [ -n "$PASSWORD_FILE" ]; then
        if [ "$PASSWORD_FILE" = - ]; then IFS= read -r pw || true
        else [ -r "$PASSWORD_FILE" ] || die "cannot read $PASSWORD_FILE"; IFS= read -r pw < "$PASSWORD_FILE" || true; fi
    elif [ "$PASSWORD_STDIN" = 1 ]; then
        IFS= read -r pw || true
    elif [ ! -f "$pwfile" ] && [ -n "$USERNAME" ] && [ "$YES" = 0 ] && [ -t 0 ]; then
        read -r -s -p "Broker password for $USERNAME (empty: none): " pw; echo
    fi
    if [ -z "$pw" ]; then
        [ -f "$pwfile" ] && say "keeping $pwfile"
        return 0
    fi
    if [ "$DRY" = 1 ]; then say "would write $pwfile (mode 0600, owner keymime)"; return 0; fi
    install -d -m 0750 "$ETC"
    (umask 077 && printf '%s\n' "$pw" > "$pwfile.new")
    chmod 0600 "$pwfile.new"
    if on_system; then chown keymime:keymime "$pwfile.new"; fi
    mv -f "$pwfile.new" "$pwfile"
    say "wrote $pwfile (mode 0600$(on_system && echo ', owner keymime'))"
}

enable_units() {
    if on_system; then
        if command -v udevadm >/dev/null && [ -d /run/udev ]; then
            run udevadm control --reload-rules
            run udevadm trigger --subsystem-match=hidg || true
        fi
        [ -d /run/systemd/system ] && run systemctl daemon-reload
        run systemctl enable keymime-gadget.service keymime-agent.service
        if [ "$DO_START" = 1 ]; then
            run systemctl restart keymime-gadget.service keymime-agent.service
        fi
    else
        # offline enable into the staging root: just the [Install] symlinks
        run systemctl --root="$DESTDIR" enable keymime-gadget.service keymime-agent.service
    fi
}

main() {
    check_root
    install_deps
    build_and_install_files
    create_user
    write_config
    write_password
    if [ "$DO_OTG" = 1 ]; then
        if on_system; then run "$SRC/provisioning/pi/enable-otg" $([ "$DRY" = 1 ] && echo --dry-run)
        else run "$SRC/provisioning/pi/enable-otg" --root "$DESTDIR"; fi
    fi
    enable_units
    say "done. Check: systemctl status keymime-gadget keymime-agent; then"
    say "  mosquitto_pub -h <broker> -t keymime/$DEVICE_ID/type -m 'hello'"
}

main
