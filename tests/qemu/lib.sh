# SPDX-License-Identifier: MIT
# lib.sh: what the qemu tests share (sourced by run.sh and systemd-test.sh):
# the cache, Debian's current kernel, the accelerator probe, copying programs
# and modules into an initramfs.
#
# Environment: KEYMIME_CACHE (default /var/cache/keymime-test, or ~/.cache/…
# when that is not writable) holds the kernel, the systemd test's root image
# and the last console logs; KEYMIME_QEMU_ACCEL=tcg|kvm forces an accelerator.
export PATH=$PATH:/usr/sbin:/sbin        # depmod, modprobe, mosquitto as a user

CACHE=${KEYMIME_CACHE:-/var/cache/keymime-test}
if ! mkdir -p "$CACHE" 2>/dev/null || [ ! -w "$CACHE" ]; then
    CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/keymime-test     # not root: a user cache
    mkdir -p "$CACHE" || { echo "qemu-test: cannot create $CACHE" >&2; exit 1; }
fi

log() { echo "qemu-test: $*" >&2; }
die() { log "$*"; exit 1; }

# need_tools TOOL...: die naming the first missing one
need_tools() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || die "missing $tool (install tests/qemu/apt-packages.txt)"
    done
}

# static_busybox: the path of a static busybox, or die
static_busybox() {
    local b=/bin/busybox
    [ -x "$b" ] || b=$(command -v busybox)
    if ldd "$b" >/dev/null 2>&1; then die "$b is dynamic: install busybox-static"; fi
    echo "$b"
}

current_kernel_pkg() {
    apt-cache depends linux-image-amd64 2>/dev/null |
        awk '/Depends: linux-image-[0-9]/ {print $2; exit}' || true
}

# fetch_kernel: sets KVER, KROOT (an extracted linux-image package with
# modules.dep) and VMLINUZ. The kernel is Debian's current one: the
# linux-image-amd64 metapackage's dependency, never a pinned version. Takes
# the cache lock (parallel ctest runs share it).
fetch_kernel() {
    local pkg
    exec 9>"$CACHE/.lock"
    flock 9
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
    flock -u 9
    VMLINUZ=$KROOT/boot/vmlinuz-$KVER
    [ -r "$VMLINUZ" ] || die "no $VMLINUZ"
}

# module_files MODULE...: the .ko files of the modules and their dependencies,
# dependencies first, each once (in the order insmod needs them)
module_files() {
    local seen=" " m ko
    for m in "$@"; do
        while read -r _ ko _; do
            case $seen in *" $ko "*) continue ;; esac
            seen="$seen$ko "
            echo "$ko"
        done < <(modprobe -d "$KROOT" -S "$KVER" --show-depends "$m" | grep '^insmod ')
    done
}

# copy_bin SRC DEST ROOT: the program and every library ldd lists, at the same paths
copy_bin() {
    install -D -m 0755 "$1" "$3$2"
    local libs lib
    libs=$(ldd "$1" 2>/dev/null | grep -o '/[^ ]*') || true     # none for static or scripts
    for lib in $libs; do
        [ -e "$3$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$3$lib"
    done
}

# pick_accel: kvm when a probe boot shows it works, else tcg (software)
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
