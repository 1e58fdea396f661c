#!/bin/bash
# SPDX-License-Identifier: MIT
# guest.sh: the systemd test's scenario, inside the Debian 12 VM (started at
# every boot by keymime-vmtest.service from the read-only second disk). The
# phase, kept on the VM's disk across its reboots, says what this boot is:
#   install   docs/install.md's "pi" blocks, word for word, as root (the
#             .deb, the broker with TLS, the device's files, the start,
#             typing, the dashboard, Home Assistant), each checked; reboot
#   boot      a normal boot: the units at boot, typing, watchdog, gadget
#             restart, READY after the first connection, stricter seccomp,
#             clean stop, journal, exposure
#   late-udc  no USB device controller at boot: dummy_hcd is loaded a few
#             seconds after multi-user.target (issue #20)
#   fail-once the gadget's first start at boot fails (issue #20)
# Output on the console, one line per check, read by systemd-test.sh:
#   KEYMIME-TEST: PASS <check> <detail> | FAIL <check> <detail> | INFO ... |
#                 REBOOT (the host boots it again) | DONE
set -u
T=/mnt/test
STATE=/var/lib/keymime-vmtest
DEV=pi1                    # install.md's device
KBD=/run/kbd.log           # evdev of the emulated keyboard (evlog lines)
export XDG_CONFIG_HOME=/root/.config      # the operator's mosquitto_pub/sub options
mkdir -p "$STATE"
PHASE=$(cat "$STATE/phase" 2>/dev/null || echo install)
NPASS=$(cat "$STATE/npass" 2>/dev/null || echo 0)
NFAIL=$(cat "$STATE/nfail" 2>/dev/null || echo 0)

say() { echo "KEYMIME-TEST: $(printf '%s' "$*" | tr '\n' '|')"; }
pass() { NPASS=$((NPASS + 1)); echo $NPASS > "$STATE/npass"; say "PASS $*"; }
fail() { NFAIL=$((NFAIL + 1)); echo $NFAIL > "$STATE/nfail"; say "FAIL $*"; }
info() { say "INFO $*"; }
# check NAME DETAIL COMMAND...: PASS if the command succeeds
check() {
    local name=$1 detail=$2; shift 2
    if "$@"; then pass "$name" "$detail"; else fail "$name" "$detail"; return 1; fi
}
now_ms() { awk '{printf "%d", $1 * 1000}' /proc/uptime; }
# wait_for SECONDS COMMAND...: poll every 0.2 s until the command succeeds
wait_for() {
    local end=$(( $(now_ms) + $1 * 1000 )); shift
    while ! "$@"; do [ "$(now_ms)" -ge "$end" ] && return 1; sleep 0.2; done
}
prop() { systemctl show -p "$2" --value "$1"; }      # UNIT PROPERTY
lines() { if [ -f "$1" ]; then wc -l < "$1"; else echo 0; fi; }
since() { tail -n +"$(($2 + 1))" "$1"; }             # FILE N: lines after the Nth
decoded() { since "$KBD" "$1" | awk -f "$T/decode.awk"; }
decoded_is() { [ "$(decoded "$1")" = "$2" ]; }
retained() { mosquitto_sub -t "keymime/$DEV/$1" -C 1 -W 3 2>/dev/null; }
online() { [ "$(retained availability)" = online ]; }
wake_supported() { retained status | grep -q '"supported":true'; }   # issue #18
next_phase() { echo "$1" > "$STATE/phase"; sync; }
journal_of() { journalctl -b -o cat --no-pager -u "$1"; }

# Hard stop: whatever hangs, the VM powers off and the host sees no DONE line.
limit=$(sed -n 's/.*keymime\.timeout=\([0-9]*\).*/\1/p' /proc/cmdline)
( sleep "${limit:-1200}"; say "FAIL vm-timeout phase $PHASE still running"; systemctl poweroff -ff ) &

start_evlog() {
    "$T/evlog" keymime input0 "$KBD" &
    EVLOG=$!
}

# type_check NAME TEXT: publish TEXT to the device's type topic; the host's
# evdev must decode to exactly TEXT, and the result must say ok.
type_check() {
    local n r res
    n=$(lines "$KBD")
    res=$(mosquitto_rr -t "keymime/$DEV/cmd" -e "keymime/$DEV/result" -W 30 \
        -m "{\"id\":\"$1\",\"text\":\"$2\"}" 2>&1)
    check "$1-result" "result: $res" grep -q '"ok":true' <<< "$res"
    wait_for 10 decoded_is "$n" "$2"
    check "$1-typed" "the host's evdev decoded '$(decoded "$n")', want '$2'" decoded_is "$n" "$2"
}

# ---------------------------------------------------------------- install
# What each of install.md's blocks must have done (after_NAME OUTFILE), on top
# of exiting 0.
after_udc() { check doc-udc-listed "ls /sys/class/udc: '$(cat "$1")'" grep -q . "$1"; }
after_install() {
    check doc-deb-user "the package made the system user keymime" getent passwd keymime
    check doc-deb-enabled "both units enabled" systemctl is-enabled --quiet keymime-gadget.service keymime-agent.service
}
after_broker() {
    check doc-broker-up "mosquitto runs the keymime configuration" systemctl is-active --quiet mosquitto
    check doc-broker-tls "the device's agent.conf names ssl://pi1.local:8883 and the CA" \
        sh -c 'grep -qx "broker = ssl://pi1.local:8883" /etc/mosquitto/keymime/devices/pi1/agent.conf &&
               grep -qx "cafile = /etc/keymime/ca.crt" /etc/mosquitto/keymime/devices/pi1/agent.conf'
    check doc-broker-no-plain "plain MQTT on 127.0.0.1 only: $(ss -ltnH 'sport = :1883' 2>/dev/null | awk '{print $4}' | tr '\n' ' ')" \
        sh -c "! ss -ltnH 'sport = :1883' | awk '{print \$4}' | grep -qv '^127.0.0.1:'"
}
after_device_files() {
    check doc-files-perms "$(stat -c '%n %U:%G %a' /etc/keymime/agent.conf /etc/keymime/password | tr '\n' ' ')" \
        test "$(stat -c '%U:%G %a' /etc/keymime/agent.conf /etc/keymime/password | tr '\n' ' ')" = "root:keymime 640 keymime:keymime 600 "
    check doc-files-config "--check-config accepts /etc/keymime/agent.conf as the agent's user" \
        sudo -u keymime keymime-agent --check-config --config /etc/keymime/agent.conf
}
after_start() {
    check doc-start-agent "the agent came up with the gadget" wait_for 60 systemctl is-active --quiet keymime-agent
}
after_status() {
    check doc-status "both active, the agent connected over TLS" sh -c \
        "[ \$(grep -c 'Active: active' '$1') = 2 ] && grep -q 'Status: \"connected to ssl://pi1.local:8883.*; typing on /dev/hidg0\"' '$1'"
}
after_clients() { check doc-clients-mode "options files mode 600" test "$(stat -c %a /root/.config/mosquitto_pub)" = 600; }
after_online() { check doc-online "printed '$(cat "$1")'" test "$(cat "$1")" = online; }
after_type() {
    wait_for 15 decoded_is "$DOC_KBD_FROM" 'hello from keymime'
    check doc-type-typed "the host's evdev decoded '$(decoded "$DOC_KBD_FROM")'" decoded_is "$DOC_KBD_FROM" 'hello from keymime'
}
after_result() { check doc-result "printed $(cat "$1")" grep -q '^{"id":"1","device":"pi1","ok":true' "$1"; }
after_dashboard() { check doc-dashboard "printed '$(cat "$1")'" test "$(cat "$1")" = 200; }
after_homeassistant() {
    check doc-ha-account "keymime-broker list shows ha" sh -c "keymime-broker list | grep -qw ha"
    check doc-ha-password "~/ha.password mode 600, the user's" test "$(stat -c '%U %a' /root/ha.password)" = "root 600"
}

phase_install() {
    info "booted $(uname -r), systemd $(systemctl --version | head -1 | cut -d' ' -f2), phase install"
    # The Pi after install.md step 3's reboot: a USB device controller (dummy_hcd
    # stands in for dwc2), at this boot and the next ones.
    modprobe dummy_hcd
    echo dummy_hcd > /etc/modules-load.d/vmtest-udc.conf
    cp -r "$T/keymime" /root/keymime
    start_evlog
    DOC_KBD_FROM=0
    local b name out rc
    for b in "$T"/blocks/*-pi-*.sh; do
        name=${b##*-pi-}; name=${name%.sh}
        out=/root/doc-$name.out
        [ "$name" = type ] && DOC_KBD_FROM=$(lines "$KBD")
        # As the user would run it: a login's environment, in the clone.
        (cd /root/keymime && env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash \
            PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
            bash -e "$b") > "$out" 2>&1
        rc=$?
        check "doc-$name" "install.md block '$name' exits 0 (rc $rc)" test $rc = 0 ||
            { sed "s/^/KEYMIME-TEST: INFO $name: /" "$out" | tail -n 25; return 1; }
        if command -v "after_${name//-/_}" >/dev/null; then "after_${name//-/_}" "$out"; fi
    done
    next_phase boot
    say "REBOOT into phase boot"
    systemctl reboot
}

# ---------------------------------------------------------------- boot
phase_boot() {
    info "booted, phase boot: $(ls /sys/class/udc)"
    start_evlog
    check boot-gadget "keymime-gadget.service active at boot" wait_for 60 systemctl is-active --quiet keymime-gadget
    check boot-agent "keymime-agent.service active (READY=1 received: Type=notify)" \
        wait_for 60 systemctl is-active --quiet keymime-agent
    local g a
    g=$(prop keymime-gadget ActiveEnterTimestampMonotonic)
    a=$(prop keymime-agent ExecMainStartTimestampMonotonic)
    check boot-order "the agent started after the gadget was up (gadget up at $g us, agent started at $a us)" \
        test "$g" -gt 0 -a "$a" -ge "$g"
    PID=$(prop keymime-agent MainPID)
    check agent-user "the agent runs as keymime: $(ps -o user=,group= -p "$PID")" \
        test "$(ps -o user= -p "$PID" | tr -d ' ')" = keymime
    check agent-caps "no capabilities: $(grep CapEff /proc/"$PID"/status)" \
        grep -q 'CapEff:[[:space:]]*0000000000000000' /proc/"$PID"/status
    info "StatusText: '$(prop keymime-agent StatusText)'"
    check agent-online "availability online" wait_for 30 online
    check hidg-perms "/dev/hidg0: $(stat -c '%G %a' /dev/hidg0)" test "$(stat -c '%G %a' /dev/hidg0)" = "keymime 660"
    check evdev-found "the host's keyboard in /proc/bus/input/devices" wait_for 20 grep -q '^S ' "$KBD"
    type_check boot-type 'Hello from systemd 123'
    # Issue #18: in its sandbox the agent opened the UDC's srp for writing
    # (ReadWritePaths=-/sys/devices, the file given to group keymime) and
    # nothing else of sysfs: soft_connect beside it stays out of reach.
    check wake-srp "status: $(retained status | grep -o '"wake":{[^}]*}')" wake_supported
    check wake-only-srp "as the agent (its namespace, user keymime): srp writable, soft_connect not" \
        nsenter -t "$PID" -m -S "$(id -u keymime)" -G "$(id -g keymime)" sh -c \
        'for u in /sys/class/udc/*; do test -w "$u/srp" && ! test -w "$u/soft_connect" || exit 1; done'

    local sec
    sec=$(systemd-analyze security keymime-agent 2>&1 | tail -1)
    echo "KEYMIME-SECURITY: $sec"
    check security-exposure "systemd-analyze security keymime-agent: $sec" grep -q 'Overall exposure level' <<< "$sec"

    # The watchdog: alive, same process, past 1.5 x WatchdogSec (what comes
    # before, but for a restart, runs meanwhile).
    local up
    info "WatchdogUSec=$(prop keymime-agent WatchdogUSec)"
    up=$(( ($(now_ms) * 1000 - $(prop keymime-agent ExecMainStartTimestampMonotonic)) / 1000000 ))
    local need=$(( $(watchdog_s) * 3 / 2 + 2 ))
    [ "$up" -lt "$need" ] && sleep $((need - up))
    check watchdog-survives "after $need s (1.5 x $(watchdog_s) s): same pid, no restart, active" \
        test "$(prop keymime-agent MainPID)" = "$PID" -a "$(prop keymime-agent NRestarts)" = 0 -a \
             "$(systemctl is-active keymime-agent)" = active
    type_check watchdog-type 'still here'

    # A gadget restart re-creates /dev/hidg*: the agent follows it.
    systemctl restart keymime-gadget
    check gadget-restart "gadget active again" wait_for 30 systemctl is-active --quiet keymime-gadget
    check gadget-restart-agent "agent active after the gadget restart" wait_for 60 systemctl is-active --quiet keymime-agent
    check gadget-restart-online "availability online" wait_for 30 online
    type_check restart-type 'after restart'

    phase_ready
    phase_seccomp_kill
    phase_stop
    phase_journal
    # Next boot: no controller until after multi-user.target.
    rm -f /etc/modules-load.d/vmtest-udc.conf
    next_phase late-udc
    say "REBOOT into phase late-udc"
    systemctl reboot
}

# READY=1 follows the first connection: with the broker down the agent stays
# "activating" and says why (STATUS=), without failing; once the broker is
# back it is active and says where it is connected.
phase_ready() {
    systemctl stop mosquitto
    systemctl restart --no-block keymime-agent
    sleep 5
    check ready-waits "broker down: agent $(systemctl is-active keymime-agent), StatusText '$(prop keymime-agent StatusText)'" \
        test "$(systemctl is-active keymime-agent)" = activating
    check ready-status-waiting "StatusText says it waits for the broker" \
        sh -c "systemctl show -p StatusText --value keymime-agent | grep -q 'waiting for the broker'"
    systemctl start mosquitto
    check ready-after-connect "active once the broker is up" wait_for 60 systemctl is-active --quiet keymime-agent
    check ready-status-connected "StatusText '$(prop keymime-agent StatusText)'" \
        sh -c "systemctl show -p StatusText --value keymime-agent | grep -q '^connected to'"
    wait_for 30 online
    type_check ready-type 'ready now'
}

# watchdog_s: the agent's WatchdogSec in whole seconds
watchdog_s() {
    systemd-analyze timespan "$(prop keymime-agent WatchdogUSec)" | awk '/μs:/ {print int($2 / 1000000)}'
}

# The seccomp filter with "kill" instead of EPERM: a system call outside the
# filter would end the agent (SIGSYS) instead of failing quietly. Typing,
# media keys and a stop must work under it.
phase_seccomp_kill() {
    mkdir -p /run/systemd/system/keymime-agent.service.d
    printf '[Service]\nSystemCallErrorNumber=kill\n' > /run/systemd/system/keymime-agent.service.d/vmtest-kill.conf
    systemctl daemon-reload
    systemctl restart keymime-agent
    check seccomp-kill-start "agent active with SystemCallErrorNumber=kill" wait_for 60 systemctl is-active --quiet keymime-agent
    wait_for 30 online
    type_check seccomp-kill-type 'strict 42'
    res=$(mosquitto_rr -t "keymime/$DEV/keys" -e "keymime/$DEV/result" -W 30 -m 'AudioVolumeUp ctrl+c' 2>&1)
    check seccomp-kill-keys "chords and a media key: $res" grep -q '"ok":true' <<< "$res"
    systemctl stop keymime-agent
    check seccomp-kill-stop "clean stop under the kill filter: Result=$(prop keymime-agent Result)" \
        test "$(prop keymime-agent Result)" = success
    rm -f /run/systemd/system/keymime-agent.service.d/vmtest-kill.conf
    systemctl daemon-reload
    systemctl start keymime-agent
    wait_for 60 systemctl is-active --quiet keymime-agent
    wait_for 30 online
}

# A stop while a key is held: offline, every key up on the host.
phase_stop() {
    local n
    n=$(lines "$KBD")
    mosquitto_pub -q 1 -t "keymime/$DEV/cmd" -m '{"id":"hold","down":"ShiftLeft"}'
    wait_for 10 sh -c "tail -n +$((n + 1)) $KBD | grep -q '^K [0-9.]* 42 1\$'"
    check stop-holding "the host sees ShiftLeft held" sh -c "tail -n +$((n + 1)) $KBD | grep -q '^K [0-9.]* 42 1\$'"
    systemctl stop keymime-agent
    check stop-result "systemctl stop: Result=$(prop keymime-agent Result), $(prop keymime-agent ExecMainStatus)" \
        test "$(prop keymime-agent Result)" = success
    check stop-offline "availability offline" wait_for 10 sh -c '[ "$(mosquitto_sub -t keymime/'$DEV'/availability -C 1 -W 3)" = offline ]'
    sleep 1
    local down
    down=$(awk '$1=="S"{delete v} $1=="K"{v[$3]=$4} END{for (k in v) if (v[k] != 0) printf "%s ", k}' "$KBD")
    check stop-no-key-down "no key down on the host after the stop: '$down'" test -z "$down"
}

# No sandbox denial in this boot's journal: the agent logs a failed open or
# write with its errno; systemd logs SIGSYS and the kernel a seccomp audit.
phase_journal() {
    local bad
    bad=$( { journal_of keymime-agent; journal_of keymime-gadget; } |
        grep -Ei 'Operation not permitted|Permission denied|Read-only file system|status=31/SYS|code=killed' )
    check journal-no-denial "no denial in the units' journal: '$bad'" test -z "$bad"
    bad=$(journalctl -b -k -o cat --no-pager | grep -E 'type=1326|audit.*seccomp' | head -3)
    check journal-no-seccomp "no seccomp audit in the kernel log: '$bad'" test -z "$bad"
}

finish() {
    say "DONE pass=$NPASS fail=$NFAIL"
    sync
    systemctl poweroff
}

# ---------------------------------------------------------------- late-udc
# A controller that appears after the units started (a deferred dwc2 probe, a
# module loaded later): the gadget and the agent come up with it, no restart
# by hand.
phase_late_udc() {
    info "booted, phase late-udc: udc '$(ls /sys/class/udc 2>/dev/null)'"
    check late-no-udc "no USB device controller at boot" test -z "$(ls /sys/class/udc 2>/dev/null)"
    wait_for 120 systemctl is-active --quiet multi-user.target
    info "before the controller: gadget $(systemctl is-active keymime-gadget), agent $(systemctl is-active keymime-agent)"
    sleep 3
    start_evlog
    local t0; t0=$(now_ms)
    modprobe dummy_hcd
    check late-agent "agent active after the controller appeared" wait_for 60 systemctl is-active --quiet keymime-agent
    check late-online "availability online" wait_for 30 online
    check late-evdev "the host's keyboard appeared" wait_for 20 grep -q '^S ' "$KBD"
    type_check late-type 'late but here'
    local dt=$(( ($(now_ms) - t0) / 1000 ))
    check late-within "typing $dt s after the controller appeared (limit 60 s under emulation)" test "$dt" -le 60
    phase_journal
    # Next boot: the controller is there, the gadget's first start fails.
    echo dummy_hcd > /etc/modules-load.d/vmtest-udc.conf
    mkdir -p /etc/systemd/system/keymime-gadget.service.d
    cat > /etc/systemd/system/keymime-gadget.service.d/vmtest-fail-once.conf <<'EOF2'
[Service]
ExecStartPre=/bin/sh -c 'test -e /run/vmtest-failed-once || { touch /run/vmtest-failed-once; echo "vmtest: failing the first gadget start"; exit 1; }'
EOF2
    next_phase fail-once
    say "REBOOT into phase fail-once"
    systemctl reboot
}

# ---------------------------------------------------------------- fail-once
phase_fail_once() {
    info "booted, phase fail-once: udc '$(ls /sys/class/udc 2>/dev/null)'"
    start_evlog
    check once-agent "agent active after the failed first gadget start" wait_for 90 systemctl is-active --quiet keymime-agent
    check once-failed "the gadget's first start did fail" \
        sh -c "journalctl -b -o cat -u keymime-gadget | grep -q 'vmtest: failing the first gadget start'"
    info "gadget NRestarts=$(prop keymime-gadget NRestarts), agent NRestarts=$(prop keymime-agent NRestarts)"
    check once-online "availability online" wait_for 30 online
    check once-evdev "the host's keyboard" wait_for 20 grep -q '^S ' "$KBD"
    type_check once-type 'second time lucky'
    rm -rf /etc/systemd/system/keymime-gadget.service.d
    finish
}

# A phase that cannot go on: what the journal says, then the end.
abort() {
    fail "phase-$PHASE" "stopped: $*"
    journalctl -b -o short-monotonic --no-pager -u keymime-gadget -u keymime-agent -u mosquitto |
        tail -n 40 | sed 's/^/KEYMIME-TEST: INFO journal: /'
    finish
}

case $PHASE in
    install) phase_install || abort "install failed" ;;
    boot) phase_boot || abort "a check that the rest needs failed" ;;
    late-udc) phase_late_udc || abort "late-udc failed" ;;
    fail-once) phase_fail_once || abort "fail-once failed" ;;
    *) abort "unknown phase '$PHASE'" ;;
esac
