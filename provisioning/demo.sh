#!/bin/bash
# SPDX-License-Identifier: MIT
# demo.sh: keymime on this one machine, with no Pi — installs what is missing,
# builds, starts a local mosquitto with our broker configuration (password
# auth, per-device ACL, the dashboard served on the WebSockets port) and one
# agent per simulated computer — a Linux PC, a Windows PC and a Mac: each
# agent types into a FIFO that keymime-simhost decodes as that computer
# (its system and layout). Prints the dashboard's
# URL and a login, then shows what each simulated computer sees and every
# command's result until Ctrl+C.
#   provisioning/demo.sh            run (ports 1883/9001, or free ones if taken)
#   provisioning/demo.sh --check    start, run every suggested command, check
#                                   what each showed, stop (for tests)
#   --bind ADDR                     listen on ADDR (default 127.0.0.1: this
#                                   machine only; 0.0.0.0 for a phone on the LAN)
#   --no-deps                       skip installing packages
# Run it as yourself; it calls sudo only to install missing packages. Under
# sudo it installs them, then runs everything else as the user who called
# sudo. As root the broker still runs unprivileged: as user mosquitto, with
# its files in a directory of its own under /tmp (see run_as_root below).
set -euo pipefail
# mosquitto lives in /usr/sbin, which is not on a Debian user's PATH.
export PATH=$PATH:/usr/sbin:/sbin
root=$(cd "$(dirname "$0")/.." && pwd)
check=0 deps=1 bind=127.0.0.1
args=("$@")
while (($#)); do
	case $1 in
	--check) check=1 ;;
	--no-deps) deps=0 ;;
	--bind) bind=${2:?--bind needs an address}; shift ;;
	-h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "demo.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done

# The simulated computers, one line each: device id, the agent's target
# (the computer's system) and layout, its group, then keymime-simhost's
# options for that computer.
DEVICES=(
	"pi1 linux us lab --target linux --layout us"
	"pi2 windows de lab --target windows --layout de"
	"pi3 macos fr office --target macos --layout fr"
)
# What the demo suggests trying, each as SHOWS|COMMAND. --check runs every
# COMMAND and waits until it shows what SHOWS says: WHERE:TEXT, joined by
# " && ", where WHERE is a device (its simulated screen), "result" (the
# results the demo shows) or "out" (the command's own output).
SUGGEST=(
	"pi1:hello|mosquitto_pub -t keymime/pi1/type -m 'hello'"
	"pi2:A[Ctrl+KeyC]|mosquitto_pub -t keymime/pi2/keys -m 'shift+a ctrl+c'"
	"pi3:ça marche, à bientôt|mosquitto_pub -t keymime/pi3/type -m 'ça marche, à bientôt'"
	"pi2:Grüße && result:\"error\":\"untypable\"|mosquitto_pub -t keymime/group/lab/type -m 'Grüße'   # pi1 (us) answers untypable"
	"pi1:Hello, all && pi2:Hello, all && pi3:Hello, all|mosquitto_pub -t keymime/group/all/cmd -m '{\"id\":\"1\",\"text\":\"Hello, all\\n\"}'"
	"pi1:me@example.com && pi2:me@example.com && pi3:me@example.com|mosquitto_pub -t keymime/group/all/type -m 'me@example.com'   # @: Shift+2, AltGr+Q (Windows), a key of its own (Mac)"
	"out:\"device_id\":\"pi1\"|mosquitto_sub -t keymime/pi1/status -C 1"
)

build=${KEYMIME_DEMO_BUILD:-$root/build-demo}
run=$build/run
log() { printf 'demo: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

((deps)) && "$root/provisioning/install-deps.sh"

# Under sudo: the packages were the only thing that needed root. The rest runs
# as the user who called sudo (their clone, their build files, no root
# process), unless that user cannot write the clone (sudo -i into /root).
if ((EUID == 0)) && [[ -n ${SUDO_USER:-} && $SUDO_USER != root ]] &&
	runuser -u "$SUDO_USER" -- test -w "$root" -a -x "$root" 2>/dev/null; then
	home=$(getent passwd "$SUDO_USER" | cut -d: -f6)
	log "running the demo as $SUDO_USER (sudo was needed for packages only)"
	exec runuser -u "$SUDO_USER" -- env HOME="$home" USER="$SUDO_USER" LOGNAME="$SUDO_USER" \
		SUDO_USER= "$0" "${args[@]}" --no-deps
fi

log "building (CMake, $build)"
cmake -S "$root" -B "$build" -DKEYMIME_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
agent=$build/agent/keymime-agent
simhost=$build/agent/tools/simhost/keymime-simhost
if [[ ! -f $root/web-client/dist/index.html ]]; then
	log "building the dashboard (npm)"
	(cd "$root/web-client" && npm ci --no-audit --no-fund && npm run --silent build)
fi

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=1883 ws=9001
if ((check)) || ! port_free $port; then port=$(free_port); fi
if ((check)) || ! port_free $ws; then ws=$(free_port); fi

pids=() names=() logs=() broker_tmp=""
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[[ -z $broker_tmp ]] || rm -rf "$broker_tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# spawn NAME LOG CMD...: start CMD in the background, remember it for the
# checks below (a component that dies is reported with its log).
spawn() {
	local name=$1 out=$2; shift 2
	"$@" >"$out" 2>&1 &
	pids+=($!) names+=("$name") logs+=("$out")
}
# failed NAME LOG WHY: say what did not come up, show its log, exit 1.
failed() {
	log "FAILED: $1 $3. Its log ($2):"
	sed 's/^/    /' "$2" >&2 || true
	exit 1
}
# all_alive: every component still runs; else report the first dead one.
all_alive() {
	local i
	for i in "${!pids[@]}"; do
		kill -0 "${pids[i]}" 2>/dev/null || failed "${names[i]}" "${logs[i]}" "exited"
	done
}

rm -rf "$run"
mkdir -p "$run"
chmod 755 "$build" "$run"
http_dir=$root/web-client/dist
broker=$run/broker
plugin=$build/broker-config/plugin/keymime_guard.so   # the broker's keymime_guard plugin
# run_as_root: mosquitto started as root drops to user mosquitto (the config's
# `user`), and only then writes its pid file and re-reads passwd and ACL. A
# clone under /root (0700) or any 0700 home is out of that user's reach, so as
# root the broker's files, the dashboard included, go to a directory of its
# own. Not `user root`: the broker is the one process that listens on the
# network, so it must not keep root's rights.
if ((EUID == 0)); then
	id mosquitto >/dev/null 2>&1 || die "no user mosquitto (install the mosquitto package)"
	broker_tmp=$(mktemp -d /tmp/keymime-demo-broker.XXXXXX)
	broker=$broker_tmp/broker
	mkdir -p "$broker_tmp/web"
	cp -r "$http_dir/." "$broker_tmp/web/"
	chmod -R a+rX "$broker_tmp/web"
	install -m 644 "$plugin" "$broker_tmp/keymime_guard.so"   # (loaded after the drop too)
	plugin=$broker_tmp/keymime_guard.so
	chmod 711 "$broker_tmp"
	http_dir=$broker_tmp/web
	log "as root: the broker runs as user mosquitto, its files in $broker_tmp"
fi
kb() { "$root/provisioning/broker/keymime-broker" --dir "$broker" --no-reload "$@"; }
kb init "$broker" --port "$port" --ws-port "$ws" --bind "$bind" --http-dir "$http_dir" \
	--plugin "$plugin" >"$run/keymime-broker.log" 2>&1 || failed keymime-broker "$run/keymime-broker.log" "init failed"
for d in "${DEVICES[@]}"; do
	read -r id _ _ group _ <<<"$d"
	kb add-device "$id" --groups "$group" --broker "tcp://127.0.0.1:$port" \
		--agent-dir "$broker/keymime/devices/$id" >>"$run/keymime-broker.log" 2>&1 ||
		failed keymime-broker "$run/keymime-broker.log" "add-device $id failed"
done
kb add-operator demo --password-file "$run/demo.password" >>"$run/keymime-broker.log" 2>&1 ||
	failed keymime-broker "$run/keymime-broker.log" "add-operator failed"
spawn mosquitto "$run/mosquitto.log" mosquitto -c "$broker/mosquitto.conf"
for _ in $(seq 100); do
	all_alive
	port_free "$port" || break
	sleep 0.1
done
port_free "$port" && failed mosquitto "$run/mosquitto.log" "does not listen on port $port after 10 s"

for d in "${DEVICES[@]}"; do
	read -r id target layout group sim <<<"$d"
	dir=$run/$id
	mkdir -p "$dir"
	mkfifo "$dir/hidg0" "$dir/hidg1" "$dir/leds"
	# shellcheck disable=SC2086 # sim: simhost's options, split on purpose
	"$simhost" --follow --show-keys $sim --consumer "$dir/hidg1" --leds "$dir/leds" \
		"$dir/hidg0" >"$dir/screen.txt" 2>"$dir/simhost.log" &
	pids+=($!) names+=("$id's simulated computer (keymime-simhost)") logs+=("$dir/simhost.log")
	spawn "$id's agent" "$dir/agent.log" "$agent" --config "$broker/keymime/devices/$id/agent.conf" \
		--target "$target" --layout "$layout" --hid-keyboard "$dir/hidg0" --hid-consumer "$dir/hidg1" \
		--hid-keyboard-leds "$dir/leds" --ha-discovery off
done

# Credentials for the mosquitto clients, in their own options file: no
# password on any command line.
mkdir -p "$run/xdg"
pw=$(cat "$run/demo.password")
for c in mosquitto_pub mosquitto_sub mosquitto_rr; do
	printf -- '-h 127.0.0.1\n-p %s\n-u demo\n-P %s\n' "$port" "$pw" >"$run/xdg/$c"
done
chmod 600 "$run"/xdg/*
export XDG_CONFIG_HOME=$run/xdg
for d in "${DEVICES[@]}"; do
	read -r id _ <<<"$d"
	online=0
	for _ in $(seq 60); do
		all_alive
		[[ $(mosquitto_sub -t "keymime/$id/availability" -C 1 -W 1 2>/dev/null) == online ]] && { online=1; break; }
		sleep 0.5
	done
	((online)) || failed "$id's agent" "$run/$id/agent.log" "is not online after 30 s"
done
# Every command's result, shown beside the screens (a refused command types
# nothing: its result says why).
spawn "the result display (mosquitto_sub)" "$run/results.txt" mosquitto_sub -v -t 'keymime/+/result'
sleep 0.3

# shows WHERE:TEXT: WHERE shows TEXT by now.
shows() {
	local where=${1%%:*} want=${1#*:} f
	case $where in
	result) f=$run/results.txt ;;
	out) f=$run/out.txt ;;
	*) f=$run/$where/screen.txt ;;
	esac
	grep -qF -- "$want" "$f"
}
if ((check)); then
	status=0
	for s in "${SUGGEST[@]}"; do
		want=${s%%|*} cmd=${s#*|}
		bash -c "$cmd" >"$run/out.txt" 2>&1 || true
		while [[ -n $want ]]; do
			w=${want%% && *}
			[[ $want == *" && "* ]] && want=${want#* && } || want=""
			for _ in $(seq 100); do shows "$w" && break; sleep 0.2; done
			if shows "$w"; then echo "ok: $cmd -> ${w%%:*} shows ${w#*:}"
			else echo "FAIL: $cmd -> ${w%%:*} does not show ${w#*:}"; status=1; fi
		done
	done
	! grep -q 'Grüße' "$run/pi3/screen.txt" || { echo "FAIL: pi3 (group office) typed the lab's line"; status=1; }
	for d in "${DEVICES[@]}"; do read -r id _ <<<"$d"; printf '%s saw: %s\n' "$id" "$(tr '\n' '|' <"$run/$id/screen.txt")"; done
	sed 's/^/result: /' "$run/results.txt"
	page=$(python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$ws/').status)" 2>/dev/null || echo none)
	echo "dashboard HTTP status: $page"
	[[ $page == 200 ]] || status=1
	all_alive
	((status == 0)) && { echo "demo check: PASS"; exit 0; }
	echo "demo check: FAIL"; exit 1
fi

where="on 127.0.0.1 only (this machine)"
[[ $bind == 127.0.0.1 ]] || where="on $bind (password-protected, not encrypted)"
devs="" sep=""
for d in "${DEVICES[@]}"; do
	read -r id target layout group _ <<<"$d"
	devs+="$sep$id: a $target computer, layout $layout, group $group" sep=$'\n              '
done
cat <<MSG

  keymime demo is running: MQTT on port $port, WebSockets and the dashboard
  on port $ws, $where.

  Dashboard:  http://localhost:$ws/
              user: demo   password: $pw   (also in $run/demo.password)

  Devices:    $devs
              each types into a simulated computer shown below.

  Try, in another terminal (credentials come from the options file, not argv):
    export XDG_CONFIG_HOME=$run/xdg
$(for s in "${SUGGEST[@]}"; do echo "    ${s#*|}"; done)

  What each computer typed and every command's result appear below.
  Ctrl+C stops everything.

MSG
screens=()
for d in "${DEVICES[@]}"; do read -r id _ <<<"$d"; screens+=("$id/screen.txt"); done
cd "$run"
tail -n +1 -F "${screens[@]}" results.txt 2>/dev/null &
pids+=($!) names+=("the display (tail)") logs+=(/dev/null)
while sleep 1; do all_alive; done
