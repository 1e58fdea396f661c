#!/bin/bash
# SPDX-License-Identifier: MIT
# run.sh: the real-kernel gadget test. Takes Debian's current kernel (the
# linux-image-amd64 metapackage's dependency, never a pinned version), builds an
# initramfs with busybox, the USB gadget/host modules, mosquitto, the project's
# keymime-gadget script and (when built) keymime-agent, boots it in qemu and turns
# the scenario's PASS/FAIL lines into an exit code.
#
#   tests/qemu/run.sh [--build DIR] [--agent BINARY] [--no-agent] [--keep] [--scenario FILE]
#
# --scenario: the script the VM runs (default scenario.sh; features.sh: issue #18).
#
# Environment: KEYMIME_CACHE (default /var/cache/keymime-test, or ~/.cache/…
# when that is not writable) holds the kernel and the last console log; KEYMIME_QEMU_ACCEL=tcg|kvm forces an accelerator;
# KEYMIME_QEMU_TIMEOUT (seconds, default 240) bounds the VM.
# Needs the packages in apt-packages.txt beside this file; installs nothing.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
SRC=$(cd "$HERE/../.." && pwd)
BUILD=${KEYMIME_BUILD_DIR:-}
AGENT=""
WITH_AGENT=1
KEEP=0
SCENARIO=$HERE/scenario.sh
TIMEOUT=${KEYMIME_QEMU_TIMEOUT:-240}
MODULES="configfs dummy_hcd libcomposite usb_f_hid usbhid hid_generic evdev"

while [ $# -gt 0 ]; do
    case $1 in
        --build) BUILD=$2; shift 2 ;;
        --agent) AGENT=$2; shift 2 ;;
        --no-agent) WITH_AGENT=0; shift ;;
        --keep) KEEP=1; shift ;;
        --scenario) SCENARIO=$2; shift 2 ;;
        *) echo "usage: $0 [--build DIR] [--agent BINARY] [--no-agent] [--keep] [--scenario FILE]" >&2; exit 2 ;;
    esac
done

trap 'log "error: line $LINENO: $BASH_COMMAND"' ERR
need_tools qemu-system-x86_64 busybox cpio depmod modprobe dpkg-deb apt-get gcc mosquitto mosquitto_pub
file_busybox=$(static_busybox)

# ------------------------------------------------------------------ initramfs
build_initramfs() {
    ROOT=$WORK/root
    mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,etc/keymime,proc,sys,dev,tmp,run,root,lib/modules}
    cp "$file_busybox" "$ROOT/bin/busybox"
    ln -s busybox "$ROOT/bin/sh"
    install -m 0755 "$HERE/init" "$ROOT/init"
    install -m 0755 "$SCENARIO" "$ROOT/scenario.sh"
    install -m 0644 "$HERE/decode.awk" "$ROOT/decode.awk"
    install -m 0755 "$SRC/provisioning/gadget/keymime-gadget" "$ROOT/usr/sbin/keymime-gadget"
    install -m 0644 "$SRC/provisioning/agent.conf.example" "$ROOT/etc/keymime/agent.conf.example"
    gcc -static -O2 -Wall -Wextra -o "$ROOT/usr/bin/evlog" "$HERE/evlog.c"
    gcc -static -O2 -Wall -Wextra -o "$ROOT/usr/bin/hidbench" "$HERE/hidbench.c"
    # dash: /bin/sh on Raspberry Pi OS, so the gadget script runs under it too
    if command -v dash >/dev/null; then copy_bin "$(command -v dash)" /usr/bin/dash "$ROOT"; fi
    copy_bin "$(command -v mosquitto)" /usr/sbin/mosquitto "$ROOT"
    copy_bin "$(command -v mosquitto_pub)" /usr/bin/mosquitto_pub "$ROOT"
    copy_bin "$(command -v mosquitto_sub)" /usr/bin/mosquitto_sub "$ROOT"
    if [ "$WITH_AGENT" = 1 ]; then
        copy_bin "$AGENT" /usr/bin/keymime-agent "$ROOT"
    fi
    printf 'root:x:0:0:root:/root:/bin/sh\nkeymime:x:990:990:keymime:/nonexistent:/bin/false\n' > "$ROOT/etc/passwd"
    printf 'root:x:0:\nkeymime:x:990:\n' > "$ROOT/etc/group"
    printf '127.0.0.1 localhost\n' > "$ROOT/etc/hosts"
    # Stand-in for the udev rule: mdev applies the same group/mode on hotplug.
    printf 'hidg[0-9]+ root:keymime 0660\n' > "$ROOT/etc/mdev.conf"

    # Modules, dependencies first, each once, in the order init must insmod them.
    local ko
    : > "$ROOT/lib/modules/keymime.order"
    for ko in $(module_files $MODULES); do
        cp "$ko" "$ROOT/lib/modules/"
        echo "/lib/modules/$(basename "$ko")" >> "$ROOT/lib/modules/keymime.order"
    done
    (cd "$ROOT" && find . | cpio -o -H newc --quiet | gzip -1) > "$WORK/initrd.gz"
}

# ------------------------------------------------------------------ qemu
main() {
    if [ "$WITH_AGENT" = 1 ]; then
        if [ -z "$AGENT" ]; then
            [ -n "$BUILD" ] || die "give --build DIR (or KEYMIME_BUILD_DIR), --agent BINARY or --no-agent"
            AGENT=$BUILD/agent/keymime-agent
        fi
        [ -x "$AGENT" ] || die "no $AGENT: build the project first"
    fi
    fetch_kernel
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
