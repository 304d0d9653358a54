#!/usr/bin/env bash
# tests/registry/real_registry_e2e.sh HEARTH SHARED_DIR — pull and push end to end through
# `hearth serve`, against Debian's docker-registry (the CNCF distribution registry) on loopback:
#
#   1. server A: `hearth create` a fixture model, `hearth cp` it to the registry's name,
#      `hearth push --insecure`;
#   2. server B (empty store): `hearth pull --insecure`; the blob's SHA-256 is the fixture's; the
#      model generates;
#   3. server C (empty store): deploy/pull-models, the compose files' curl sidecar, POSTs
#      /api/pull; the model generates;
#   4. server D (empty store) pulls through a throttling proxy and is SIGKILLed when about half of
#      the weights went through; restarted on the same store (pruning on, as by default), the pull
#      resumes: less than 60% of the weights cross the proxy again, the blob verifies, the model
#      generates.
# Prints HEARTH-SKIPPED (ctest marks the test skipped) without docker-registry or the fixtures.
set -u
hearth=$(realpath "$1")
shared=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
skip() { echo "HEARTH-SKIPPED: $*"; exit 0; }
[ -x /usr/bin/docker-registry ] || skip "/usr/bin/docker-registry not installed (Debian package docker-registry)"
model_file=$shared/fixtures/models/llama-spm-tiny.f32.gguf  # the largest fixture: the longest layer
[ -f "$model_file" ] || skip "fixture $model_file absent"
model_size=$(stat -c %s "$model_file")
model_hex=$(sha256sum "$model_file" | cut -d' ' -f1)

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  if [ "$failed" != 0 ]; then
    for f in "$tmp"/*.log; do echo "----- $f"; tail -n 20 "$f"; done
  fi
  rm -rf "$tmp"
}
failed=0
trap cleanup EXIT
verdict() { if [ "$2" = 0 ]; then echo "ok: $1"; else echo "FAIL: $1"; failed=1; fi; }
expect() { local what=$1; shift; "$@"; verdict "$what" $?; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() {  # URL: up to 15 s
  for _ in $(seq 150); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}

# ---- the registry ----------------------------------------------------------------------------------
rport=$(free_port)
cat >"$tmp/registry.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $tmp/registry-data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$rport
EOF
/usr/bin/docker-registry serve "$tmp/registry.yml" >"$tmp/registry.log" 2>&1 &
pids+=("$!")
wait_http "http://127.0.0.1:$rport/v2/" || { echo "FAIL: docker-registry did not start"; failed=1; exit 1; }
echo "ok: docker-registry answers on 127.0.0.1:$rport"

# start_server NAME STORE: sets port and pid of a `hearth serve` on a free loopback port.
start_server() {
  port=$(free_port)
  mkdir -p "$2"
  OLLAMA_HOST=127.0.0.1:$port OLLAMA_MODELS=$2 "$hearth" serve >>"$tmp/$1.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  wait_http "http://127.0.0.1:$port/" || { echo "FAIL: hearth serve $1 did not start"; failed=1; exit 1; }
}
# generates PORT MODEL: a non-streamed generation answers 200 with done:true and some tokens.
generates() {
  curl -sS --max-time 120 "http://127.0.0.1:$1/api/generate" \
    -d "{\"model\":\"$2\",\"prompt\":\"Once upon a time\",\"stream\":false,\"options\":{\"num_predict\":8,\"seed\":1}}" |
    python3 -c 'import json, sys; r = json.load(sys.stdin); sys.exit(0 if r.get("done") and r.get("eval_count", 0) > 0 else 1)'
}
blob_verifies() {  # STORE: the weights blob is there under its digest and hashes to it
  local blob=$1/blobs/sha256-$model_hex
  [ -f "$blob" ] && [ "$(sha256sum "$blob" | cut -d' ' -f1)" = "$model_hex" ]
}

name=127.0.0.1:$rport/library/tiny:latest

# ---- 1. push --------------------------------------------------------------------------------------
start_server a "$tmp/store-a"
a_port=$port
OLLAMA_HOST=127.0.0.1:$a_port "$hearth" create tiny --from "$model_file" >"$tmp/create.log" 2>&1
expect "hearth create on server A" grep -q success "$tmp/create.log"
expect "hearth cp to the registry name" env OLLAMA_HOST=127.0.0.1:$a_port "$hearth" cp tiny "$name"
OLLAMA_HOST=127.0.0.1:$a_port "$hearth" push "$name" --insecure >"$tmp/push.log" 2>&1
verdict "hearth push --insecure to docker-registry" $?
expect "the registry holds the manifest" curl -fsS -o /dev/null \
  -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' "http://127.0.0.1:$rport/v2/library/tiny/manifests/latest"

# ---- 2. hearth pull --------------------------------------------------------------------------------
start_server b "$tmp/store-b"
b_port=$port
OLLAMA_HOST=127.0.0.1:$b_port "$hearth" pull "$name" --insecure >"$tmp/pull-b.log" 2>&1
verdict "hearth pull --insecure into an empty store" $?
expect "server B: the weights blob verifies" blob_verifies "$tmp/store-b"
expect "server B: /api/tags lists the pulled model" sh -c "curl -fsS http://127.0.0.1:$b_port/api/tags | grep -q 'library/tiny'"
expect "server B: the pulled model generates" generates "$b_port" "$name"

# ---- 3. the compose sidecar: curl POST /api/pull ---------------------------------------------------
start_server c "$tmp/store-c"
c_port=$port
HEARTH_URL=http://127.0.0.1:$c_port HEARTH_PULL_INSECURE=1 HEARTH_WAIT_SECONDS=10 \
  sh "$root/deploy/pull-models" "127.0.0.1:$rport/library/tiny" >"$tmp/pull-models.log" 2>&1
verdict "deploy/pull-models (POST /api/pull) pulls into an empty store" $?
expect "server C: the weights blob verifies" blob_verifies "$tmp/store-c"
expect "server C: the pulled model generates" generates "$c_port" "127.0.0.1:$rport/library/tiny"

# ---- 4. SIGKILL of the server half way, restart, resume -------------------------------------------
pport=$(free_port)
cat >"$tmp/proxy.py" <<'PY'
# proxy.py LISTEN_PORT TARGET_PORT BYTES_PER_S COUNT_FILE: a TCP relay to the registry that paces
# the registry → client direction and records the bytes sent that way in COUNT_FILE.
import os, socket, sys, threading, time
listen, target, rate, count_file = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
total, lock = 0, threading.Lock()
def record():
    tmp = count_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(total))
    os.replace(tmp, count_file)
def pump(src, dst, paced):
    global total
    try:
        while True:
            data = src.recv(16384)
            if not data:
                break
            if paced:
                time.sleep(len(data) / rate)
            dst.sendall(data)
            if paced:
                with lock:
                    total += len(data)
                    record()
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
server = socket.create_server(("127.0.0.1", listen))
record()
while True:
    client, _ = server.accept()
    upstream = socket.create_connection(("127.0.0.1", target))
    threading.Thread(target=pump, args=(client, upstream, False), daemon=True).start()
    threading.Thread(target=pump, args=(upstream, client, True), daemon=True).start()
PY
python3 "$tmp/proxy.py" "$pport" "$rport" 3000000 "$tmp/proxy.count" >"$tmp/proxy.log" 2>&1 &
pids+=("$!")
for _ in $(seq 50); do [ -f "$tmp/proxy.count" ] && break; sleep 0.1; done
proxied=127.0.0.1:$pport/library/tiny
count() { cat "$tmp/proxy.count"; }

start_server d "$tmp/store-d"
d_port=$port
d_pid=$pid
curl -sS --max-time 120 "http://127.0.0.1:$d_port/api/pull" -d "{\"model\":\"$proxied\",\"insecure\":true}" \
  >"$tmp/pull-d1.log" 2>&1 &
pull_pid=$!
half=$((model_size / 2))
for _ in $(seq 600); do [ "$(count)" -ge "$half" ] && break; sleep 0.05; done
kill -9 "$d_pid"
wait "$d_pid" 2>/dev/null
wait "$pull_pid" 2>/dev/null
sleep 0.3
first=$(count)
echo "info: $first of $model_size weight bytes went through before the SIGKILL"
expect "the server was killed between 50% and 100% of the weights" test "$first" -ge "$half" -a "$first" -lt "$model_size"
expect "no unverified file carries the final blob name" [ ! -e "$tmp/store-d/blobs/sha256-$model_hex" ]

start_server d "$tmp/store-d"
d_port=$port
OLLAMA_HOST=127.0.0.1:$d_port "$hearth" pull "$proxied" --insecure >"$tmp/pull-d2.log" 2>&1
verdict "after the restart the pull completes" $?
again=$(( $(count) - first ))
echo "info: $again weight bytes went through after the restart ($(( 100 * again / model_size ))% of the layer)"
expect "the pull resumed: less than 60% of the layer transferred again" [ "$again" -lt $((model_size * 6 / 10)) ]
expect "server D: the weights blob verifies" blob_verifies "$tmp/store-d"
expect "server D: the resumed model generates" generates "$d_port" "$proxied"

echo
[ "$failed" = 0 ] && echo "registry end to end: all checks passed" || echo "registry end to end: FAILED"
exit "$failed"
