#!/bin/bash
# SPDX-License-Identifier: MIT
# demo.sh: keymime on this one machine, with no Pi — installs what is missing,
# builds, starts a local mosquitto with our broker configuration (password
# auth, per-device ACL, the dashboard served on the WebSockets port) and three
# agents whose "USB hosts" are simulated: each types into a FIFO that
# keymime-simhost decodes with that computer's layout (pi1 us, pi2 de,
# pi3 fr). Prints the dashboard's URL and credentials, then shows what each
# simulated computer sees until Ctrl+C.
#   provisioning/demo.sh            run (ports 1883/9001, or free ones if taken)
#   provisioning/demo.sh --check    start, type one line through MQTT, verify
#                                   the simulated host saw it, stop (for tests)
#   --no-deps                       skip installing packages
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
check=0 deps=1
for a in "$@"; do
	case $a in
	--check) check=1 ;;
	--no-deps) deps=0 ;;
	-h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "demo.sh: unknown option $a" >&2; exit 2 ;;
	esac
done
build=${KEYMIME_DEMO_BUILD:-$root/build-demo}
run=$build/run
log() { printf 'demo: %s\n' "$*" >&2; }

((deps)) && "$root/provisioning/install-deps.sh"
log "building (CMake, $build)"
cmake -S "$root" -B "$build" -DKEYMIME_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
agent=$build/agent/keymime-agent
simhost=$build/agent/tools/simhost/keymime-simhost
if [[ ! -f $root/web-client/dist/index.html ]]; then
	log "building the dashboard (npm)"
	(cd "$root/web-client" && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build)
fi

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=1883 ws=9001
if ((check)) || ! port_free $port; then port=$(free_port); fi
if ((check)) || ! port_free $ws; then ws=$(free_port); fi

pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rm -rf "$run"
mkdir -p "$run"
chmod 755 "$build" "$run"
broker=$run/broker
kb() { "$root/provisioning/broker/keymime-broker" --dir "$broker" --no-reload "$@"; }
kb init "$broker" --port "$port" --ws-port "$ws" --http-dir "$root/web-client/dist" 2>/dev/null
devices=(pi1:us:lab pi2:de:lab pi3:fr:office)
for d in "${devices[@]}"; do
	IFS=: read -r id layout group <<<"$d"
	kb add-device "$id" --groups "$group" --broker "tcp://127.0.0.1:$port" --agent-dir "$broker/keymime/devices/$id" >/dev/null 2>&1
done
kb add-operator demo --password-file "$run/demo.password" >/dev/null 2>&1
mosquitto -c "$broker/mosquitto.conf" >"$run/mosquitto.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do port_free "$port" || break; sleep 0.1; done

for d in "${devices[@]}"; do
	IFS=: read -r id layout group <<<"$d"
	dir=$run/$id
	mkdir -p "$dir"
	mkfifo "$dir/hidg0" "$dir/hidg1" "$dir/leds"
	"$simhost" --follow --show-keys --layout "$layout" --consumer "$dir/hidg1" --leds "$dir/leds" \
		"$dir/hidg0" >"$dir/screen.txt" 2>"$dir/simhost.log" &
	pids+=($!)
	"$agent" --config "$broker/keymime/devices/$id/agent.conf" --layout "$layout" \
		--hid-keyboard "$dir/hidg0" --hid-consumer "$dir/hidg1" --hid-keyboard-leds "$dir/leds" \
		--ha-discovery off >"$dir/agent.log" 2>&1 &
	pids+=($!)
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
for d in "${devices[@]}"; do
	id=${d%%:*}
	for _ in $(seq 100); do
		[[ $(mosquitto_sub -t "keymime/$id/availability" -C 1 -W 1 2>/dev/null) == online ]] && break
		sleep 0.1
	done
done

if ((check)); then
	mosquitto_pub -q 1 -t keymime/pi1/type -m 'hello from keymime'
	mosquitto_pub -q 1 -t keymime/group/lab/type -m 'Grüße'
	for _ in $(seq 100); do
		grep -q 'hello from keymime' "$run/pi1/screen.txt" && grep -q 'Grüße' "$run/pi2/screen.txt" && break
		sleep 0.1
	done
	for id in pi1 pi2 pi3; do printf '%s saw: %s\n' "$id" "$(tr '\n' '|' <"$run/$id/screen.txt")"; done
	grep -q 'hello from keymime' "$run/pi1/screen.txt" && grep -q 'Grüße' "$run/pi2/screen.txt" &&
		! grep -q 'Grüße' "$run/pi3/screen.txt" && curl_ok=1 || curl_ok=0
	page=$(python3 -c "import urllib.request,sys; print(urllib.request.urlopen('http://127.0.0.1:$ws/').status)" 2>/dev/null || echo none)
	echo "dashboard HTTP status: $page"
	[[ $curl_ok == 1 && $page == 200 ]] && { echo "demo check: PASS"; exit 0; }
	echo "demo check: FAIL"; exit 1
fi

cat <<MSG

  keymime demo is running.

  Dashboard:  http://localhost:$ws/
              user: demo   password: $pw   (shown once; also in $run/demo.password)

  Devices:    pi1 (layout us, group lab)  pi2 (de, lab)  pi3 (fr, office)
              each types into a simulated computer shown below.

  Try, in another terminal (credentials come from the options file, not argv):
    export XDG_CONFIG_HOME=$run/xdg
    mosquitto_pub -t keymime/pi1/type -m 'hello'
    mosquitto_pub -t keymime/pi2/keys -m 'shift+a ctrl+c'
    mosquitto_pub -t keymime/group/all/cmd -m '{"id":"1","text":"à tous: ça marche\n"}'
    mosquitto_sub -t 'keymime/+/result' -v

  Ctrl+C stops everything.

MSG
tail -n +1 -F "$run/pi1/screen.txt" "$run/pi2/screen.txt" "$run/pi3/screen.txt" &
pids+=($!)
wait
