#!/usr/bin/env python3
"""tests/deploy/check_deploy_files.py REPO — static checks of the container and cluster files.

Docker cannot run where the tests run, so the Dockerfile, the compose files and the nginx
configuration are checked for what can be known without building an image:

  - the compose files parse (tests/deploy/mini_yaml.py; cross-checked against PyYAML and
    validated by `docker compose config` / `docker-compose config` where those exist);
  - every name the compose files use exists where they point: the build target and build
    arguments in the Dockerfile, the exposed port, the model volume at /root/.ollama, the
    health-check command in the runtime image, the model-loader's entry point, bind-mounted
    files, environment variables that hearth (or the loader script) actually reads, services
    named by depends_on; GPU reservations, restart policies, log rotation and limits are present;
  - the Dockerfile builds with scripts/build (the README's and CI's command) on presets that
    exist, installs a package for every find_package() of the build, and gives both runtime
    images the Ollama image's contract (entry point, command, OLLAMA_HOST, port, `ollama`);
  - nginx.conf balances over exactly the cluster's instances with the streaming settings, and
    `nginx -t` accepts it (addresses rewritten to loopback) where nginx is installed;
  - the helper scripts pass `bash -n`/`sh -n` (and shellcheck when installed);
  - docs/configuration.md documents every variable the compose files set.

Prints one line per check and ends with "N passed, M failed"; checks that cannot run here say
SKIPPED and the run then prints a HEARTH-SKIPPED line (CTest reports the test as skipped only
when nothing failed).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mini_yaml  # noqa: E402

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", ".."))
COMPOSE_FILES = ["docker-compose.yml", "docker-compose.gpu.yml", "docker-compose.cluster.yml"]
SERVER_PORT = "11434"
MODEL_DIR = "/root/.ollama"

passed, failed, skipped = [], [], []


def check(name, condition, detail=""):
    if condition:
        passed.append(name)
        print(f"ok: {name}")
    else:
        failed.append(name)
        print(f"FAIL: {name}" + (f" — {detail}" if detail else ""))
    return condition


def skip(name, why):
    skipped.append(f"{name}: {why}")
    print(f"SKIPPED: {name} — {why}")


_missing_reported = set()


def read(rel):
    """The file's text; a missing file is one failed check (and reads as empty)."""
    try:
        with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        if rel not in _missing_reported:
            _missing_reported.add(rel)
            check(f"{rel} exists", False)
        return ""


# ---- Dockerfile ------------------------------------------------------------------------------

def dockerfile_instructions(text):
    """[(instruction, argument text)] with line continuations joined and comments dropped."""
    out, current = [], ""
    for raw in text.split("\n"):
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if current and line.startswith("#"):
            continue  # a comment inside a continued instruction
        current += (" " if current else "") + line
        if current.endswith("\\"):
            current = current[:-1].rstrip()
            continue
        word, _, rest = current.partition(" ")
        out.append((word.upper(), rest.strip()))
        current = ""
    return out


def dockerfile_stages(instructions):
    """{stage name: {"from": image, "lines": [(instr, arg)], "index": n}}, plus global ARGs."""
    stages, order, global_args, current = {}, [], {}, None
    for instr, arg in instructions:
        if instr == "FROM":
            m = re.match(r"^(\S+)(?:\s+AS\s+(\S+))?$", arg, re.IGNORECASE)
            name = m.group(2) or str(len(order))
            current = {"from": m.group(1), "lines": [], "index": len(order), "name": name}
            stages[name] = current
            order.append(name)
        elif current is None:
            if instr == "ARG":
                k, _, v = arg.partition("=")
                global_args[k] = v
        else:
            current["lines"].append((instr, arg))
    return stages, order, global_args


def stage_text(stage, instr):
    return [a for i, a in stage["lines"] if i == instr]


def runtime_apt_packages(stage):
    pkgs = set()
    for run in stage_text(stage, "RUN"):
        for m in re.finditer(r"apt-get install ([^&;|]*)", run):
            pkgs.update(w for w in m.group(1).split() if not w.startswith("-"))
    return pkgs


def check_dockerfile():
    text = read("Dockerfile")
    ins = dockerfile_instructions(text)
    stages, order, global_args = dockerfile_stages(ins)
    # Docker has no trailing comments: "ARG X=1  # why" declares more arguments named "#", "why".
    inline = [f"{i} {a}" for i, a in ins if i not in ("RUN", "HEALTHCHECK") and re.search(r"\s#", a)]
    check("Dockerfile: no trailing comments on instructions", not inline, str(inline))
    check("Dockerfile: stages build-cpu, cpu, build-gpu, gpu exist",
          all(s in stages for s in ("build-cpu", "cpu", "build-gpu", "gpu")), f"stages: {order}")
    check("Dockerfile: the default (last) stage is the GPU image", order and order[-1] == "gpu", f"last: {order[-1:]}")
    if not all(s in stages for s in ("build-cpu", "cpu", "build-gpu", "gpu")):
        return stages

    # Base images.
    check("Dockerfile: GPU build stage uses an NVIDIA CUDA devel image on Ubuntu",
          re.match(r"nvidia/cuda:\$\{CUDA_VERSION\}-devel-ubuntu\$\{UBUNTU_VERSION\}$", stages["build-gpu"]["from"]),
          stages["build-gpu"]["from"])
    check("Dockerfile: GPU runtime uses the matching CUDA runtime image",
          stages["gpu"]["from"] == stages["build-gpu"]["from"].replace("-devel-", "-runtime-"), stages["gpu"]["from"])
    check("Dockerfile: CUDA version and Ubuntu release are pinned defaults",
          re.match(r"^\d+\.\d+\.\d+$", global_args.get("CUDA_VERSION", "")) and
          re.match(r"^\d\d\.\d\d$", global_args.get("UBUNTU_VERSION", "")), str(global_args))
    check("Dockerfile: CPU image builds on Debian and runs on Debian slim of the same release",
          stages["build-cpu"]["from"] == "debian:${DEBIAN_VERSION}" and stages["cpu"]["from"] == "debian:${DEBIAN_VERSION}-slim",
          f'{stages["build-cpu"]["from"]} / {stages["cpu"]["from"]}')

    presets = json.loads(read("CMakePresets.json"))
    preset_names = {p["name"] for p in presets["configurePresets"] if not p.get("hidden")}
    binary_dir = next(p["binaryDir"] for p in presets["configurePresets"] if p["name"] == "base")
    for build_stage, preset, cuda in (("build-cpu", "cpu", "OFF"), ("build-gpu", "cuda", "ON")):
        runs = " ".join(stage_text(stages[build_stage], "RUN"))
        check(f"Dockerfile: {build_stage} builds with scripts/build {preset}", f"scripts/build {preset}" in runs, runs[:200])
        check(f"Dockerfile: preset '{preset}' exists with HEARTH_CUDA={cuda}",
              preset in preset_names and any(p["name"] == preset and p.get("cacheVariables", {}).get("HEARTH_CUDA") == cuda
                                             for p in presets["configurePresets"]))
        check(f"Dockerfile: {build_stage} does not configure or build around scripts/build",
              not re.search(r"cmake\s+(--preset|-S|-B|--build)", runs), runs[:200])
        expected_dir = binary_dir.replace("${sourceDir}/", "").replace("${presetName}", preset)
        check(f"Dockerfile: {build_stage} installs from the preset's build tree ({expected_dir})",
              f"cmake --install {expected_dir} " in runs, runs[:300])
        check(f"Dockerfile: {build_stage} lists the runtime packages of the binary",
              "deploy/runtime-packages /opt/hearth/bin/hearth" in runs)
        check(f"Dockerfile: {build_stage} leaves tests and benchmarks out of the image build",
              "-DHEARTH_BUILD_TESTS=OFF" in runs and "-DHEARTH_BUILD_BENCH=OFF" in runs)
    gpu_runs = " ".join(stage_text(stages["build-gpu"], "RUN"))
    check("Dockerfile: CUDA architectures come from a build argument (default 80;86;89;90)",
          'ARG CUDA_ARCHS="80;86;89;90"' in "\n".join(f"{i} {a}" for i, a in stages["build-gpu"]["lines"]) and
          'CUDA_ARCHS="${CUDA_ARCHS}"' in gpu_runs)

    # scripts/build is what the README's one-liners and CI run.
    check("scripts/build: the README's demo and CI's test script both build with it",
          "scripts/build" in read("scripts/demo") and "scripts/build" in read("scripts/test") and "scripts/demo" in read("README.md"))
    build_script = read("scripts/build")
    check("scripts/build: honours HEARTH_CMAKE_ARGS, CUDA_ARCHS and JOBS",
          "HEARTH_CMAKE_ARGS" in build_script and "CUDA_ARCHS" in build_script and "JOBS" in build_script)

    # Every find_package of the build (tests and benchmarks off) has a package in both build stages.
    provides = {"Threads": None, "fmt": "libfmt-dev", "simdjson": "libsimdjson-dev", "Boost": "libboost-dev",
                "OpenSSL": "libssl-dev", "CUDAToolkit": "devel-image"}
    found = set()
    for dirpath, dirnames, filenames in os.walk(ROOT):
        rel = os.path.relpath(dirpath, ROOT)
        if rel.split(os.sep)[0] in ("build", ".git", "tests", "bench", "node_modules"):
            dirnames[:] = []
            continue
        for fn in filenames:
            if fn == "CMakeLists.txt" or fn.endswith(".cmake"):
                with open(os.path.join(dirpath, fn), encoding="utf-8") as f:
                    found.update(re.findall(r"find_package\((\w+)", f.read()))
    check("Dockerfile: every find_package() of the build is known", found <= set(provides), str(found - set(provides)))
    for build_stage in ("build-cpu", "build-gpu"):
        pkgs = runtime_apt_packages(stages[build_stage])
        missing = [p for dep, p in provides.items() if dep in found and p and p != "devel-image" and p not in pkgs]
        for tool in ("cmake", "ninja-build"):
            if tool not in pkgs:
                missing.append(tool)
        compilers = [p for p in pkgs if p == "g++" or p.startswith("g++-")]
        if not compilers:
            missing.append("g++")
        check(f"Dockerfile: {build_stage} installs the build dependencies", not missing, f"missing {missing}")
        if compilers and compilers[0] != "g++":
            env = " ".join(stage_text(stages[build_stage], "ENV"))
            suffix = compilers[0][len("g++"):]
            check(f"Dockerfile: {build_stage} builds with the {compilers[0]} it installs (CC, CXX, CUDAHOSTCXX)",
                  f"CXX=g++{suffix}" in env and f"CC=gcc{suffix}" in env and f"CUDAHOSTCXX=g++{suffix}" in env, env)
    presets_generator = next(p.get("generator") for p in presets["configurePresets"] if p["name"] == "base")
    check("Dockerfile: the presets' generator is Ninja (installed as ninja-build)", presets_generator == "Ninja")

    # The runtime images: Ollama's image contract.
    for rt in ("cpu", "gpu"):
        st = stages[rt]
        lines = st["lines"]
        check(f"Dockerfile[{rt}]: ENTRYPOINT [\"hearth\"] and CMD [\"serve\"]",
              ("ENTRYPOINT", '["hearth"]') in lines and ("CMD", '["serve"]') in lines)
        envs = " ".join(stage_text(st, "ENV"))
        check(f"Dockerfile[{rt}]: ENV OLLAMA_HOST=0.0.0.0:{SERVER_PORT}", f"OLLAMA_HOST=0.0.0.0:{SERVER_PORT}" in envs, envs)
        check(f"Dockerfile[{rt}]: EXPOSE {SERVER_PORT}", ("EXPOSE", SERVER_PORT) in lines)
        pkgs = runtime_apt_packages(st)
        check(f"Dockerfile[{rt}]: curl and CA certificates in the runtime image", {"curl", "ca-certificates"} <= pkgs, str(pkgs))
        check(f"Dockerfile[{rt}]: runtime libraries installed from the build stage's list",
              any("xargs -a /usr/local/share/hearth/runtime-packages apt-get install" in r for r in stage_text(st, "RUN")))
        hc = " ".join(stage_text(st, "HEALTHCHECK"))
        m = re.search(r"curl \S* ?.*?http://(?:127\.0\.0\.1|localhost):(\d+)(/\S*)", hc)
        check(f"Dockerfile[{rt}]: HEALTHCHECK curls an open route on the exposed port",
              m and m.group(1) == SERVER_PORT and m.group(2) in ("/", "/api/version"), hc)
        copies = stage_text(st, "COPY")
        check(f"Dockerfile[{rt}]: hearth binary on the PATH", any(c.endswith("/opt/hearth/bin/hearth /usr/local/bin/hearth") for c in copies))
        check(f"Dockerfile[{rt}]: model loader script installed as hearth-pull-models",
              "deploy/pull-models /usr/local/bin/hearth-pull-models" in copies)
        setup_runs = [r for r in stage_text(st, "RUN") if "container-setup" in r]
        check(f"Dockerfile[{rt}]: container-setup copied and run", "deploy/container-setup /usr/local/share/hearth/container-setup" in copies and setup_runs)
        check(f"Dockerfile[{rt}]: runs as ${{HEARTH_USER}} (default root)",
              ("USER", "${HEARTH_USER}") in lines and ("ARG", "HEARTH_USER=root") in lines)
    gpu_env = " ".join(stage_text(stages["gpu"], "ENV"))
    check("Dockerfile[gpu]: NVIDIA container toolkit variables", "NVIDIA_VISIBLE_DEVICES=all" in gpu_env and "compute" in gpu_env)
    check("Dockerfile[gpu]: image build fails without libcublas.so.13 (hearth dlopens it)",
          any("libcublas\\.so\\.13" in r for r in stage_text(stages["gpu"], "RUN")))
    cublas = re.findall(r'"(libcublas\.so\.\d+)"', read("kernels/cuda/cublas_gemm.cpp"))
    check("Dockerfile[gpu]: the cuBLAS soname checked is the one hearth opens",
          cublas and cublas[0] == "libcublas.so.13", str(cublas))

    setup = read("deploy/container-setup")
    check("container-setup: `ollama` is a link to hearth on the PATH", "ln -sf hearth /usr/local/bin/ollama" in setup)
    check(f"container-setup: {MODEL_DIR}/models exists for root", f"mkdir -p {MODEL_DIR}/models" in setup)
    check("container-setup: non-root user with its own model directory",
          "useradd" in setup and "/home/hearth/.ollama/models" in setup and "chown -R hearth:hearth /home/hearth/.ollama" in setup)
    check("container-setup: the image build fails when a library is missing", "not found" in setup and "hearth --help" in setup)

    # .dockerignore keeps what the build needs.
    ignore = [l.strip() for l in read(".dockerignore").split("\n") if l.strip() and not l.startswith("#")]
    needed = ["scripts/build", "deploy/runtime-packages", "deploy/container-setup", "deploy/pull-models", "CMakeLists.txt",
              "CMakePresets.json", "cmake", "server", "engine", "kernels", "cli", "common", "gguf"]
    def ignored(path):
        for pat in ignore:
            p = pat.rstrip("/")
            if path == p or path.startswith(p + "/") or (pat.startswith("*") and path.endswith(pat.lstrip("*"))):
                return True
        return False
    check(".dockerignore: keeps every path the build needs", not [p for p in needed if ignored(p)],
          str([p for p in needed if ignored(p)]))
    check(".dockerignore: leaves out build trees and .git", ignored("build/x") and ignored(".git"))
    return stages


# ---- compose files ---------------------------------------------------------------------------

SERVICE_KEYS = {
    "image", "build", "restart", "ports", "expose", "volumes", "environment", "healthcheck", "stop_grace_period",
    "logging", "deploy", "profiles", "depends_on", "entrypoint", "command", "user", "networks", "labels",
    "container_name", "init", "ulimits", "shm_size", "env_file", "secrets", "configs", "cap_add", "cap_drop",
    "read_only", "tmpfs", "working_dir", "stop_signal", "devices", "runtime", "pull_policy",
}


def interpolation_names(value):
    names = []
    for m in re.finditer(r"\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-?+][^}]*)?\}|([A-Za-z_][A-Za-z0-9_]*))", value):
        if m.group(1) == "$":
            continue
        names.append(m.group(2) or m.group(3))
    return names


def walk_strings(node):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from walk_strings(k)
            yield from walk_strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk_strings(v)
    elif isinstance(node, str):
        yield node


def source_reads(var):
    """Whether hearth's C++ sources mention the variable as a string literal."""
    for top in ("server", "engine", "cli", "common", "kernels"):
        for dirpath, _, filenames in os.walk(os.path.join(ROOT, top)):
            for fn in filenames:
                if fn.endswith((".cpp", ".h", ".cu")):
                    with open(os.path.join(dirpath, fn), encoding="utf-8", errors="replace") as f:
                        if f'"{var}"' in f.read():
                            return True
    return False


def check_compose(stages):
    docs_config = read("docs/configuration.md")
    docs_docker = read("docs/docker.md")
    loader_script = read("deploy/pull-models")
    dockerfile_args = set(re.findall(r"^ARG\s+([A-Za-z_][A-Za-z0-9_]*)", read("Dockerfile"), re.MULTILINE))
    parsed = {}
    for fn in COMPOSE_FILES:
        text = read(fn)
        try:
            doc = mini_yaml.load(text)
            check(f"{fn}: parses", isinstance(doc, dict))
        except mini_yaml.YamlError as e:
            check(f"{fn}: parses", False, str(e))
            continue
        parsed[fn] = doc
        top_unknown = [k for k in doc if k not in ("services", "volumes", "networks", "secrets", "configs") and not k.startswith("x-")]
        check(f"{fn}: only known top-level keys", not top_unknown, str(top_unknown))
        services = doc.get("services", {})
        volumes = doc.get("volumes") or {}
        check(f"{fn}: the model volume is the one named 'ollama' by default",
              "ollama" in volumes and (volumes["ollama"] or {}).get("name") == "${HEARTH_VOLUME:-ollama}")
        for sname, svc in services.items():
            unknown = [k for k in svc if k not in SERVICE_KEYS]
            check(f"{fn}[{sname}]: only known service keys", not unknown, str(unknown))
            check(f"{fn}[{sname}]: has an image", "image" in svc)
            is_nginx = sname == "nginx"
            is_server = sname.startswith("hearth")
            is_loader = sname == "model-loader"
            if "build" in svc:
                target = svc["build"].get("target")
                check(f"{fn}[{sname}]: build target '{target}' is a Dockerfile stage", target in stages)
                check(f"{fn}[{sname}]: build context is the repository", svc["build"].get("context") == ".")
                for arg in (svc["build"].get("args") or {}):
                    check(f"{fn}[{sname}]: build arg {arg} is declared in the Dockerfile", arg in dockerfile_args)
                want = "cpu" if fn == "docker-compose.yml" else "gpu"
                check(f"{fn}[{sname}]: builds the {want} image", target == want)
            for p in svc.get("ports", []) or []:
                check(f"{fn}[{sname}]: port '{p}' is a quoted string (YAML 1.1 reads 8080:80 as a number)", isinstance(p, str))
                if isinstance(p, str):
                    check(f"{fn}[{sname}]: publishes container port {SERVER_PORT}", p.split(":")[-1] == SERVER_PORT, p)
                    check(f"{fn}[{sname}]: published on loopback unless HEARTH_BIND says otherwise",
                          p.startswith("${HEARTH_BIND:-127.0.0.1}:"), p)
            for e in svc.get("expose", []) or []:
                check(f"{fn}[{sname}]: exposes {SERVER_PORT}", str(e) == SERVER_PORT)
            for v in svc.get("volumes", []) or []:
                src, _, rest = v.partition(":")
                target = rest.split(":")[0]
                if src.startswith("."):
                    check(f"{fn}[{sname}]: bind-mounted {src} exists", os.path.exists(os.path.join(ROOT, src)))
                else:
                    check(f"{fn}[{sname}]: volume '{src}' is declared", src in volumes)
                    if is_server:
                        check(f"{fn}[{sname}]: model volume mounted at {MODEL_DIR}", target == MODEL_DIR, v)
            if is_nginx:
                check(f"{fn}[nginx]: uses the repository's nginx.conf",
                      "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in svc.get("volumes", []))
            deps = svc.get("depends_on") or {}
            for dep, cond in (deps.items() if isinstance(deps, dict) else [(d, None) for d in deps]):
                check(f"{fn}[{sname}]: depends on existing service {dep}", dep in services)
                if cond and cond.get("condition") == "service_healthy":
                    check(f"{fn}[{sname}]: {dep} has a health check to wait for", "healthcheck" in services.get(dep, {}))
            if is_server or is_nginx:
                check(f"{fn}[{sname}]: restarts unless stopped", svc.get("restart") == "unless-stopped")
                hc = svc.get("healthcheck") or {}
                test = hc.get("test") or []
                check(f"{fn}[{sname}]: health check probes the open /api/version route on {SERVER_PORT}",
                      isinstance(test, list) and test[:1] == ["CMD"] and
                      f"http://127.0.0.1:{SERVER_PORT}/api/version" in test, str(test))
                if is_server:
                    target_stage = stages.get((svc.get("build") or {}).get("target"))
                    check(f"{fn}[{sname}]: health check command (curl) is in the runtime image",
                          target_stage is not None and test[1:2] == ["curl"] and "curl" in runtime_apt_packages(target_stage))
                for k in ("interval", "timeout", "retries"):
                    check(f"{fn}[{sname}]: health check sets {k}", k in hc)
            if is_server or is_nginx or is_loader:
                log = svc.get("logging") or {}
                opts = log.get("options") or {}
                check(f"{fn}[{sname}]: json-file logs rotated (max-size, max-file)",
                      log.get("driver") == "json-file" and isinstance(opts.get("max-size"), str) and
                      isinstance(opts.get("max-file"), str), str(log))
            if is_server:
                res = (svc.get("deploy") or {}).get("resources") or {}
                check(f"{fn}[{sname}]: memory limit set", "memory" in (res.get("limits") or {}))
                env = svc.get("environment") or {}
                check(f"{fn}[{sname}]: environment is a mapping", isinstance(env, dict))
                devices = (res.get("reservations") or {}).get("devices")
                if fn == "docker-compose.yml":
                    check(f"{fn}[{sname}]: CPU file reserves no GPU", not devices)
                else:
                    ok = isinstance(devices, list) and len(devices) == 1 and devices[0].get("driver") == "nvidia" and \
                        "gpu" in (devices[0].get("capabilities") or []) and \
                        (devices[0].get("count") == "all" or devices[0].get("device_ids"))
                    check(f"{fn}[{sname}]: NVIDIA GPU reservation", ok, str(devices))
            if is_loader:
                check(f"{fn}[model-loader]: in the optional 'models' profile", svc.get("profiles") == ["models"])
                check(f"{fn}[model-loader]: runs hearth-pull-models from the image", svc.get("entrypoint") == ["hearth-pull-models"])
                url = (svc.get("environment") or {}).get("HEARTH_URL", "")
                m = re.match(r"^http://([a-z0-9-]+):(\d+)$", url)
                check(f"{fn}[model-loader]: HEARTH_URL names a server service on {SERVER_PORT}",
                      m and m.group(1) in services and m.group(2) == SERVER_PORT, url)
                check(f"{fn}[model-loader]: waits for that server to be healthy",
                      m and (svc.get("depends_on") or {}).get(m.group(1), {}).get("condition") == "service_healthy")
                check(f"{fn}[model-loader]: restart 'no' (quoted: YAML 1.1 reads no as false)", svc.get("restart") == "no")
            # Variables: what hearth (or the loader) reads, each documented.
            for var in (svc.get("environment") or {}):
                if is_loader and var in ("HEARTH_URL", "HEARTH_PULL_MODELS"):
                    check(f"{fn}[{sname}]: loader variable {var} is read by deploy/pull-models", var in loader_script)
                    continue
                check(f"{fn}[{sname}]: {var} is read by hearth", source_reads(var) or (is_loader and var in loader_script))
                check(f"{fn}[{sname}]: {var} is documented in docs/configuration.md", f"`{var}`" in docs_config)
        # Compose-level ${VARS}: documented in docs/docker.md.
        for s in walk_strings(doc):
            for name in interpolation_names(s):
                check(f"{fn}: ${{{name}}} is documented in docs/docker.md", f"`{name}`" in docs_docker)
        check(f"docs/docker.md mentions {fn}", fn in docs_docker)

    cluster = parsed.get("docker-compose.cluster.yml")
    if cluster:
        check_cluster(cluster)
    return parsed


def nginx_directives(text):
    """[(context path, directive, args)] from an nginx configuration (no includes)."""
    tokens = re.findall(r"'[^']*'|\"[^\"]*\"|[{};]|[^\s{};]+", re.sub(r"#[^\n]*", "", text))
    out, stack, words = [], [], []
    for t in tokens:
        if t == "{":
            stack.append(words[0] if words else "?")
            out.append((tuple(stack[:-1]), words[0], words[1:]))
            words = []
        elif t == "}":
            stack.pop()
        elif t == ";":
            if words:
                out.append((tuple(stack), words[0], words[1:]))
            words = []
        else:
            words.append(t.strip("'\""))
    return out


def seconds(value):
    m = re.match(r"^(\d+)(ms|s|m|h|d)?$", value)
    if not m:
        return None
    return int(m.group(1)) * {"ms": 0.001, "s": 1, None: 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


def check_cluster(cluster):
    fn = "docker-compose.cluster.yml"
    services = cluster["services"]
    instances = sorted(s for s in services if re.match(r"^hearth-\d+$", s))
    check(f"{fn}: at least two hearth instances", len(instances) >= 2, str(instances))
    ids = []
    for s in instances:
        dev = services[s]["deploy"]["resources"]["reservations"]["devices"][0]
        ids.append(tuple(dev.get("device_ids") or []))
        check(f"{fn}[{s}]: pinned to GPU {s.split('-')[1]} with device_ids", dev.get("device_ids") == [s.split("-")[1]], str(dev))
        check(f"{fn}[{s}]: does not prune the shared store at startup",
              str(services[s]["environment"].get("OLLAMA_NOPRUNE")).lower() in ("true", "1"))
        check(f"{fn}[{s}]: not published directly", "ports" not in services[s])
    check(f"{fn}: instances use distinct GPUs", len(set(ids)) == len(ids))
    mounts = {tuple(services[s]["volumes"]) for s in instances}
    check(f"{fn}: all instances share one model volume", len(mounts) == 1)
    check(f"{fn}: nginx is the published entry point on {SERVER_PORT}",
          any(p.endswith(f":{SERVER_PORT}") for p in services.get("nginx", {}).get("ports", [])))
    check(f"{fn}: nginx waits for every instance",
          set(services.get("nginx", {}).get("depends_on", {})) == set(instances))

    conf = read("deploy/nginx.conf")
    d = nginx_directives(conf)
    ups = [args for ctx, name, args in d if ctx == ("http", "upstream") and name == "server"]
    hosts = [a[0] for a in ups]
    check("nginx.conf: one upstream server per cluster instance, on the server port",
          sorted(hosts) == [f"{s}:{SERVER_PORT}" for s in instances], str(hosts))
    check("nginx.conf: failed instances are taken out (max_fails, fail_timeout)",
          all(any(x.startswith("max_fails=") for x in a) and any(x.startswith("fail_timeout=") for x in a) for a in ups))
    names = {(ctx, name): args for ctx, name, args in d}
    up = ("http", "upstream")
    loc = ("http", "server", "location")
    check("nginx.conf: least_conn balancing", (up, "least_conn") in names)
    check("nginx.conf: keepalive connections to the instances", (up, "keepalive") in names)
    check("nginx.conf: HTTP/1.1 upstream with an empty Connection header (needed for keepalive)",
          names.get((loc, "proxy_http_version")) == ["1.1"] and
          any(n == "proxy_set_header" and a[:1] == ["Connection"] and a[1:] == [""] for c, n, a in d if c == loc))
    check("nginx.conf: responses stream unbuffered", names.get((loc, "proxy_buffering")) == ["off"])
    check("nginx.conf: uploads stream unbuffered and unlimited",
          names.get((loc, "proxy_request_buffering")) == ["off"] and names.get((("http", "server"), "client_max_body_size")) == ["0"])
    rt = seconds((names.get((loc, "proxy_read_timeout")) or ["0"])[0])
    check("nginx.conf: streaming read timeout of at least an hour", rt is not None and rt >= 3600, str(rt))
    nu = names.get((loc, "proxy_next_upstream")) or []
    check("nginx.conf: connection errors go to the next instance, POSTs are never replayed",
          "error" in nu and "non_idempotent" not in nu, str(nu))
    check("nginx.conf: passes the client's Host (hearth's loopback Host check)",
          any(n == "proxy_set_header" and a[:1] == ["Host"] and a[1] in ("$host", "$http_host") for c, n, a in d if c == loc))
    listens = [a for c, n, a in d if c == ("http", "server") and n == "listen"]
    check(f"nginx.conf: listens on {SERVER_PORT}", listens == [[SERVER_PORT]], str(listens))
    check("nginx.conf: no daemon/pid directives (the image and the test pass them with -g)",
          not any(n in ("daemon", "pid") for c, n, a in d))

    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if not nginx:
        skip("nginx -t on deploy/nginx.conf", "nginx is not installed")
        return
    with tempfile.TemporaryDirectory() as tmp:
        rewritten = conf
        for i, s in enumerate(instances):
            rewritten = rewritten.replace(f"{s}:{SERVER_PORT}", f"127.0.0.1:{20001 + i}")
        rewritten = rewritten.replace(f"listen {SERVER_PORT};", "listen 127.0.0.1:20000;")
        path = os.path.join(tmp, "nginx.conf")
        with open(path, "w") as f:
            f.write(rewritten)
        r = subprocess.run([nginx, "-t", "-q", "-p", tmp + "/", "-c", path, "-e", "stderr", "-g", f"pid {tmp}/nginx.pid;"],
                           capture_output=True, text=True)
        check("nginx.conf: nginx -t accepts it", r.returncode == 0, r.stderr.strip())


def check_with_real_parsers(parsed):
    # PyYAML, when some interpreter here has it: the subset reader must agree exactly.
    yaml_python = None
    try:
        import yaml  # noqa: F401
        yaml_python = sys.executable
    except ImportError:
        for cand in ("/usr/bin/python3", "/usr/local/bin/python3"):
            if os.path.exists(cand) and subprocess.run([cand, "-c", "import yaml"], capture_output=True).returncode == 0:
                yaml_python = cand
                break
    for fn, doc in parsed.items():
        if not yaml_python:
            skip(f"{fn}: PyYAML agrees with the subset reader", "no Python with PyYAML here")
            continue
        r = subprocess.run([yaml_python, "-c", "import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
                            os.path.join(ROOT, fn)], capture_output=True, text=True)
        check(f"{fn}: PyYAML reads the same document", r.returncode == 0 and json.loads(r.stdout) == json.loads(json.dumps(doc)),
              r.stderr.strip()[:300])

    # docker compose (v2 plugin) or docker-compose (v1): schema validation and interpolation.
    tools = []
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        tools.append(["docker", "compose"])
    if shutil.which("docker-compose"):
        tools.append(["docker-compose"])
    if not tools:
        skip("docker compose config", "neither `docker compose` nor `docker-compose` is installed")
        return
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HEARTH_", "OLLAMA_", "CUDA_ARCHS", "NGINX_"))}
    for tool in tools:
        for fn in COMPOSE_FILES:
            r = subprocess.run(tool + ["-f", os.path.join(ROOT, fn), "--profile", "models", "config", "-q"],
                               capture_output=True, text=True, cwd=ROOT, env=env)
            check(f"{fn}: `{' '.join(tool)} config` validates it", r.returncode == 0, (r.stderr or r.stdout).strip()[:400])


def check_scripts():
    for rel, shell in (("deploy/pull-models", "sh"), ("deploy/container-setup", "sh"), ("deploy/runtime-packages", "bash"),
                       ("scripts/build", "bash"), ("tests/deploy/cluster_test.sh", "bash")):
        path = os.path.join(ROOT, rel)
        check(f"{rel}: executable", os.access(path, os.X_OK))
        r = subprocess.run([shell, "-n", path], capture_output=True, text=True)
        check(f"{rel}: {shell} -n", r.returncode == 0, r.stderr.strip())
        if shutil.which("shellcheck"):
            r = subprocess.run(["shellcheck", "-S", "warning", path], capture_output=True, text=True)
            check(f"{rel}: shellcheck", r.returncode == 0, r.stdout.strip()[:400])
    if not shutil.which("shellcheck"):
        skip("shellcheck of the deploy scripts", "shellcheck is not installed")


def check_docs():
    readme = read("README.md")
    lines = readme.split("\n")
    check("README: the first two command lines are unchanged",
          "scripts/demo    # set up a fresh Debian 12 machine" in lines[3] and "scripts/bootstrap && scripts/test" in lines[4])
    check("README: a Deploying section points at docs/docker.md", "## Deploying" in readme and "docs/docker.md" in readme)
    config = read("docs/configuration.md")
    for var in ("OLLAMA_HOST", "OLLAMA_MODELS", "HEARTH_API_KEY", "HEARTH_API_KEYS_FILE", "HEARTH_ACCESS_LOG", "OLLAMA_DEBUG"):
        check(f"docs/configuration.md documents {var}", f"`{var}`" in config)


def main():
    stages = check_dockerfile()
    parsed = check_compose(stages) if stages else {}
    check_with_real_parsers(parsed)
    check_scripts()
    check_docs()
    print()
    if skipped:
        print(f"{len(skipped)} check(s) skipped:")
        for s in skipped:
            print(f"  {s}")
    print(f"{len(passed)} passed, {len(failed)} failed" + (f", {len(skipped)} skipped" if skipped else ""))
    if skipped and not failed:
        print(f"HEARTH-SKIPPED: {len(skipped)} check(s) could not run (see above)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
