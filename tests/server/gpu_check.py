#!/usr/bin/env python3
"""tests/server/gpu_check.py — `hearth serve` on a CUDA machine (run by hand on a GPU host).

Starts the server on a free port with a temporary OLLAMA_MODELS, creates models from the shared
fixtures through the API, then checks that: the model is placed on the GPU (ps size_vram), greedy
output through /api/generate equals `hearth run FILE.gguf --backend cuda`, it follows llama.cpp's
reference continuations up to the first near-tie, concurrent streams (continuous batching on the
GPU) give the same greedy text as one stream alone, many concurrent requests all succeed,
num_gpu 0 reloads the model on the CPU, and SIGTERM exits 0. Prints throughput figures.

    python3 tests/server/gpu_check.py BUILD/hearth ../shared/fixtures
Exit status 0 when every check passed.
"""
import concurrent.futures as cf
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

hearth, fixtures = sys.argv[1], sys.argv[2]
FIXTURE = "llama3-bpe-tiny.q8_0.gguf"
model_file = os.path.join(fixtures, "models", FIXTURE)
reference = json.load(open(os.path.join(fixtures, "models", "reference.json")))["models"][FIXTURE]
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(("ok   " if ok else "FAIL ") + name + (f" — {detail}" if detail else ""), flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


port = free_port()
url = f"http://127.0.0.1:{port}"
home = tempfile.mkdtemp(prefix="hearth-gpu-")
env = dict(os.environ, HOME=home, OLLAMA_HOST=f"127.0.0.1:{port}", OLLAMA_MODELS=os.path.join(home, "models"),
           OLLAMA_NUM_PARALLEL="4", OLLAMA_KV_CACHE_TYPE="f32")
server = subprocess.Popen([hearth, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def request(method, path, body=None, raw=None, timeout=600):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(url + path, data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


for _ in range(200):
    try:
        if request("HEAD", "/")[0] == 200:
            break
    except Exception:
        time.sleep(0.1)

digest = hashlib.sha256(open(model_file, "rb").read()).hexdigest()
status, _ = request("POST", f"/api/blobs/sha256:{digest}", raw=open(model_file, "rb").read())
check("blob upload", status == 201, str(status))
status, body = request("POST", "/api/create", {"model": "tiny", "files": {FIXTURE: f"sha256:{digest}"}, "stream": False})
check("create", status == 200, body[:200])


def generate(prompt, n, **extra):
    opts = {"temperature": 0, "num_predict": n}
    opts.update(extra.pop("options", {}))
    status, body = request("POST", "/api/generate", {"model": "tiny", "prompt": prompt, "raw": True, "stream": False,
                                                     "options": opts, **extra})
    return status, json.loads(body) if body.startswith("{") else {"error": body}


status, r = generate("Hello", 4)
check("generate on the GPU server", status == 200 and r.get("eval_count") == 4, json.dumps(r)[:200])
status, body = request("GET", "/api/ps")
ps = json.loads(body)["models"]
check("ps: model in GPU memory", bool(ps) and ps[0]["size_vram"] > 0, json.dumps(ps)[:300])

prompt = "The quick brown fox"
direct = subprocess.run([hearth, "run", model_file, prompt, "--num-predict", "24", "--temperature", "0", "--kv-type", "f32",
                         "--backend", "cuda"], capture_output=True, env=env)
direct.stdout = direct.stdout.decode("utf-8", errors="replace")
direct.stderr = direct.stderr.decode("utf-8", errors="replace")
status, r = generate(prompt, 24)
check("greedy /api/generate == hearth run --backend cuda", r.get("response", "") + "\n" == direct.stdout,
      f"{r.get('response')!r} vs {direct.stdout!r} {direct.stderr[-200:]!r}")


# GPU matmuls round differently from llama.cpp's CPU reference (and from each other for other
# batch shapes): compare token ids exactly only up to the first step whose top-2 margin is under
# 0.1 nats. The template "{{ .Prompt }}" sends the prompt as is and keeps `context` (token ids).
TIE = 0.1


def first_tie(c):
    return next((i for i, s in enumerate(c["steps"]) if len(s["top"]) > 1 and s["top"][0][1] - s["top"][1][1] < TIE),
                len(c["tokens"]))


def generated_ids(prompt, n_prompt):
    status, body = request("POST", "/api/generate", {"model": "tiny", "prompt": prompt, "template": "{{ .Prompt }}",
                                                     "stream": False, "options": {"temperature": 0, "num_predict": 32}})
    r = json.loads(body)
    return r.get("context", [])[:n_prompt], r.get("context", [])[n_prompt:]


cases = [c for c in reference if not c["prompt"].startswith("<|begin_of_text|>")]  # templated prompts get one BOS
for c in cases:
    tie = first_tie(c)
    expected = c["tokens"][:-1] if len(c["tokens"]) < 32 else c["tokens"]  # drop the final EOG
    prompt_ids, gen = generated_ids(c["prompt"], len(c["prompt_tokens"]))
    ok = prompt_ids == c["prompt_tokens"] and gen[:min(tie, len(expected))] == expected[:tie]
    check(f"reference tokens of {c['prompt'][:24]!r} up to step {tie}", ok, f"got {gen[:tie]}, want {expected[:tie]}")

# Batched decoding must not change greedy choices that have a clear margin: the same comparison
# for every prompt while 8 requests run at once.
with cf.ThreadPoolExecutor(max_workers=8) as pool:
    together = list(pool.map(lambda c: (c, generated_ids(c["prompt"], len(c["prompt_tokens"]))[1]), cases * 2))
bad = []
for c, gen in together:
    tie = first_tie(c)
    expected = c["tokens"][:-1] if len(c["tokens"]) < 32 else c["tokens"]
    if gen[:min(tie, len(expected))] != expected[:tie]:
        bad.append((c["prompt"][:20], tie, gen[:tie], expected[:tie]))
check("continuous batching on the GPU keeps clear greedy choices", not bad, json.dumps(bad)[:800])

n_req = 256
t0 = time.time()
with cf.ThreadPoolExecutor(max_workers=n_req) as pool:
    outs = list(pool.map(lambda i: generate(f"n{i}", 16)[0], range(n_req)))
dt = time.time() - t0
check(f"{n_req} concurrent requests all succeed", all(s == 200 for s in outs), f"{dt:.2f} s, {n_req * 16 / dt:.0f} tokens/s aggregate")

t0 = time.time()
status, r = generate("Once upon a time", 256, options={"num_predict": 256})
single = r.get("eval_count", 0) / (r.get("eval_duration", 1) / 1e9)
print(f"     single stream: {single:.0f} tokens/s (eval), prompt {r.get('prompt_eval_count')} tokens")
with cf.ThreadPoolExecutor(max_workers=4) as pool:
    t0 = time.time()
    rs = list(pool.map(lambda i: generate(f"Once upon a time {i}", 256)[1], range(4)))
    dt = time.time() - t0
print(f"     4 parallel streams: {sum(x.get('eval_count', 0) for x in rs) / dt:.0f} tokens/s aggregate (wall)")

status, r = generate("Hello", 4, options={"num_gpu": 0, "num_predict": 4})
status2, body = request("GET", "/api/ps")
ps = json.loads(body)["models"]
check("num_gpu 0 reloads on the CPU", status == 200 and bool(ps) and ps[0]["size_vram"] == 0, json.dumps(ps)[:300])

server.send_signal(signal.SIGTERM)
code = server.wait(timeout=30)
check("SIGTERM exits 0", code == 0, str(code))
log = server.stdout.read().decode(errors="replace")
shutil.rmtree(home, ignore_errors=True)
print(f"\n{sum(results)} passed, {len(results) - sum(results)} failed")
if not all(results):
    print(log[-3000:])
sys.exit(0 if all(results) else 1)
