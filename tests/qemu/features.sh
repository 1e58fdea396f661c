#!/bin/sh
# SPDX-License-Identifier: MIT
# features.sh: issue #18 on the real kernel, in the test VM of run.sh
# (run.sh --scenario features.sh; busybox sh). The same kernel is the Pi
# (f_hid on dummy_hcd) and the host (usbhid, evdev); the agent runs as the
# unprivileged user keymime, as under systemd.
#
#   keep awake   F15 taps on the host's evdev at keep_awake_interval_s, none
#                inside a slowly typed text, none after switching it off
#   hold         a key held through a re-enumeration (UDC unbound and bound
#                again, as when the computer restarts) is down in the new session
#   wake         the host autosuspends the keyboard (power/control auto, the
#                event node held open so remote wakeup is armed): the status
#                says suspended, a text wakes the bus and arrives exactly,
#                {"wake":true} alone resumes it; with no driver wanting remote
#                wakeup (usbhid unbound: suspended, not armed) the command
#                fails with wake_failed and nothing is typed
#
# Output on ttyS0 as scenario.sh's: KEYMIME-TEST: PASS|FAIL|INFO ..., DONE.
G=/sys/kernel/config/usb_gadget/keymime
DEV=vm1
T=keymime/$DEV
KBD=/tmp/kbd.log
MQ=/tmp/mqtt.log
NPASS=0
NFAIL=0

say() { echo "KEYMIME-TEST: $(printf '%s' "$*" | tr '\n' '|')"; }
pass() { NPASS=$((NPASS + 1)); say "PASS $*"; }
fail() { NFAIL=$((NFAIL + 1)); say "FAIL $*"; }
info() { say "INFO $*"; }
check() { local name=$1 detail=$2; shift 2; if "$@"; then pass "$name" "$detail"; else fail "$name" "$detail"; return 1; fi; }
ms() { awk '{printf "%d", $1 * 1000}' /proc/uptime; }
# until_ok SECONDS COMMAND...: poll every 0.1 s
until_ok() {
    end=$(( $(ms) + $1 * 1000 )); shift
    while ! "$@"; do [ "$(ms)" -ge "$end" ] && return 1; usleep 100000; done
}
nlines() { if [ -f "$1" ]; then wc -l < "$1"; else echo 0; fi; }
after() { tail -n +"$(($2 + 1))" "$1"; }                   # FILE N: lines after the Nth
typed() { after "$KBD" "$1" | awk -f /decode.awk; }        # text the host decoded
typed_is() { [ "$(typed "$1")" = "$2" ]; }
# key_times FROM CODE: the times of the presses of CODE after line FROM
key_times() { after "$KBD" "$1" | awk -v c="$2" '$1=="K" && $3==c && $4==1 {print $2}'; }
has_key() { [ -n "$(after "$KBD" "$1" | awk -v c="$2" -v v="$3" '$1=="K" && $3==c && $4==v')" ]; }
no_key() { ! has_key "$@"; }
taps_ge() { [ "$(key_times "$1" 185 | wc -l)" -ge "$2" ]; }    # FROM COUNT
# gaps_between MIN MAX T1 T2 T3…: every gap between the times within [MIN, MAX]
gaps_between() {
    lo=$1 hi=$2; shift 2
    echo "$*" | awk -v lo="$lo" -v hi="$hi" '{for (i = 2; i <= NF; i++) if ($i - $(i-1) < lo || $i - $(i-1) > hi) exit 1}'
}
sessions() { grep -c '^S ' "$KBD" 2>/dev/null || echo 0; }
more_sessions() { [ "$(sessions)" -gt "$1" ]; }
pub() { mosquitto_pub -q 1 -t "$T/$1" -m "$2"; }
nresults() { grep -c "^$T/result " "$MQ"; }
result_n() { grep "^$T/result " "$MQ" | sed -n "$1p"; }    # the Nth result line
# send LEAF PAYLOAD: publish and print its result (the next one), within 30 s
more_results() { [ "$(nresults)" -gt "$1" ]; }
send() {
    r0=$(nresults); pub "$1" "$2"
    until_ok 30 more_results "$r0" && result_n $((r0 + 1))
}
has() { echo "$1" | grep -q "$2"; }                        # TEXT PATTERN
ok() { has "$1" '"ok":true'; }
woken() { ok "$1" && has "$1" '"wake":"woken"'; }
status_has() { grep "^$T/status " "$MQ" | tail -n 1 | grep -q "$1"; }
status_since() { grep "^$T/status " "$MQ" | tail -n +"$(($1 + 1))" | grep -q "$2"; }
nstatus() { grep -c "^$T/status " "$MQ"; }

start() {
    evlog keymime input0 "$KBD" &
    printf '\033[H\033[2J' > /dev/tty1
    cat /dev/tty1 > /dev/null &
    check gadget-up "keymime-gadget up (REMOTE_WAKEUP defaults to 1)" keymime-gadget up || return 1
    UDC=$(cat $G/UDC)
    check enumerated "the host's keyboard appears" until_ok 20 grep -q '^S ' "$KBD" || return 1
    for d in /sys/bus/usb/devices/*; do
        grep -qs "USB Keyboard" "$d/product" && H=$d
    done
    check wakeup-offered "the host sees bmAttributes a0 (remote wakeup): $(cat "$H/bmAttributes")" \
        test "$(cat "$H/bmAttributes")" = a0
    check srp-to-keymime "srp given to group keymime: $(stat -c '%G %a' /sys/class/udc/$UDC/srp)" \
        test "$(stat -c '%G %a' /sys/class/udc/$UDC/srp)" = "keymime 220"
    [ -e $G/functions/hid.usb0/wakeup_on_write ] && info "this kernel has wakeup_on_write: $(cat $G/functions/hid.usb0/wakeup_on_write)" ||
        info "no wakeup_on_write in this kernel's f_hid (mainline): the agent signals through srp"
    printf 'listener 1883 127.0.0.1\nallow_anonymous true\nuser root\n' > /tmp/mosquitto.conf
    mosquitto -c /tmp/mosquitto.conf > /tmp/mosquitto.log 2>&1 &
    until_ok 10 sh -c 'mosquitto_pub -t probe -m x 2>/dev/null' || { fail broker "mosquitto did not start"; return 1; }
    mosquitto_sub -v -t 'keymime/#' > "$MQ" 2>/dev/null &
    usleep 300000
    start-stop-daemon -S -c keymime:keymime -x /usr/bin/keymime-agent -- \
        --broker tcp://127.0.0.1:1883 --device-id "$DEV" --hid-keyboard /dev/hidg0 \
        --hid-consumer /dev/hidg1 --log-level debug --keep-awake-interval-s 2 \
        --wake-timeout-ms 3000 > /tmp/agent.log 2>&1 &
    AGENT=$!
    check agent-online "availability online" until_ok 20 grep -q "^$T/availability online" "$MQ" || return 1
    until_ok 5 grep -q "^$T/status " "$MQ"
    check wake-status "status: $(grep "^$T/status " "$MQ" | tail -n 1 | grep -o '"wake":{[^}]*}')" \
        status_has '"wake":{"udc":"dummy_udc.0","driver":"dummy_udc","supported":true,"advertised":true}'
}

# Keep awake: taps 2 s apart on the host, none while a text is typed.
phase_keep_awake() {
    n=$(nlines "$KBD")
    r=$(send cmd '{"id":"ka","keep_awake":true}')
    check keep-awake-on "result: $r" ok "$r"
    until_ok 15 taps_ge "$n" 3
    t=$(key_times "$n" 185 | head -n 3 | tr '\n' ' ')
    gaps=$(echo "$t" | awk '{for (i = 2; i <= NF; i++) printf "%.2f ", $i - $(i-1)}')
    check keep-awake-taps "three F15 taps on the host's evdev ($t), gaps ${gaps}s (interval 2 s)" \
        gaps_between 1.8 4 $t
    n=$(nlines "$KBD"); text="typed slowly while keeping awake"
    r=$(send cmd "{\"id\":\"slow\",\"text\":\"$text\",\"delay_ms\":150}")
    check keep-awake-text "a text of $(echo "$r" | grep -o '"ms":[0-9]*') ms: $r" ok "$r"
    until_ok 3 typed_is "$n" "$text"
    check keep-awake-text-exact "the host decoded '$(typed "$n")'" typed_is "$n" "$text"
    inside=$(after "$KBD" "$n" | awk '$1=="K" && $4==1 {k[++m] = $3} END {
        f = 0; l = 0; for (i = 1; i <= m; i++) if (k[i] != 185) { if (!f) f = i; l = i }
        c = 0; for (i = f; i <= l; i++) if (k[i] == 185) c++; print c }')
    check keep-awake-not-inside "F15 presses between the text's first and last key: $inside" test "$inside" = 0
    r=$(send cmd '{"keep_awake":false}')
    usleep 300000; n=$(nlines "$KBD"); sleep 5
    check keep-awake-off "no F15 in 5 s after switching it off ($r)" no_key "$n" 185 1
}

# A key held through a re-enumeration: down in the new session too.
phase_hold() {
    s=$(sessions); n=$(nlines "$KBD"); r0=$(nresults)
    pub cmd '{"id":"boot","hold":"F12","ms":6000}'
    check hold-down "F12 down on the host" until_ok 5 has_key "$n" 88 1
    echo "" > $G/UDC; usleep 500000; echo "$UDC" > $G/UDC
    check hold-new-session "the keyboard enumerates again (as after a restart)" until_ok 15 more_sessions "$s"
    m=$(grep -n '^S ' "$KBD" | tail -n 1 | cut -d: -f1)
    check hold-again "F12 down in the new session: the hold is sent again" until_ok 5 has_key "$((m - 1))" 88 1
    until_ok 15 more_results "$r0"
    r=$(result_n $((r0 + 1)))
    check hold-result "result: $r" ok "$r"
    check hold-released "F12 let go at the end" until_ok 3 has_key "$((m - 1))" 88 0
}

runtime() { cat "$H/power/runtime_status"; }
suspended() { [ "$(runtime)" = suspended ]; }

# The host autosuspends the keyboard; the agent wakes it.
phase_wake() {
    echo 200 > "$H/power/autosuspend_delay_ms"
    echo auto > "$H/power/control"
    m=$(nstatus)
    check wake-autosuspend "the host autosuspends the keyboard" until_ok 15 suspended || return 1
    check wake-status-suspended "status host suspended" until_ok 10 status_since "$m" '"host":"suspended"'
    n=$(nlines "$KBD")
    r=$(send type 'woken up 1')
    check wake-type "a text to a suspended host: $r" woken "$r"
    until_ok 3 typed_is "$n" 'woken up 1'
    check wake-type-exact "the host decoded '$(typed "$n")'" typed_is "$n" 'woken up 1'
    until_ok 15 suspended
    m=$(nstatus)
    until_ok 10 status_since "$m" '"host":"suspended"'
    a0=$(cat "$H/power/runtime_active_time")
    r=$(send cmd '{"id":"w","wake":true}')
    check wake-alone "{\"wake\":true}: $r" woken "$r"
    a1=$(cat "$H/power/runtime_active_time")
    check wake-alone-host "the host's side was active again (runtime_active_time $a0 -> $a1 ms)" \
        test "$a1" -gt "$a0"
    # Not armed: no driver wants remote wakeup, the host suspends without it.
    for i in "$H":1.*; do echo "${i##*/}" > /sys/bus/usb/drivers/usbhid/unbind; done
    check wake-unarmed-suspend "suspended without remote wakeup (usbhid unbound)" until_ok 15 suspended
    m=$(nstatus)
    until_ok 10 status_since "$m" '"host":"suspended"'
    t=$(ms); r=$(send type 'lost')
    check wake-unarmed-fails "in $(( $(ms) - t )) ms: $r" has "$r" '"error":"wake_failed"'
    check wake-unarmed-suspended "still suspended: $(runtime)" suspended
    s=$(sessions); n=$(nlines "$KBD")
    for i in "$H":1.*; do echo "${i##*/}" > /sys/bus/usb/drivers/usbhid/bind; done
    echo on > "$H/power/control"
    until_ok 15 more_sessions "$s"
    usleep 1000000
    check wake-unarmed-nothing "nothing of it typed: '$(typed "$n")'" test -z "$(typed "$n")"
    n=$(nlines "$KBD")
    r=$(send type 'ok')
    until_ok 3 typed_is "$n" ok
    check wake-after "typing again once the host resumed: '$(typed "$n")'" typed_is "$n" ok
}

finish() {
    down=$(awk '$1=="S"{delete v} $1=="K"{v[$3]=$4} END{for (k in v) if (v[k] != 0) printf "%s ", k}' "$KBD")
    check no-key-down "keys down at the end: '$down'" test -z "$down"
    kill "$AGENT"
    check agent-stop "agent exits on SIGTERM" until_ok 5 sh -c "! kill -0 $AGENT 2>/dev/null"
}

if start; then
    phase_keep_awake
    phase_hold
    phase_wake
    finish
fi
if [ "$NFAIL" != 0 ]; then
    tail -n 40 /tmp/agent.log | sed 's/^/KEYMIME-TEST: INFO agent.log: /'
    dmesg | tail -n 20 | sed 's/^/KEYMIME-TEST: INFO dmesg: /'
fi
say "DONE pass=$NPASS fail=$NFAIL"
