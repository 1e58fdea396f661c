#!/bin/bash
# SPDX-License-Identifier: MIT
# systemd-test.sh: docs/install.md, word for word, and the Debian package and
# its units on a real systemd. The page's marked command blocks run in order:
# "host" blocks (the build, the .deb) here in a copy of the tree, "pi" blocks
# as root in Debian 12 booted in qemu (a root filesystem made by mmdebstrap
# from Debian's archive, cached) with Debian's current kernel and dummy_hcd as
# the USB device controller (the same kernel is the host: its usbhid and evdev
# see what the gadget sends). Then guest.sh reboots into its scenario: units at
# boot, in order, the agent unprivileged, READY, typing through the kernel,
# the watchdog, a gadget restart, a clean stop, no sandbox denial — and the
# boot orders of issue #20 (the controller appears late; the first gadget
# start fails). Each phase is a cold boot (a qemu process of its own); the
# guest's disk is a throw-away copy of the cached image.
#
#   tests/qemu/systemd-test.sh [--keep] [--build DIR (ignored: the page builds)]
#
# Needs root (mmdebstrap, mkfs.ext4 -d of root-owned files; exit 77 without),
# the packages in apt-packages.txt and what install.md's build needs (npm, the
# npm registry or its cache). Cache: KEYMIME_CACHE (lib.sh): the kernel,
# systemd-image-<key>/ (root image + initramfs, rebuilt when the kernel, the
# package list or this recipe changes), last-systemd-console.log.
# KEYMIME_DEBIAN_MIRROR (default http://deb.debian.org/debian) and
# KEYMIME_QEMU_TIMEOUT (seconds per boot, default 600) can be set.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
SRC=$(cd "$HERE/../.." && pwd)
KEEP=0
DOC=$SRC/docs/install.md
TIMEOUT=${KEYMIME_QEMU_TIMEOUT:-600}     # per boot
MIRROR=${KEYMIME_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# Bump when the image recipe below changes (the cache key includes it).
RECIPE=2
# What the image has besides the package's own dependencies (added from the
# .deb at test time, so `apt install ./keymime_*.deb` needs no network):
# an init, udev, the broker side (mosquitto, keymime-broker's python3 and
# openssl), sudo as on a Raspberry Pi OS, curl for the dashboard check.
BASE_PACKAGES="systemd systemd-sysv udev kmod procps iproute2 sudo python3 openssl curl ca-certificates mosquitto mosquitto-clients"
# Modules the guest can load: root disk, the gadget and the host side of dummy_hcd.
BOOT_MODULES="virtio_pci virtio_blk ext4"
GUEST_MODULES="$BOOT_MODULES configfs dummy_hcd libcomposite usb_f_hid usbhid hid_generic evdev"

while [ $# -gt 0 ]; do
    case $1 in
        --build) shift 2 ;;
        --keep) KEEP=1; shift ;;
        *) echo "usage: $0 [--keep]" >&2; exit 2 ;;
    esac
done
if [ "$(id -u)" != 0 ]; then
    echo "SKIP: needs root (mmdebstrap and a root-owned image)"; exit 77
fi
trap 'log "error: line $LINENO: $BASH_COMMAND"' ERR
need_tools qemu-system-x86_64 mmdebstrap mkfs.ext4 cpio gzip depmod modprobe dpkg-deb cmake cpack gcc npm
BUSYBOX=$(static_busybox)

# ------------------------------------------------------------------ install.md
# blocks: every ```sh block of install.md, each right after its marker
#   <!-- install-test: WHERE NAME [why] -->   WHERE: host, pi or skip
# into $WORK/blocks/NN-WHERE-NAME.sh. A block without a marker is an error:
# the page and the test cannot drift apart.
blocks() {
    mkdir -p "$WORK/blocks"
    awk -v out="$WORK/blocks" '
        /^<!-- install-test: / { where = $3; name = $4; marked = NR; next }
        /^```sh$/ {
            if (marked != NR - 1) { print "install.md:" NR ": a sh block without an install-test marker" > "/dev/stderr"; bad = 1 }
            n++; f = sprintf("%s/%02d-%s-%s.sh", out, n, where, name); inblock = 1; next }
        /^```$/ && inblock { inblock = 0; close(f); next }
        inblock { print > f }
        END { exit bad }' "$DOC" || die "docs/install.md: every sh block needs its install-test marker"
    ls "$WORK/blocks" | grep -qv -- '-skip-' || die "no runnable blocks in docs/install.md"
    log "install.md: $(ls "$WORK/blocks" | sed 's/^[0-9]*-//; s/\.sh$//' | tr '\n' ' ')"
}

# build_deb: the "host" blocks, in order, in a copy of the tree (as the page's
# clone: no build directories, no npm modules, no built dashboard); the .deb
# they make is DEB.
build_deb() {
    local tree=$WORK/keymime b out
    mkdir -p "$tree"
    tar -C "$SRC" --exclude=./.git --exclude='./build*' --exclude=node_modules \
        --exclude=./web-client/dist -cf - . | tar -C "$tree" -xf -
    for b in "$WORK"/blocks/*-host-*.sh; do
        [ -e "$b" ] || continue
        log "install.md, on the build machine: ${b##*/}"
        out=$(cd "$tree" && bash -e "$b" 2>&1) || { echo "$out" | tail -30 >&2; die "install.md block ${b##*/} failed"; }
    done
    DEB=$(ls "$tree"/build/keymime_*.deb 2>/dev/null | head -1)
    [ -n "$DEB" ] || die "install.md's build blocks made no build/keymime_*.deb"
}

# deb_depends: the package names the .deb depends on (versions, alternatives dropped)
deb_depends() {
    dpkg-deb -f "$DEB" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/ //g' | grep -v '^$'
}

# ------------------------------------------------------------------ the image
# no_fds CMD...: run CMD with only stdin, stdout and stderr open
no_fds() {
    (
        local fd
        for fd in $(ls /proc/$BASHPID/fd); do
            [ "$fd" -gt 2 ] && eval "exec $fd>&-"
        done
        exec "$@"
    )
}

# make_image DIR: the root filesystem (mmdebstrap), customised, as DIR/root.img,
# and the initramfs that mounts it, DIR/initrd.gz.
make_image() {
    local dir=$1 rootfs=$1/rootfs pkgs
    pkgs=$(echo "$PACKAGES" | tr ' ' ',')
    log "building the Debian 12 image (mmdebstrap, $MIRROR): $PACKAGES"
    # No docs or man pages, like Debian's container images: nothing of the
    # package may need /usr/share/doc (Debian policy 12.3).
    # With no descriptor above 2 open: apt runs mmdebstrap's hooks with dash,
    # which cannot redirect a descriptor above 9 ("Bad fd number") — the one
    # it gets is above those it inherited (ctest's, the cache locks).
    no_fds mmdebstrap --variant=apt --mode=root --include="$pkgs" \
        --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
        --dpkgopt='path-exclude=/usr/share/locale/*' \
        bookworm "$rootfs" "deb $MIRROR bookworm main" "deb $MIRROR bookworm-updates main" \
        "deb ${MIRROR%/debian}/debian-security bookworm-security main" >"$dir/mmdebstrap.log" 2>&1 ||
        { tail -20 "$dir/mmdebstrap.log" >&2; die "mmdebstrap failed (log: $dir/mmdebstrap.log)"; }
    customise "$rootfs"
    mkfs.ext4 -q -L keymime-root -d "$rootfs" "$dir/root.img" 1536M >/dev/null
    make_initrd "$dir/initrd.gz"
    rm -rf "$rootfs"
}

# customise ROOT: what a Pi image has set up before keymime is installed, and
# the test's entry point (a unit that runs guest.sh from the second disk).
customise() {
    local r=$1 ko rel
    # As the Imager sets it up (install.md step 1): hostname pi1, reached as
    # pi1.local (mDNS on a real network; /etc/hosts here).
    echo pi1 > "$r/etc/hostname"
    printf '127.0.0.1 localhost\n127.0.1.1 pi1 pi1.local\n' > "$r/etc/hosts"
    echo '/dev/vda / ext4 rw,noatime 0 0' > "$r/etc/fstab"
    chroot "$r" systemd-machine-id-setup >/dev/null 2>&1
    # Nothing that runs at a random time or waits for a login.
    chroot "$r" systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer \
        fstrim.timer getty@tty1.service serial-getty@ttyS0.service >/dev/null 2>&1 || true
    # The kernel's modules the guest needs (not the whole tree: 400 MB).
    for ko in $(module_files $GUEST_MODULES); do
        rel=${ko#"$KROOT"}
        install -D -m 0644 "$ko" "$r$rel"
    done
    cp "$KROOT/lib/modules/$KVER"/modules.{order,builtin,builtin.modinfo} "$r/lib/modules/$KVER/"
    depmod -b "$r" "$KVER"
    cat > "$r/etc/systemd/system/keymime-vmtest.service" <<'UNIT'
[Unit]
Description=keymime VM test (guest.sh from the second disk)
After=multi-user.target

[Service]
Type=simple
ExecStart=/bin/sh -c 'mkdir -p /mnt/test && mount -o ro /dev/vdb /mnt/test && exec /bin/bash /mnt/test/guest.sh'
StandardOutput=journal+console
StandardError=journal+console

[Install]
WantedBy=multi-user.target
UNIT
    chroot "$r" systemctl enable keymime-vmtest.service >/dev/null 2>&1
}

# make_initrd OUT: busybox, the root disk's modules, and an /init that mounts
# /dev/vda and hands over to systemd.
make_initrd() {
    local t ko
    t=$(mktemp -d "$WORK/initrd.XXXXXX")
    mkdir -p "$t"/{bin,dev,proc,sys,newroot,lib/modules}
    cp "$BUSYBOX" "$t/bin/busybox"
    ln -s busybox "$t/bin/sh"
    for ko in $(module_files $BOOT_MODULES); do
        cp "$ko" "$t/lib/modules/"
        echo "/lib/modules/$(basename "$ko")" >> "$t/lib/modules/order"
    done
    cat > "$t/init" <<'INIT'
#!/bin/sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
while read -r ko; do insmod "$ko" 2>/dev/null; done < /lib/modules/order
i=0; while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
mount -t ext4 -o rw,noatime /dev/vda /newroot || { echo "initrd: cannot mount /dev/vda"; poweroff -f; }
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /sbin/init
INIT
    chmod 755 "$t/init"
    (cd "$t" && find . | cpio -o -H newc --quiet | gzip -1) > "$1"
    rm -rf "$t"
}

# image: sets IMAGE and INITRD, building them once per key into the cache.
image() {
    PACKAGES=$(printf '%s\n' $BASE_PACKAGES $(deb_depends) | sort -u | tr '\n' ' ')
    local key dir
    key=$(printf '%s\n' "$RECIPE" "$KVER" "$PACKAGES" "$MIRROR" | sha256sum | cut -c1-16)
    dir=$CACHE/systemd-image-$key
    exec 8>"$CACHE/.systemd-image.lock"
    flock 8
    if [ ! -e "$dir/ok" ]; then
        rm -rf "$dir" "$dir.tmp"
        mkdir -p "$dir.tmp"
        local t0=$SECONDS
        make_image "$dir.tmp"
        touch "$dir.tmp/ok"
        mv "$dir.tmp" "$dir"
        log "image built in $((SECONDS - t0)) s: $dir"
        find "$CACHE" -maxdepth 1 -name 'systemd-image-*' ! -name "systemd-image-$key" -exec rm -rf {} +
    fi
    flock -u 8
    IMAGE=$dir/root.img
    INITRD=$dir/initrd.gz
}

# ------------------------------------------------------------------ the test disk
# The second disk (/dev/vdb, read-only in the guest): the scenario, the .deb,
# the evdev logger (static), the decoder.
test_disk() {
    local d=$WORK/share
    mkdir -p "$d"
    install -m 0755 "$HERE/guest.sh" "$d/guest.sh"
    install -m 0644 "$HERE/decode.awk" "$d/decode.awk"
    mkdir -p "$d/keymime/build"
    cp "$DEB" "$d/keymime/build/"
    cp -r "$WORK/blocks" "$d/blocks"
    gcc -static -O2 -Wall -Wextra -o "$d/evlog" "$HERE/evlog.c"
    mkfs.ext4 -q -L keymime-test -d "$d" "$WORK/test.img" 64M >/dev/null
}

# run_vm ACCEL: boot the disk once (until the guest powers off or reboots),
# the console on stdout; the KEYMIME lines also on stderr as they come.
run_vm() {
    timeout "$TIMEOUT" qemu-system-x86_64 -accel "$1" -m 1024 -smp 2 -no-reboot \
        -nodefaults -no-user-config -display none -serial stdio -nic none \
        -kernel "$VMLINUZ" -initrd "$INITRD" \
        -drive file="$WORK/disk.img",if=virtio,format=raw \
        -drive file="$WORK/test.img",if=virtio,format=raw,readonly=on \
        -append "console=ttyS0 quiet loglevel=3 systemd.show_status=0 panic=-1 keymime.timeout=$((TIMEOUT - 30))" \
        </dev/null 2>&1 | sed -u 's/\r$//; s/^\[ *[0-9.]*\] [^ ]*: \(KEYMIME-\)/\1/' |
        tee >(grep --line-buffered '^KEYMIME-' >&2)
}

main() {
    fetch_kernel
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/keymime-systemd.XXXXXX")
    [ "$KEEP" = 1 ] || trap 'rm -rf "$WORK"' EXIT
    blocks
    build_deb
    image
    test_disk
    local accel; accel=$(pick_accel)
    log "kernel $KVER, accel $accel, package ${DEB##*/}, image $IMAGE, work $WORK"

    # One cold boot per phase (the guest's `systemctl reboot` ends qemu:
    # -no-reboot); the disk is a copy of the cached image, kept across them.
    cp --sparse=always "$IMAGE" "$WORK/disk.img"
    local t0=$SECONDS boot
    : > "$WORK/console.log"
    for boot in 1 2 3 4 5 6; do
        run_vm "$accel" > "$WORK/boot.log" || true
        cat "$WORK/boot.log" >> "$WORK/console.log"
        grep -q '^KEYMIME-TEST: DONE' "$WORK/boot.log" && break
        grep -q '^KEYMIME-TEST: REBOOT' "$WORK/boot.log" || break    # crashed or hung
    done
    cp "$WORK/console.log" "$CACHE/last-systemd-console.log"
    log "qemu ran $((SECONDS - t0)) s, $boot boots (console: $CACHE/last-systemd-console.log)"

    local npass nfail
    npass=$(grep -c '^KEYMIME-TEST: PASS' "$WORK/console.log" || true)
    nfail=$(grep -c '^KEYMIME-TEST: FAIL' "$WORK/console.log" || true)
    echo "qemu/systemd: $npass passed, $nfail failed"
    if ! grep -q '^KEYMIME-TEST: DONE' "$WORK/console.log"; then
        log "FAIL: the scenario did not finish (timeout or crash); the console's end:"
        tail -n 40 "$WORK/console.log" >&2
        exit 1
    fi
    [ "$nfail" = 0 ] && [ "$npass" -gt 0 ]
}

main
