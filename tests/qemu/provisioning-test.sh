#!/bin/bash
# SPDX-License-Identifier: MIT
# provisioning-test.sh: the provisioning files without a Pi. install.sh into a
# staging root (twice: idempotent; and --dry-run), systemd-analyze verify on the
# installed units, enable-otg on both boot layouts (twice), the gadget script's
# descriptors and config handling, and cpack -G DEB checked with dpkg-deb.
#
#   tests/qemu/provisioning-test.sh --build DIR     (a configured and built tree)
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
BUILD=${KEYMIME_BUILD_DIR:-}
[ "${1:-}" = --build ] && BUILD=$2
[ -n "$BUILD" ] && [ -f "$BUILD/cmake_install.cmake" ] || { echo "usage: $0 --build DIR (a configured build)"; exit 2; }
BUILD=$(cd "$BUILD" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/keymime-prov.XXXXXX")
trap 'rm -rf "$T"' EXIT
NPASS=0 NFAIL=0

pass() { NPASS=$((NPASS + 1)); echo "PASS $*"; }
fail() { NFAIL=$((NFAIL + 1)); echo "FAIL $*"; }
check() { local n=$1 d=$2; shift 2; if "$@"; then pass "$n: $d"; else fail "$n: $d"; fi; }
contains() { grep -q -- "$2" <<< "$1"; }
sum() { find "$1" -type f -o -type l | sort | xargs -d '\n' md5sum 2>/dev/null | md5sum; }

test_install() {
    local R=$T/root out
    out=$(printf 's3cret pw\n' | bash "$SRC/provisioning/install.sh" --destdir "$R" --no-apt --no-build \
        --build-dir "$BUILD" -y --device-id pi-test --broker tcp://broker.lan:1883 \
        --username pi-test --password-stdin 2>&1)
    check install-runs "install.sh --destdir exits 0" test $? = 0 || echo "$out"
    for f in usr/bin/keymime-agent usr/sbin/keymime-gadget usr/sbin/keymime-enable-otg \
             usr/lib/systemd/system/keymime-agent.service usr/lib/systemd/system/keymime-gadget.service \
             usr/lib/udev/rules.d/70-keymime-hidg.rules usr/share/doc/keymime/examples/agent.conf.example; do
        check install-file "$f" test -e "$R/$f"
    done
    local conf=$R/etc/keymime/agent.conf
    check install-conf-id "device_id = pi-test" grep -qx 'device_id = pi-test' "$conf"
    check install-conf-broker "broker" grep -qx 'broker = tcp://broker.lan:1883' "$conf"
    check install-conf-user "username and password_file" \
        bash -c "grep -qx 'username = pi-test' '$conf' && grep -qx 'password_file = /etc/keymime/password' '$conf'"
    check install-conf-hid "hid paths from the example" grep -qx 'hid_keyboard = /dev/hidg0' "$conf"
    check install-password "password file holds it, mode 600" \
        bash -c "[ \"\$(cat '$R/etc/keymime/password')\" = 's3cret pw' ] && [ \"\$(stat -c %a '$R/etc/keymime/password')\" = 600 ]"
    check install-no-secret-in-conf "password not in agent.conf" bash -c "! grep -q s3cret '$conf'"
    check install-enabled "units enabled in the root" \
        test -L "$R/etc/systemd/system/keymime-gadget.service.wants/keymime-agent.service" -a \
             -L "$R/etc/systemd/system/usb-gadget.target.wants/keymime-gadget.service"

    local before; before=$(sum "$R")
    bash "$SRC/provisioning/install.sh" --destdir "$R" --no-apt --no-build --build-dir "$BUILD" -y \
        --device-id pi-test </dev/null >/dev/null 2>&1
    check install-idempotent "second run: same tree, password kept" test "$before" = "$(sum "$R")"

    out=$(bash "$SRC/provisioning/install.sh" --destdir "$T/dry" --dry-run --no-apt -y \
        --device-id x --broker tcp://b:1883 </dev/null 2>&1)
    check install-dry-run "--dry-run changes nothing" test ! -e "$T/dry"
    check install-refuses-password-arg "--password is refused" \
        bash -c "! bash '$SRC/provisioning/install.sh' --password x --dry-run >/dev/null 2>&1"

    if command -v systemd-analyze >/dev/null; then
        # Verified against this machine's systemd; the binaries are checked in the
        # staging root instead (they need not be installed here).
        out=$(systemd-analyze verify --man=no "$R/usr/lib/systemd/system/keymime-gadget.service" \
            "$R/usr/lib/systemd/system/keymime-agent.service" 2>&1 |
            grep -v -E 'Command /usr/s?bin/keymime-(agent|gadget) is not executable')
        check units-verify "systemd-analyze verify: '${out}'" test -z "$out"
        local exe
        for exe in $(sed -n 's/^Exec[A-Za-z]*=\([^ ]*\).*/\1/p' "$R"/usr/lib/systemd/system/keymime-*.service | sort -u); do
            check units-exec "$exe is in the package" test -x "$R$exe"
        done
    else
        echo "SKIP units-verify: no systemd-analyze"
    fi
}

test_enable_otg() {
    local a=$T/otg-a b=$T/otg-b s1
    mkdir -p "$a/boot/firmware" "$b/boot"
    printf '# moved to /boot/firmware/config.txt\n' > "$a/boot/config.txt"
    printf 'dtparam=audio=on\n\n[cm4]\notg_mode=1\n\n[all]\n' > "$a/boot/firmware/config.txt"
    echo 'console=tty1 root=PARTUUID=1-02 rootfstype=ext4 fsck.repair=yes rootwait quiet' > "$a/boot/firmware/cmdline.txt"
    printf 'dtparam=audio=on\n[pi4]\ndtoverlay=dwc2\n' > "$b/boot/config.txt"
    echo 'root=/dev/mmcblk0p2 rootwait modules-load=foo' > "$b/boot/cmdline.txt"
    local otg=$SRC/provisioning/pi/enable-otg
    check otg-bookworm "/boot/firmware layout" sh "$otg" --root "$a" >/dev/null
    check otg-bookworm-config "dtoverlay=dwc2 under [all]" bash -c "tail -n 1 '$a/boot/firmware/config.txt' | grep -qx dtoverlay=dwc2"
    check otg-bookworm-stub "the /boot stub untouched" grep -qx '# moved to /boot/firmware/config.txt' "$a/boot/config.txt"
    check otg-bookworm-cmdline "modules-load=dwc2 after rootwait" grep -q 'rootwait modules-load=dwc2 quiet' "$a/boot/firmware/cmdline.txt"
    check otg-modules-load "modules-load.d has dwc2, libcomposite" \
        bash -c "grep -qx dwc2 '$a/etc/modules-load.d/keymime.conf' && grep -qx libcomposite '$a/etc/modules-load.d/keymime.conf'"
    s1=$(sum "$a")
    local out2; out2=$(sh "$otg" --root "$a")
    check otg-idempotent "second run: '$(echo "$out2" | tail -1)', files unchanged" \
        test "$s1" = "$(sum "$a")" -a -n "$(echo "$out2" | grep 'nothing to change')"
    check otg-legacy "/boot layout, overlay only under [pi4] before" sh "$otg" --root "$b" >/dev/null
    check otg-legacy-config "[all] dtoverlay=dwc2 appended" bash -c "grep -c '^dtoverlay=dwc2$' '$b/boot/config.txt' | grep -qx 2"
    check otg-legacy-cmdline "merged into modules-load=" grep -q 'modules-load=foo,dwc2' "$b/boot/cmdline.txt"
    check otg-no-boot "fails without config.txt" bash -c "! sh '$otg' --root '$T/empty' >/dev/null 2>&1"
}

test_gadget_script() {
    local g=$SRC/provisioning/gadget/keymime-gadget
    for sh in sh dash bash "busybox sh"; do
        command -v "${sh%% *}" >/dev/null && check gadget-syntax "$sh -n" $sh -n "$g"
    done
    local kbd; kbd=$(sh "$g" descriptor keyboard)
    check gadget-kbd-desc "key array logical max 0xFF" bash -c "echo '$kbd' | grep -q '95 06 75 08 15 00 26 ff 00 05 07 19 00 2a ff 00 81 00'"
    check gadget-kbd-leds "LED output report (5 LEDs + 3 pad bits)" bash -c "echo '$kbd' | grep -q '05 08 19 01 29 05 91 02 95 01 75 03 91 03'"
    check gadget-cc-desc "consumer: 16-bit usage 0-0x3FF, no report id" \
        bash -c "[ \"\$(sh '$g' descriptor consumer)\" = '05 0c 09 01 a1 01 15 00 26 ff 03 19 00 2a ff 03 75 10 95 01 81 00 c0' ]"
    printf 'GADGET_NAME=kmtest\nPRODUCT="Test Board"\nBOGUS=1\n' > "$T/gadget.conf"
    mkdir -p "$T/cfs/usb_gadget"
    local out; out=$(KEYMIME_GADGET_CONF=$T/gadget.conf CONFIGFS=$T/cfs sh "$g" status 2>&1); local rc=$?
    contains "$out" 'cfs/usb_gadget/kmtest'; local named=$?
    check gadget-status-absent "status of an absent gadget: exit 3, name from the config" \
        test "$rc:$named" = 3:0
    check gadget-unknown-key "unknown config key reported" contains "$out" "unknown key 'BOGUS'"
    out=$(KEYMIME_GADGET_CONF=$T/gadget.conf CONFIGFS=$T/cfs sh "$g" down 2>&1)
    check gadget-down-absent "down with nothing there is a no-op" test $? = 0
}

test_deb() {
    command -v cpack >/dev/null || { echo "SKIP deb: no cpack"; return; }
    local out
    out=$(cd "$T" && cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$T/deb" 2>&1)
    local deb; deb=$(ls "$T"/deb/*.deb 2>/dev/null | head -1)
    DEB=$deb
    check deb-built "cpack -G DEB made ${deb##*/}" test -n "$deb" || { echo "$out" | tail -20; return; }
    local list; list=$(dpkg-deb -c "$deb")
    for f in ./usr/bin/keymime-agent ./usr/sbin/keymime-gadget ./usr/lib/systemd/system/keymime-agent.service \
             ./usr/lib/systemd/system/keymime-gadget.service ./usr/lib/udev/rules.d/70-keymime-hidg.rules \
             ./usr/share/doc/keymime/examples/agent.conf.example; do
        check deb-content "$f" contains "$list" " $f\$"
    done
    check deb-postinst "postinst creates the keymime user" bash -c "dpkg-deb -I '$deb' postinst | grep -q 'useradd --system'"
    check deb-no-doc-needed "postinst needs nothing from /usr/share/doc (dpkg may leave it out)" \
        bash -c "! dpkg-deb -I '$deb' postinst | grep -v '^ *echo ' | grep -q /usr/share/doc"
    check deb-depends "Depends lists paho and json-c (shlibdeps)" \
        bash -c "dpkg-deb -f '$deb' Depends | grep -q paho && dpkg-deb -f '$deb' Depends | grep -q json-c"
}

# in_overlay SCRIPT: run SCRIPT (bash) as root in a throw-away copy of this
# machine (overlayfs over / in a private mount namespace, chroot): install.sh
# without --destdir and dpkg -i really create users and chown, and nothing of it
# reaches the real system. The source and build trees are bound in at their paths.
in_overlay() {
    local o; o=$(mktemp -d "${TMPDIR:-/tmp}/keymime-ov.XXXXXX")
    mkdir -p "$o"/{u,w,m}
    # A mount namespace whose mounts stay in it. unshare makes / private in
    # it, which fails in a chroot (a fresh Debian root made with debootstrap:
    # its / is no mount point); there, with no shared mount in sight (none
    # could carry our mounts back out), the namespace keeps / as it is.
    local prop=()
    if ! unshare -m true 2>/dev/null; then
        if grep -q ' shared:' /proc/self/mountinfo; then
            echo "FAIL system-root: cannot make a private mount namespace here (a chroot with shared mounts)"
            rm -rf "$o"; return 1
        fi
        prop=(--propagation unchanged)
    fi
    unshare -m "${prop[@]}" bash -c '
        set -e
        o=$1 src=$2 build=$3 deb=$4 script=$5
        mount -t overlay overlay -o "lowerdir=/,upperdir=$o/u,workdir=$o/w" "$o/m"
        mount --rbind /proc "$o/m/proc"; mount --rbind /dev "$o/m/dev"; mount --rbind /sys "$o/m/sys"
        mount -t tmpfs tmpfs "$o/m/run"; mount -t tmpfs tmpfs "$o/m/tmp"
        for d in "$src" "$build" "$(dirname "$deb")"; do mkdir -p "$o/m$d"; mount --bind "$d" "$o/m$d"; done
        chroot "$o/m" bash -c "$script"
    ' _ "$o" "$SRC" "$BUILD" "$DEB" "$1"
    local rc=$?
    rm -rf "$o"
    return $rc
}

test_system_root() {
    if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null || ! grep -qw overlay /proc/filesystems; then
        echo "SKIP system-root: needs root, unshare and overlayfs"; return
    fi
    local out
    out=$(in_overlay "
        set -e
        printf 'pw 1\n' | bash '$SRC/provisioning/install.sh' --no-apt --no-build --build-dir '$BUILD' -y \
            --device-id pi-root --broker tcp://b.lan:1883 --username pi-root --password-stdin >/dev/null
        bash '$SRC/provisioning/install.sh' --no-apt --no-build --build-dir '$BUILD' -y --device-id pi-root </dev/null >/dev/null
        getent passwd keymime | cut -d: -f1,6,7
        stat -c '%n %U:%G %a' /etc/keymime /etc/keymime/agent.conf /etc/keymime/password
        cat /etc/keymime/password
        test -x /usr/bin/keymime-agent && echo agent-installed
        test -L /etc/systemd/system/keymime-gadget.service.wants/keymime-agent.service && echo agent-enabled
        test -L /etc/systemd/system/usb-gadget.target.wants/keymime-gadget.service && echo gadget-enabled
    " 2>&1)
    check root-install-user "install.sh made the keymime system user" contains "$out" '^keymime:/nonexistent:/usr/sbin/nologin$'
    check root-install-perms "owners and modes of /etc/keymime" bash -c "
        grep -qx '/etc/keymime root:keymime 750' <<< "\$1" &&
        grep -qx '/etc/keymime/agent.conf root:keymime 640' <<< "\$1" &&
        grep -qx '/etc/keymime/password keymime:keymime 600' <<< "\$1"" _ "$out"
    check root-install-password "password kept by the second run" contains "$out" '^pw 1$'
    check root-install-units "binary installed, both units enabled" \
        bash -c "grep -q agent-installed <<< \"\$1\" && grep -q agent-enabled <<< \"\$1\" && grep -q gadget-enabled <<< \"\$1\"" _ "$out"
    [ "$NFAIL" = 0 ] || echo "$out"

    [ -n "$DEB" ] || { echo "SKIP deb-install: no package"; return; }
    out=$(in_overlay "
        set -e
        dpkg -i '$DEB' >/dev/null
        getent passwd keymime | cut -d: -f1,6,7
        stat -c '%n %U:%G %a' /etc/keymime /etc/keymime/agent.conf
        test -L /etc/systemd/system/keymime-gadget.service.wants/keymime-agent.service && echo agent-enabled
        dpkg -P keymime >/dev/null
        test -e /etc/keymime || echo purged
        test -e /usr/bin/keymime-agent || echo removed
    " 2>&1)
    check deb-install-user "postinst made the keymime user" contains "$out" '^keymime:/nonexistent:/usr/sbin/nologin$'
    check deb-install-conf "postinst wrote /etc/keymime/agent.conf root:keymime 640" contains "$out" '^/etc/keymime/agent.conf root:keymime 640$'
    check deb-install-enabled "postinst enabled the units" contains "$out" '^agent-enabled$'
    check deb-purge "dpkg -P removes the files and /etc/keymime" bash -c "grep -qx purged <<< \"\$1\" && grep -qx removed <<< \"\$1\"" _ "$out"
}

DEB=""
test_install
test_enable_otg
test_gadget_script
test_deb
test_system_root
echo "provisioning: $NPASS passed, $NFAIL failed"
[ "$NFAIL" = 0 ]
