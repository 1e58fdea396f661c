#!/bin/sh
# SPDX-License-Identifier: MIT
# The scenario run inside the test VM (busybox sh). The gadget is set up with the
# project's own keymime-gadget script on dummy_hcd, so the same kernel plays both
# the Pi (f_hid) and the host (usbhid + hid-generic + the VT keyboard handler).
#
# Phase 1 (always): harness self-test with raw reports written by printf.
# Phase 2 (when /usr/bin/keymime-agent is in the initramfs): the real agent, driven
# over MQTT by mosquitto_pub, checked through the host's evdev and VT screen:
# text, chords, media keys, Caps Lock LED, held keys, UDC unbind mid-typing and
# rebind, a host that stops reading, soft disconnect, gadget restart, clean stop.
# Then a throughput measurement (KEYMIME-BENCH lines): a text typed by the agent
# and a raw replay of the same report stream, both timed to the host's evdev.
# Phase 3 (always): the gadget's error paths and NO_OUT_ENDPOINT=1.
#
# Output on ttyS0, one line per check, parsed by run.sh:
#   KEYMIME-TEST: PASS <check> [detail] | FAIL <check> <detail> | INFO ... | DONE pass=N fail=M
G=/sys/kernel/config/usb_gadget/keymime
DEV=vm1
T=keymime/$DEV
KBD=/tmp/kbd.log      # evdev of the emulated keyboard (interface 0)
CC=/tmp/cc.log        # evdev of the consumer-control interface (interface 1)
MQ=/tmp/mqtt.log      # everything under keymime/ as "topic payload"
NPASS=0
NFAIL=0

say() { echo "KEYMIME-TEST: $(printf '%s' "$*" | tr '\n' '|')"; }   # one line each
pass() { NPASS=$((NPASS + 1)); say "PASS $*"; }
fail() { NFAIL=$((NFAIL + 1)); say "FAIL $*"; }
info() { say "INFO $*"; }
# check NAME DETAIL COMMAND... : PASS if the command succeeds
check() {
    local name=$1 detail=$2; shift 2
    if "$@"; then pass "$name" "$detail"; else fail "$name" "$detail"; return 1; fi
}
now_ms() { awk '{printf "%d", $1 * 1000}' /proc/uptime; }
# wait_for SECONDS COMMAND... : poll every 0.1 s until the command succeeds
wait_for() {
    local end=$(( $(now_ms) + $1 * 1000 )); shift
    while ! "$@"; do [ "$(now_ms)" -ge "$end" ] && return 1; usleep 100000; done
}
lines() { if [ -f "$1" ]; then wc -l < "$1"; else echo 0; fi; }
# since FILE N: the lines of FILE after line N
since() { tail -n +"$(($2 + 1))" "$1"; }
sessions() { if [ -f "$1" ]; then grep -c '^S ' "$1"; else echo 0; fi; }
hexof() { od -An -tx1 | tr -d ' \n'; }
report() { printf "$1" > /dev/hidg0; }              # 8 bytes as octal escapes
ccreport() { printf "$1" > /dev/hidg1; }            # 2 bytes
decoded() { since "$KBD" "$1" | awk -f /decode.awk; }
screen() { tr -s ' ' < /dev/vcs1; }
# jhas FILE TOPIC KEY VALUE: a message on TOPIC whose JSON has "KEY": VALUE
jhas() { grep "^$T/$2 " "$1" | grep -Eq "\"$3\" *: *$4"; }
# key_events FILE FROM CODE VALUE: count of such events after line FROM
key_events() { since "$1" "$2" | awk -v c="$3" -v v="$4" '$1=="K" && $3==c && $4==v' | wc -l; }
# Predicates for wait_for (re-evaluated on every poll, unlike a "$(...)" argument):
seen_key() { [ "$(key_events "$@")" -ge 1 ]; }            # FILE FROM CODE VALUE
more_sessions() { [ "$(sessions "$1")" -gt "$2" ]; }       # FILE N
more_results() { [ "$(results)" -gt "$1" ]; }              # N
decoded_is() { [ "$(decoded "$1")" = "$2" ]; }             # FROM TEXT
keys_since() { [ "$(since "$1" "$2" | grep -c '^K')" -ge "$3" ]; }   # FILE FROM COUNT

start_loggers() {
    # evlog runs on CPU 0 at a real-time priority; the bench pins the report
    # writers there too, so the logger always drains evdev first (evlog.c).
    evlog keymime input0 "$KBD" &
    evlog keymime input1 "$CC" &
    # Something must hold tty1 open so the line discipline echoes onto the screen.
    printf '\033[H\033[2J' > /dev/tty1
    cat /dev/tty1 > /tmp/tty1.out &
    # No signal keys: ^C would flush echoes still pending in the line discipline
    # (a fast "A" right before it vanished from the screen); echoctl shows it as ^C.
    usleep 100000; stty -F /dev/tty1 -isig
}

# ---------------------------------------------------------------- phase 1
phase_raw() {
    t0=$(now_ms)
    check gadget-up "keymime-gadget up" keymime-gadget up
    check gadget-up-idempotent "second up is a no-op" keymime-gadget up
    if wait_for 20 grep -q '^S ' "$KBD"; then
        pass enumerated "keyboard evdev after $(( $(now_ms) - t0 )) ms"
    else
        fail enumerated "no input device named keymime on input0 within 20 s"
        cat /proc/bus/input/devices; dmesg | tail -20; return 1
    fi
    wait_for 10 grep -q '^S ' "$CC" || fail enumerated-consumer "no consumer evdev"
    grep -A9 'keymime' /proc/bus/input/devices | sed 's/^/KEYMIME-TEST: INFO input: /' | grep -E 'Name|Phys|Handlers'
    keymime-gadget status | sed 's/^/KEYMIME-TEST: INFO status: /'
    check proc-devices-hidg "char major named 'hidg' (keymime-agent.service: DeviceAllow=char-hidg)" \
        grep -Eq '^ *[0-9]+ hidg$' /proc/devices
    perms=$(stat -c %G:%a /dev/hidg0 /dev/hidg1 | tr '\n' ' ')
    check device-perms "/dev/hidg0 /dev/hidg1 group keymime, mode 660: $perms" \
        test "$perms" = "keymime:660 keymime:660 "

    led=$(timeout 5 dd if=/dev/hidg0 bs=8 count=1 2>/dev/null | hexof)
    check led-on-enumeration "one LED report waiting, got '$led'" test "$led" = 00

    n=$(lines "$KBD")
    report '\000\000\016\000\000\000\000\000'; report '\000\000\000\000\000\000\000\000'   # k
    report '\002\000\020\000\000\000\000\000'; report '\000\000\000\000\000\000\000\000'   # M
    report '\000\000\150\000\000\000\000\000'; report '\000\000\000\000\000\000\000\000'   # F13 0x68
    report '\000\000\207\000\000\000\000\000'; report '\000\000\000\000\000\000\000\000'   # Intl1 0x87
    report '\000\000\050\000\000\000\000\000'; report '\000\000\000\000\000\000\000\000'   # Enter
    wait_for 5 seen_key "$KBD" "$n" 28 0
    got=$(decoded "$n" | tr '\n' '|')
    check raw-decode "k, shift+m, F13, Intl1, Enter -> '$got'" test "$got" = "kM<183><89>|"
    check raw-usage-above-0x65 "F13 (0x68) reached the host as KEY_F13" \
        test "$(key_events "$KBD" "$n" 183 1)" = 1
    check raw-screen "tty1 shows kM" wait_for 3 sh -c 'tr -s " " < /dev/vcs1 | grep -q kM' ||
        info "screen: $(screen)"

    n=$(lines "$CC")
    ccreport '\351\000'; ccreport '\000\000'        # Volume Up 0x0e9
    ccreport '\043\002'; ccreport '\000\000'        # AC Home 0x223 (above 0xff)
    wait_for 5 seen_key "$CC" "$n" 172 0
    check raw-consumer "VolumeUp (115) and AC Home (172) down+up" \
        test "$(since "$CC" "$n" | awk '$1=="K"{printf "%s:%s ", $3, $4}')" = "115:1 115:0 172:1 172:0 "
}

# ---------------------------------------------------------------- phase 2
start_agent() {
    sed -e "s|^#* *device_id *=.*|device_id = $DEV|" \
        -e "s|^#* *broker *=.*|broker = tcp://127.0.0.1:1883|" \
        /etc/keymime/agent.conf.example > /etc/keymime/agent.conf
    out=$(keymime-agent --check-config --config /etc/keymime/agent.conf 2>&1); rc=$?
    check example-config "agent --check-config accepts agent.conf.example (rc=$rc: $(echo "$out" | tail -1))" \
        test "$rc" = 0
    # As on a Pi: an unprivileged user that reaches /dev/hidg* through its group.
    set -- --broker tcp://127.0.0.1:1883 --device-id "$DEV" \
        --hid-keyboard /dev/hidg0 --hid-consumer /dev/hidg1 --layout us --log-level debug
    start-stop-daemon -S -c keymime:keymime -x /usr/bin/keymime-agent -- "$@" > /tmp/agent.log 2>&1 &
    AGENT=$!
    usleep 200000
    info "agent pid $AGENT runs as $(awk '/^Uid/{u=$2} /^Groups/{g=$0} END{print "uid " u ", " g}' /proc/$AGENT/status 2>/dev/null)"
}

# publish SUBTOPIC PAYLOAD; then wait_result N: the Nth result line is there
publish() { mosquitto_pub -q 1 -t "$T/$1" -m "$2"; }
results() { grep -c "^$T/result " "$MQ"; }
# await_result COUNT SECONDS: the result line number COUNT+1, printed
await_result() {
    wait_for "$2" more_results "$1" || return 1
    grep "^$T/result " "$MQ" | sed -n "$(($1 + 1))p"
}
result_ok() { echo "$1" | grep -Eq '"ok" *: *true'; }

# type_and_check NAME TOPIC PAYLOAD EXPECTED_DECODED
type_and_check() {
    n=$(lines "$KBD"); r=$(results); t=$(now_ms)
    publish "$2" "$3"
    res=$(await_result "$r" 30)
    check "$1-result" "$(( $(now_ms) - t )) ms: $res" result_ok "$res"
    wait_for 3 decoded_is "$n" "$4"     # the host's input may lag the result a little
    got=$(decoded "$n")
    check "$1-evdev" "host decoded '$got', want '$4'" test "$got" = "$4"
    if since "$KBD" "$n" | grep -q '^D'; then info "evdev dropped events (SYN_DROPPED) during $1"; fi
}

phase_agent() {
    check gadget-down "keymime-gadget down" keymime-gadget down
    check gadget-down-idempotent "second down is a no-op" keymime-gadget down
    check gadget-absent "status says absent (exit 3)" sh -c 'keymime-gadget status >/dev/null; test $? = 3'
    s=$(sessions "$KBD")
    check gadget-up-again "keymime-gadget up after down" keymime-gadget up
    wait_for 20 more_sessions "$KBD" "$s" || { fail re-enumerated "no new keyboard session"; return 1; }
    wait_for 5 more_sessions "$CC" 1

    printf 'listener 1883 127.0.0.1\nallow_anonymous true\nuser root\n' > /tmp/mosquitto.conf
    mosquitto -c /tmp/mosquitto.conf > /tmp/mosquitto.log 2>&1 &
    wait_for 10 sh -c 'mosquitto_pub -t probe -m x 2>/dev/null' || { fail broker "mosquitto did not start"; return 1; }
    mosquitto_sub -v -t 'keymime/#' > "$MQ" 2>/dev/null &
    usleep 300000

    start_agent
    if wait_for 20 grep -q "^$T/availability online" "$MQ"; then pass agent-online "availability online"
    else fail agent-online "no 'online' on $T/availability"; return 1; fi
    wait_for 5 grep -q "^$T/status " "$MQ"
    info "first status: $(grep "^$T/status " "$MQ" | head -1 | cut -d' ' -f2-)"
    check status-leds-off "status shows caps_lock false after enumeration" jhas "$MQ" status caps_lock false

    type_and_check type-text type 'Hello, World! 123' 'Hello, World! 123'
    check type-screen "tty1 shows the text" wait_for 3 sh -c 'tr -s " " < /dev/vcs1 | grep -qF "Hello, World! 123"' ||
        info "screen: $(screen)"
    type_and_check keys-chords keys 'shift+a ctrl+c' 'A<C-c>'
    check keys-screen "tty1 shows A^C" wait_for 3 sh -c 'tr -s " " < /dev/vcs1 | grep -qF "A^C"' ||
        info "screen: $(screen)"

    n=$(lines "$CC"); r=$(results)
    publish keys AudioVolumeUp
    res=$(await_result "$r" 15)
    check media-result "$res" result_ok "$res"
    wait_for 3 seen_key "$CC" "$n" 115 0
    check media-evdev "consumer evdev: $(since "$CC" "$n" | awk '$1=="K"{printf "%s:%s ", $3, $4}')" \
        test "$(since "$CC" "$n" | awk '$1=="K"{printf "%s:%s ", $3, $4}')" = "115:1 115:0 "

    phase_caps
    phase_hold
    phase_unbind
    phase_host_asleep
    phase_replug
    phase_bench
    phase_stop
}

phase_caps() {
    n=$(lines "$KBD"); m=$(grep -c "^$T/status " "$MQ")
    publish keys CapsLock
    check caps-led-host "host set the Caps Lock LED" wait_for 10 sh -c "tail -n +$((n + 1)) $KBD | grep -q '^L .* 1 1\$'"
    check caps-status-on "status caps_lock true" wait_for 10 sh -c \
        "grep '^$T/status ' $MQ | tail -n +$((m + 1)) | grep -Eq '\"caps_lock\" *: *true'"
    m=$(grep -c "^$T/status " "$MQ")
    publish keys CapsLock
    check caps-status-off "status caps_lock false again" wait_for 10 sh -c \
        "grep '^$T/status ' $MQ | tail -n +$((m + 1)) | grep -Eq '\"caps_lock\" *: *false'"
}

# Held keys ({"down"}) are released by release_all and by the hold timeout
# (5 s by default): the host must see the release.
phase_hold() {
    n=$(lines "$KBD")
    publish cmd '{"id":"h1","down":"ShiftLeft"}'
    check hold-down "host sees ShiftLeft held" wait_for 5 seen_key "$KBD" "$n" 42 1
    publish cmd '{"id":"h2","release_all":true}'
    check hold-release-all "release_all: host sees ShiftLeft released" wait_for 5 seen_key "$KBD" "$n" 42 0
    n=$(lines "$KBD")
    publish cmd '{"id":"h3","down":"ControlLeft"}'
    wait_for 5 seen_key "$KBD" "$n" 29 1; t=$(now_ms)
    check hold-timeout "hold timeout: host sees ControlLeft released" wait_for 12 seen_key "$KBD" "$n" 29 0
    info "ControlLeft released by the hold timeout after $(( $(now_ms) - t )) ms"
}

phase_unbind() {
    udc=$(cat $G/UDC)
    long=""; i=0
    while [ $i -lt 12 ]; do long="${long}the quick brown fox jumps "; i=$((i + 1)); done
    n=$(lines "$KBD"); r=$(results); m=$(grep -c "^$T/status " "$MQ")
    publish cmd "{\"id\":\"long\",\"text\":\"$long\"}"
    if ! wait_for 15 keys_since "$KBD" "$n" 20; then
        fail unbind-typing-started "the long text did not start typing"; return 1
    fi
    t=$(now_ms)
    echo "" > $G/UDC
    info "UDC unbound after $(since "$KBD" "$n" | grep -c '^K .* 1$') key-downs"
    res=$(await_result "$r" 15)
    dt=$(( $(now_ms) - t ))
    check unbind-error-result "result for the interrupted command in $dt ms: $res" \
        sh -c "echo '$res' | grep -q '\"long\"' && echo '$res' | grep -Eq '\"ok\" *: *false'"
    check unbind-status-disconnected "status host disconnected" wait_for 15 sh -c \
        "grep '^$T/status ' $MQ | tail -n +$((m + 1)) | grep -Eq '\"host\" *: *\"disconnected\"'"
    check unbind-agent-alive "agent process still running" kill -0 "$AGENT"

    r=$(results); t=$(now_ms)
    publish type 'x'
    res=$(await_result "$r" 15)
    info "command while unbound answered in $(( $(now_ms) - t )) ms: ${res:-nothing}"

    s=$(sessions "$KBD"); n=$(lines "$KBD"); m=$(grep -c "^$T/status " "$MQ")
    echo "$udc" > $G/UDC
    check rebind-enumerated "new keyboard session after rebind" wait_for 15 more_sessions "$KBD" "$s"
    usleep 500000
    info "after rebind: $(stat -c '%n %U:%G %a' /dev/hidg0 /dev/hidg1 | tr '\n' ' '); agent fds: $(ls -l /proc/$AGENT/fd 2>/dev/null | grep -o 'hidg[0-9]' | tr '\n' ' ')"
    check rebind-status-connected "status host connected without a new command" wait_for 10 sh -c \
        "grep '^$T/status ' $MQ | tail -n +$((m + 1)) | grep -Eq '\"host\" *: *\"connected\"'"
    usleep 1500000
    stale=$(since "$KBD" "$n" | awk '$1=="K" && $4==1' | wc -l)
    check rebind-no-stale-keys "no key pressed in the new session before a new command ($stale)" test "$stale" = 0
    type_and_check rebind-type type 'ok' 'ok'
}

agent_diag() {
    info "$1: $(stat -c '%n %U:%G %a' /dev/hidg0 /dev/hidg1 2>&1 | tr '\n' ' '); agent fds: $(ls -l /proc/$AGENT/fd 2>/dev/null | grep -o 'hidg[0-9].*' | tr '\n' ' '); sessions $(sessions "$KBD"); last status host: $(grep "^$T/status " "$MQ" | tail -1 | grep -o '"host":"[a-z]*"')"
}

# The host stops reading without any unplug (asleep, a KVM switch looking
# elsewhere): the host's usbhid driver lets go of the keyboard interface, so
# nothing polls the interrupt endpoint any more; then it takes it back.
phase_host_asleep() {
    drv=/sys/bus/usb/drivers/usbhid
    intf=$(ls -d $drv/*:1.0 2>/dev/null | head -n 1); intf=${intf##*/}
    if [ -z "$intf" ]; then info "no usbhid keyboard interface: host-asleep not tested"; return; fi
    m=$(status_count); r=$(results); s=$(sessions "$KBD")
    echo "$intf" > $drv/unbind
    t=$(now_ms); publish type 'zz'; res=$(await_result "$r" 15); dt=$(( $(now_ms) - t ))
    check asleep-error-result "host not reading: result in $dt ms: $res" \
        sh -c "echo '$res' | grep -Eq '\"ok\" *: *false' && [ $dt -le 5000 ]"
    check asleep-status "status host disconnected" wait_for 10 status_since "$m" '"host" *: *"disconnected"'
    check asleep-agent-alive "agent still running" kill -0 "$AGENT"
    m=$(status_count); n=$(lines "$KBD")
    echo "$intf" > $drv/bind
    check asleep-woke "the host reads the keyboard again" wait_for 15 more_sessions "$KBD" "$s"
    check asleep-status-back "status host connected again without a command" \
        wait_for 10 status_since "$m" '"host" *: *"connected"'
    usleep 1500000
    stale=$(decoded "$n")
    check asleep-no-stale "nothing of the refused command typed after the host woke: '$stale'" test -z "$stale"
    type_and_check asleep-type type 'aw' 'aw'
}

# agent_has_fd NAME: the agent has /dev/NAME open (and the node is not deleted)
agent_has_fd() { ls -l /proc/$AGENT/fd 2>/dev/null | grep -q "/dev/$1\$"; }

# status_since M PATTERN: a status message after the Mth one matches PATTERN
status_since() { grep "^$T/status " "$MQ" | tail -n +$(($1 + 1)) | grep -Eq "$2"; }
status_count() { grep -c "^$T/status " "$MQ"; }

# The other ways a host goes away: soft disconnect (closest to pulling the
# cable: the nodes stay) and `keymime-gadget restart` by hand (the functions and
# their /dev nodes are destroyed and made anew; under systemd,
# `systemctl restart keymime-gadget` restarts the agent too, BindsTo=).
phase_replug() {
    udc=$(cat $G/UDC)
    sc=/sys/class/udc/$udc/soft_connect
    if [ -w "$sc" ]; then
        m=$(status_count)
        echo disconnect > "$sc"
        r=$(results); publish type 'y'; res=$(await_result "$r" 15)
        check softdisc-fails-fast "typing while soft-disconnected fails: $res" \
            sh -c "echo '$res' | grep -Eq '\"ok\" *: *false'"
        check softdisc-status "status host disconnected" wait_for 10 status_since "$m" '"host" *: *"disconnected"'
        # Reconnect with a gadget restart: dummy_hcd on Debian's 6.1 never
        # re-enumerates after soft_connect disconnect/connect (the host gets -71,
        # "device not accepting address"), a limit of the emulation.
        # The nodes stay while soft-disconnected: give the agent time to reopen
        # them (as it would during a long unplug) before they are re-created.
        wait_for 5 agent_has_fd hidg0 || info "agent holds no open /dev/hidg0 while soft-disconnected"
        m=$(status_count); s=$(sessions "$KBD")
        check softdisc-restart "keymime-gadget restart while soft-disconnected" keymime-gadget restart
        wait_for 15 more_sessions "$KBD" "$s" || info "no new keyboard session after the restart"
        usleep 1000000
        agent_diag "restart after soft disconnect"
        check softdisc-restart-status "status host connected again" wait_for 10 status_since "$m" '"host" *: *"connected"'
        type_and_check softdisc-restart-type type 'sc' 'sc'
    else
        info "no $sc: soft disconnect not tested"
    fi
    # A restart while the agent thinks the host is there: the first command after
    # it must be typed, not lost on the old nodes.
    s=$(sessions "$KBD")
    check restart-gadget "keymime-gadget restart under a running agent" keymime-gadget restart
    wait_for 15 more_sessions "$KBD" "$s" || info "no new keyboard session after the restart"
    usleep 1000000
    agent_diag "after gadget restart"
    type_and_check restart-type type 'rs' 'rs'
    check restart-status "status host connected" wait_for 10 sh -c \
        "grep '^$T/status ' $MQ | tail -n 1 | grep -Eq '\"host\" *: *\"connected\"'"
}

# Throughput on the real kernel: BENCH_CHARS letters and digits typed by the
# agent (one JSON command), then the same report stream (press with modifiers,
# all-zero release) written to /dev/hidg0 by hidbench, one report per blocking
# write(). Each is timed from just before it starts to the evdev timestamp of the
# last of its 2N key events (CLOCK_REALTIME, as hidbench's clock): the rate the
# emulated host's polling of the interrupt endpoint lets through. No timing is
# asserted; the check is that every key event arrived and decodes to the text.
BENCH_CHARS=2000
# bench_keys FROM: key down/up events of non-modifier keys after line FROM
bench_keys() { since "$KBD" "$1" | awk '$1=="K" && $3!=42 && $3!=54 && $4!=2' | wc -l; }
# bench_wait FROM SECONDS: until all 2N key events are in, polled slowly (the
# timing comes from the event timestamps, not from this loop)
bench_wait() {
    local end=$(( $(now_ms) + $2 * 1000 ))
    while [ "$(bench_keys "$1")" -lt $((2 * BENCH_CHARS)) ]; do
        [ "$(now_ms)" -ge "$end" ] && return 1; usleep 300000
    done
}
# bench_line NAME FROM START EXTRA TRY: the KEYMIME-BENCH line and the check.
# Returns 2 (no check) on a first try that lost events in the evdev reader
# (SYN_DROPPED: the logger was starved, the USB path lost nothing): measure again.
bench_line() {
    local name=$1 from=$2 start=$3 extra=$4 try=$5 end got keys drops
    keys=$(bench_keys "$from")
    end=$(since "$KBD" "$from" | awk '$1=="K" && $3!=42 && $3!=54 && $4!=2 {t=$2} END {print t}')
    got=$(decoded "$from")
    drops=$(since "$KBD" "$from" | grep -c '^D')
    if [ "$keys" = $((2 * BENCH_CHARS)) ] && [ "$got" = "$BENCH_TEXT" ] && [ -n "$end" ]; then
        set -- $(awk -v s="$start" -v e="$end" -v n="$BENCH_CHARS" 'BEGIN {
            ms = (e - s) * 1000; if (ms < 1) ms = 1
            printf "%.0f %.0f %.0f", ms, n * 1000 / ms, 2 * n * 1000 / ms }')
        echo "KEYMIME-BENCH: qemu-$name chars=$BENCH_CHARS ms=$1 chars_per_s=$2 reports_per_s=$3 $extra"
        pass "bench-$name" "$BENCH_CHARS chars, $keys key events in $1 ms ($2 chars/s)"
        return 0
    fi
    detail="$keys of $((2 * BENCH_CHARS)) key events, $drops SYN_DROPPED, decoded ${#got} chars$( [ "$got" = "$BENCH_TEXT" ] || echo ', text differs'); $extra"
    if [ "$drops" -gt 0 ] && [ "$try" = 1 ]; then
        info "bench-$name: $detail: the evdev reader fell behind, measuring again"
        return 2
    fi
    fail "bench-$name" "$detail"
}

bench_agent() {
    n=$(lines "$KBD"); r=$(results); start=$(hidbench now)
    publish cmd "{\"id\":\"bench$1\",\"text\":\"$BENCH_TEXT\"}"
    res=$(await_result "$r" 60)
    bench_wait "$n" 10
    ams=$(echo "$res" | sed -n 's/.*"ms" *: *\([0-9]*\).*/\1/p')
    achars=$(echo "$res" | sed -n 's/.*"chars" *: *\([0-9]*\).*/\1/p')
    if result_ok "$res" && [ "$achars" = "$BENCH_CHARS" ]; then
        bench_line agent "$n" "$start" "agent_ms=$ams $BENCH_USB" "$1"
    else
        fail bench-agent "result: ${res:-none}"
    fi
}

bench_raw() {
    n=$(lines "$KBD")
    out=$(taskset 1 hidbench replay /dev/hidg0 "$BENCH_TEXT" 2>&1); rc=$?
    start=$(echo "$out" | sed -n 's/.*start=\([0-9.]*\).*/\1/p')
    wms=$(echo "$out" | sed -n 's/.*write_ms=\([0-9]*\).*/\1/p')
    bench_wait "$n" 10
    if [ "$rc" = 0 ] && [ -n "$start" ]; then
        bench_line raw "$n" "$start" "write_ms=$wms $BENCH_USB" "$1"
    else
        fail bench-raw "hidbench replay rc=$rc: $out"
    fi
}

phase_bench() {
    BENCH_TEXT=$(hidbench text $BENCH_CHARS)
    # What the host was told: bus speed and the keyboard IN endpoint's polling
    # interval (dummy_hcd need not keep to it; the measured rate says what it did).
    intf=$(ls -d /sys/bus/usb/drivers/usbhid/*:1.0 2>/dev/null | head -n 1); intf=${intf##*/}
    ep=$(ls -d /sys/bus/usb/devices/$intf/ep_8* 2>/dev/null | head -n 1)
    BENCH_USB="speed=$(cat /sys/bus/usb/devices/${intf%:*}/speed 2>/dev/null)M bInterval=$(cat $ep/bInterval 2>/dev/null) interval=$(cat $ep/interval 2>/dev/null | tr -d ' ')"
    info "bench: keyboard $intf ${ep##*/}: $BENCH_USB"
    # No echo and no line editing on tty1 while 4,000 characters arrive: the
    # console stays clean, the 4 KiB canonical line buffer never fills, and the
    # guest spends no CPU drawing them (cat /dev/tty1 takes them).
    stty -F /dev/tty1 -echo -icanon
    # The report writers on CPU 0 with the evdev logger (see evlog.c): the
    # logger, at a real-time priority, reads each report's events before the
    # writer can send the next one, so a loaded host cannot make it lose any.
    taskset -a -p 1 "$AGENT" >/dev/null
    usleep 200000
    bench_agent 1 || { [ $? = 2 ] && usleep 500000 && bench_agent 2; }
    usleep 500000
    bench_raw 1 || { [ $? = 2 ] && usleep 500000 && bench_raw 2; }
    taskset -a -p 3 "$AGENT" >/dev/null
    stty -F /dev/tty1 echo icanon
}

phase_stop() {
    # No key left down: per evdev session, each key's last event must not be a press.
    for f in "$KBD" "$CC"; do
        down=$(awk '$1=="S"{delete v} $1=="K"{v[$3]=$4} END{for (k in v) if (v[k] != 0) printf "%s ", k}' "$f")
        check "no-key-down-$(basename "$f" .log)" "keys down at the end: '${down}'" test -z "$down"
    done
    kill "$AGENT"
    check agent-clean-stop "agent exits within 5 s of SIGTERM" wait_for 5 sh -c "! kill -0 $AGENT 2>/dev/null"
    check agent-offline "availability offline after stop" wait_for 5 sh -c "tail -n 5 $MQ | grep -q '^$T/availability offline'"
}

# ---------------------------------------------------------------- phase 3
# NO_OUT_ENDPOINT=1 (BIOS/Mac quirk): LED reports come by SET_REPORT on ep0 and
# must still be readable on /dev/hidg0.
phase_no_out_ep() {
    if [ ! -e "$G/functions/hid.usb0/report_desc" ] && ! keymime-gadget up >/dev/null 2>&1; then return; fi
    udc=$(ls /sys/class/udc | head -n 1)
    keymime-gadget down >/dev/null 2>&1
    check gadget-bad-udc "UDC=nope: up fails" sh -c '! UDC=nope keymime-gadget up 2>/dev/null'
    check gadget-bad-udc-clean "... and leaves no gadget behind" test ! -e "$G"
    check gadget-bad-function "FUNCTIONS=keyboard mouse: up fails, nothing left" \
        sh -c "! FUNCTIONS='keyboard mouse' keymime-gadget up 2>/dev/null && test ! -e $G"
    if [ -x /usr/bin/dash ]; then
        s=$(sessions "$KBD")
        check gadget-dash-up "up under dash (Raspberry Pi OS's /bin/sh)" dash /usr/sbin/keymime-gadget up
        check gadget-dash-enumerated "... enumerates" wait_for 15 more_sessions "$KBD" "$s"
        check gadget-dash-status "status under dash" dash /usr/sbin/keymime-gadget status
        check gadget-dash-down "down under dash" sh -c "dash /usr/sbin/keymime-gadget down && test ! -e $G"
    fi
    s=$(sessions "$KBD")
    check noout-up "NO_OUT_ENDPOINT=1 UDC=$udc keymime-gadget up" env NO_OUT_ENDPOINT=1 UDC="$udc" keymime-gadget up
    check noout-attr "no_out_endpoint is 1" test "$(cat $G/functions/hid.usb0/no_out_endpoint 2>/dev/null)" = 1
    check noout-enumerated "keyboard enumerates without an OUT endpoint" wait_for 15 more_sessions "$KBD" "$s"
    led=$(timeout 5 dd if=/dev/hidg0 bs=8 count=1 2>/dev/null | hexof)
    check noout-led-enumeration "LED report by SET_REPORT after enumeration: '$led'" test -n "$led"
    report '\000\000\071\000\000\000\000\000'; report '\000\000\000\000\000\000\000\000'   # Caps Lock
    led=$(timeout 5 dd if=/dev/hidg0 bs=8 count=1 2>/dev/null | hexof)
    check noout-led-caps "Caps Lock LED report by SET_REPORT: '$led'" test "$led" = 02
    report '\000\000\071\000\000\000\000\000'; report '\000\000\000\000\000\000\000\000'
    led=$(timeout 5 dd if=/dev/hidg0 bs=8 count=1 2>/dev/null | hexof)
    check noout-led-caps-off "Caps Lock off again: '$led'" test "$led" = 00
    keymime-gadget down >/dev/null 2>&1
}

dump() {
    for f in /tmp/agent.log "$MQ"; do
        [ -s "$f" ] || continue
        tail -n 60 "$f" | sed "s|^|KEYMIME-TEST: INFO $(basename "$f"): |"
    done
}

start_loggers
if phase_raw; then
    if [ -x /usr/bin/keymime-agent ]; then
        phase_agent
    else
        info "no keymime-agent in the initramfs: phase 2 skipped"
    fi
    phase_no_out_ep
fi
[ "$NFAIL" = 0 ] || dump
[ "$NFAIL" = 0 ] || { info "kernel log:"; dmesg | tail -n 30 | sed 's/^/KEYMIME-TEST: INFO dmesg: /'; }
info "uptime $(cut -d' ' -f1 /proc/uptime) s"
say "DONE pass=$NPASS fail=$NFAIL"
