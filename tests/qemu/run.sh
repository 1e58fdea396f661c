#!/bin/bash
# SPDX-License-Identifier: MIT
# run.sh: the real-kernel gadget test. Takes Debian's current kernel (the
# linux-image-amd64 metapackage's dependency, never a pinned version), builds an
# initramfs with busybox, the USB gadget/host modules, mosquitto, the project's
# keymime-gadget script and (when built) keymime-agent, boots it in qemu and turns
# the scenario's PASS/FAIL lines into an exit code.
#
#   tests/qemu/run.sh [--build DIR] [--agent BINARY] [--no-agent] [--keep]
#
# Environment: KEYMIME_CACHE (default /var/cache/keymime-test, or ~/.cache/…
# when that is not writable) holds the kernel and the last console log; KEYMIME_QEMU_ACCEL=tcg|kvm forces an accelerator;
# KEYMIME_QEMU_TIMEOUT (seconds, default 240) bounds the VM.
# Needs the packages in apt-packages.txt beside this file; installs nothing.
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin        # depmod, modprobe, mosquitto as a user

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
BUILD=${KEYMIME_BUILD_DIR:-}
AGENT=""
WITH_AGENT=1
KEEP=0
CACHE=${KEYMIME_CACHE:-/var/cache/keymime-test}
if ! mkdir -p "$CACHE" 2>/dev/null || [ ! -w "$CACHE" ]; then
    CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/keymime-test     # not root: a user cache
fi
TIMEOUT=${KEYMIME_QEMU_TIMEOUT:-240}
MODULES="configfs dummy_hcd libcomposite usb_f_hid usbhid hid_generic evdev"

while [ $# -gt 0 ]; do
    case $1 in
        --build) BUILD=$2; shift 2 ;;
        --agent) AGENT=$2; shift 2 ;;
        --no-agent) WITH_AGENT=0; shift ;;
        --keep) KEEP=1; shift ;;
        *) echo "usage: $0 [--build DIR] [--agent BINARY] [--no-agent] [--keep]" >&2; exit 2 ;;
    esac
done

log() { echo "qemu-test: $*" >&2; }
trap 'log "error: line $LINENO: $BASH_COMMAND"' ERR
die() { log "$*"; exit 1; }

for tool in qemu-system-x86_64 busybox cpio depmod modprobe dpkg-deb apt-get gcc mosquitto mosquitto_pub; do
    command -v "$tool" >/dev/null || die "missing $tool (install tests/qemu/apt-packages.txt)"
done
[ -x /bin/busybox ] && file_busybox=/bin/busybox || file_busybox=$(command -v busybox)
if ldd "$file_busybox" >/dev/null 2>&1; then die "$file_busybox is dynamic: install busybox-static"; fi

# ------------------------------------------------------------------ kernel
current_kernel_pkg() {
    apt-cache depends linux-image-amd64 2>/dev/null |
        awk '/Depends: linux-image-[0-9]/ {print $2; exit}' || true
}

# fetch_kernel: sets KVER and KROOT (an extracted linux-image package with modules.dep)
fetch_kernel() {
    local pkg
    pkg=$(current_kernel_pkg)
    if [ -z "$pkg" ] && [ "$(id -u)" = 0 ]; then
        log "apt-cache knows no linux-image-amd64: apt-get update (package lists only)"
        apt-get update -q >&2 || true
        pkg=$(current_kernel_pkg)
    fi
    if [ -z "$pkg" ]; then
        # No apt lists (apt-get update not run): fall back to what the cache has.
        pkg=$(ls -d "$CACHE"/linux-image-*/ 2>/dev/null | sort -V | tail -1 | xargs -r basename) || true
        [ -n "$pkg" ] || die "apt-cache knows no linux-image-amd64 (run apt-get update) and the cache is empty"
        log "warning: apt-cache gave no kernel; using cached $pkg"
    fi
    KVER=${pkg#linux-image-}
    KROOT=$CACHE/$pkg
    if [ ! -e "$KROOT/lib/modules/$KVER/modules.dep" ]; then
        log "fetching $pkg (current dependency of linux-image-amd64)"
        mkdir -p "$CACHE/dl"
        rm -rf "$KROOT.tmp"
        (cd "$CACHE/dl" && apt-get download "$pkg" >&2) || die "apt-get download $pkg failed"
        dpkg-deb -x "$(ls -t "$CACHE"/dl/"${pkg}"_*.deb | head -1)" "$KROOT.tmp"
        depmod -b "$KROOT.tmp" "$KVER"
        rm -rf "$KROOT" && mv "$KROOT.tmp" "$KROOT"
        rm -f "$CACHE"/dl/"${pkg}"_*.deb
        # Older kernels are not needed any more: the test follows the current one.
        find "$CACHE" -maxdepth 1 -name 'linux-image-*' ! -name "$pkg" -exec rm -rf {} +
    fi
    VMLINUZ=$KROOT/boot/vmlinuz-$KVER
    [ -r "$VMLINUZ" ] || die "no $VMLINUZ"
}

# ------------------------------------------------------------------ initramfs
# copy_bin SRC DEST: the program and every library ldd lists, at the same paths
copy_bin() {
    install -D -m 0755 "$1" "$ROOT$2"
    local libs
    libs=$(ldd "$1" 2>/dev/null | grep -o '/[^ ]*') || true     # none for static or scripts
    for lib in $libs; do
        [ -e "$ROOT$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$ROOT$lib"
    done
}

build_initramfs() {
    ROOT=$WORK/root
    mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,etc/keymime,proc,sys,dev,tmp,run,root,lib/modules}
    cp "$file_busybox" "$ROOT/bin/busybox"
    ln -s busybox "$ROOT/bin/sh"
    install -m 0755 "$HERE/init" "$ROOT/init"
    install -m 0755 "$HERE/scenario.sh" "$ROOT/scenario.sh"
    install -m 0644 "$HERE/decode.awk" "$ROOT/decode.awk"
    install -m 0755 "$SRC/provisioning/gadget/keymime-gadget" "$ROOT/usr/sbin/keymime-gadget"
    install -m 0644 "$SRC/provisioning/agent.conf.example" "$ROOT/etc/keymime/agent.conf.example"
    gcc -static -O2 -Wall -Wextra -o "$ROOT/usr/bin/evlog" "$HERE/evlog.c"
    gcc -static -O2 -Wall -Wextra -o "$ROOT/usr/bin/hidbench" "$HERE/hidbench.c"
    # dash: /bin/sh on Raspberry Pi OS, so the gadget script runs under it too
    if command -v dash >/dev/null; then copy_bin "$(command -v dash)" /usr/bin/dash; fi
    copy_bin "$(command -v mosquitto)" /usr/sbin/mosquitto
    copy_bin "$(command -v mosquitto_pub)" /usr/bin/mosquitto_pub
    copy_bin "$(command -v mosquitto_sub)" /usr/bin/mosquitto_sub
    if [ "$WITH_AGENT" = 1 ]; then
        copy_bin "$AGENT" /usr/bin/keymime-agent
    fi
    printf 'root:x:0:0:root:/root:/bin/sh\nkeymime:x:990:990:keymime:/nonexistent:/bin/false\n' > "$ROOT/etc/passwd"
    printf 'root:x:0:\nkeymime:x:990:\n' > "$ROOT/etc/group"
    printf '127.0.0.1 localhost\n' > "$ROOT/etc/hosts"
    # Stand-in for the udev rule: mdev applies the same group/mode on hotplug.
    printf 'hidg[0-9]+ root:keymime 0660\n' > "$ROOT/etc/mdev.conf"

    # Modules, dependencies first, each once, in the order init must insmod them.
    local order=() seen=" " m ko
    for m in $MODULES; do
        while read -r _ ko _; do
            case $seen in *" $ko "*) continue ;; esac
            seen="$seen$ko "
            order+=("$ko")
        done < <(modprobe -d "$KROOT" -S "$KVER" --show-depends "$m" | grep '^insmod ')
    done
    : > "$ROOT/lib/modules/keymime.order"
    for ko in "${order[@]}"; do
        cp "$ko" "$ROOT/lib/modules/"
        echo "/lib/modules/$(basename "$ko")" >> "$ROOT/lib/modules/keymime.order"
    done
    (cd "$ROOT" && find . | cpio -o -H newc --quiet | gzip -1) > "$WORK/initrd.gz"
}

# ------------------------------------------------------------------ qemu
pick_accel() {
    if [ -n "${KEYMIME_QEMU_ACCEL:-}" ]; then echo "$KEYMIME_QEMU_ACCEL"; return; fi
    # /dev/kvm can exist and still hang (nested virtualisation): boot the kernel
    # to its no-root panic with a short timeout and trust KVM only if that works.
    if [ -w /dev/kvm ] && timeout 8 qemu-system-x86_64 -accel kvm -nographic -no-reboot -m 256 \
            -kernel "$VMLINUZ" -append 'console=ttyS0 panic=-1 quiet' </dev/null 2>/dev/null |
            grep -q 'Kernel panic'; then
        echo kvm
    else
        echo tcg
    fi
}

main() {
    if [ "$WITH_AGENT" = 1 ]; then
        if [ -z "$AGENT" ]; then
            [ -n "$BUILD" ] || die "give --build DIR (or KEYMIME_BUILD_DIR), --agent BINARY or --no-agent"
            AGENT=$BUILD/agent/keymime-agent
        fi
        [ -x "$AGENT" ] || die "no $AGENT: build the project first"
    fi
    mkdir -p "$CACHE"
    exec 9>"$CACHE/.lock"
    flock 9                  # one download/extract at a time (parallel ctest runs)
    fetch_kernel
    flock -u 9
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/keymime-qemu.XXXXXX")
    [ "$KEEP" = 1 ] || trap 'rm -rf "$WORK"' EXIT
    build_initramfs
    local accel; accel=$(pick_accel)
    log "kernel $KVER, accel $accel, initramfs $(du -h "$WORK/initrd.gz" | cut -f1), work $WORK"

    local t0=$SECONDS rc=0
    timeout "$TIMEOUT" qemu-system-x86_64 -accel "$accel" -m 512 -smp 2 -nographic -no-reboot \
        -kernel "$VMLINUZ" -initrd "$WORK/initrd.gz" \
        -append "console=ttyS0 quiet loglevel=3 panic=-1 keymime.timeout=$((TIMEOUT - 20))" \
        </dev/null 2>&1 | tr -d '\r' | tee "$WORK/console.log" || rc=$?
    cp "$WORK/console.log" "$CACHE/last-console.log"
    log "qemu ran $((SECONDS - t0)) s (exit $rc)"

    # Known failures (known-failures.txt) are reported, not counted.
    local npass nfail=0 nxfail=0 name
    local known; known=$(grep -v '^#' "$HERE/known-failures.txt" 2>/dev/null | awk 'NF {print $1}' || true)
    npass=$(grep -c '^KEYMIME-TEST: PASS' "$WORK/console.log" || true)
    while read -r _ _ name _; do
        [ -n "$name" ] || continue
        if grep -qx -- "$name" <<< "$known"; then
            nxfail=$((nxfail + 1)); log "XFAIL $name (known: see tests/qemu/known-failures.txt)"
        else
            nfail=$((nfail + 1))
        fi
    done < <(grep '^KEYMIME-TEST: FAIL' "$WORK/console.log" || true)
    for name in $known; do
        if grep -q "^KEYMIME-TEST: PASS $name\b" "$WORK/console.log"; then
            log "XPASS $name: fixed? remove it from tests/qemu/known-failures.txt"
        fi
    done
    echo "qemu/gadget: $npass passed, $nfail failed, $nxfail known failures"
    if ! grep -q '^KEYMIME-TEST: DONE pass=' "$WORK/console.log"; then
        log "FAIL: the scenario did not finish (timeout or crash; console in $CACHE/last-console.log)"
        exit 1
    fi
    [ "$nfail" = 0 ] && [ "$npass" -gt 0 ]
}

main
