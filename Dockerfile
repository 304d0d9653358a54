# syntax=docker/dockerfile:1
# hearth container images (docs/docker.md).
#
#   docker build -t hearth .                   # NVIDIA GPU image (the default, last stage)
#   docker build -t hearth:cpu --target cpu .  # CPU-only image on Debian slim
#   docker run -d --gpus=all -v ollama:/root/.ollama -p 11434:11434 --name hearth hearth
#   docker exec -it hearth ollama pull llama3.2
#
# Both images build with scripts/build — the command the README and CI use — and run as a
# drop-in for the ollama/ollama image: ENTRYPOINT hearth, CMD serve, OLLAMA_HOST=0.0.0.0:11434,
# port 11434, models under /root/.ollama, `ollama` on the PATH. Build arguments:
#   CUDA_ARCHS   GPU architectures compiled (default 80;86;89;90: A100, A10/RTX 30, L4/RTX 40, H100)
#   JOBS         parallel compile jobs (default: all cores)
#   GCC_VERSION  host compiler of the GPU build (default 12, the one hearth is developed with)
#   HEARTH_USER  the user the image runs as: root (default, like Ollama) or hearth (uid HEARTH_UID)
#   HEARTH_UID / HEARTH_GID  ids of the non-root `hearth` user (default 10001)

ARG CUDA_VERSION=13.0.0
ARG UBUNTU_VERSION=24.04
ARG DEBIAN_VERSION=bookworm

# ---------------------------------------------------------------------------------------------
# CPU-only: build on Debian 12 (the distribution the project is developed and tested on).
FROM debian:${DEBIAN_VERSION} AS build-cpu
ARG JOBS=""
# (an ARG: set for apt while building, not part of the image's environment)
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      cmake ninja-build g++ make pkg-config ca-certificates \
      libboost-dev libsimdjson-dev libfmt-dev libssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# Tests and benchmarks are built and run by CI (scripts/test); the image needs only the binary.
RUN HEARTH_CMAKE_ARGS="-DHEARTH_BUILD_TESTS=OFF -DHEARTH_BUILD_BENCH=OFF" JOBS="${JOBS}" scripts/build cpu \
 && cmake --install build/cpu --prefix /opt/hearth --strip \
 && mkdir -p /opt/hearth/share/hearth \
 && deploy/runtime-packages /opt/hearth/bin/hearth > /opt/hearth/share/hearth/runtime-packages \
 && cat /opt/hearth/share/hearth/runtime-packages

FROM debian:${DEBIAN_VERSION}-slim AS cpu
ARG HEARTH_USER=root
ARG HEARTH_UID=10001
ARG HEARTH_GID=10001
# (an ARG: set for apt while building, not part of the image's environment)
ARG DEBIAN_FRONTEND=noninteractive
COPY --from=build-cpu /opt/hearth/share/hearth/runtime-packages /usr/local/share/hearth/runtime-packages
RUN apt-get update \
 && xargs -a /usr/local/share/hearth/runtime-packages apt-get install -y --no-install-recommends \
      ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build-cpu /opt/hearth/bin/hearth /usr/local/bin/hearth
COPY deploy/pull-models /usr/local/bin/hearth-pull-models
COPY deploy/container-setup /usr/local/share/hearth/container-setup
RUN sh /usr/local/share/hearth/container-setup "${HEARTH_UID}" "${HEARTH_GID}"
ENV OLLAMA_HOST=0.0.0.0:11434
EXPOSE 11434
USER ${HEARTH_USER}
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD curl -fsS -o /dev/null http://127.0.0.1:11434/api/version || exit 1
LABEL org.opencontainers.image.title="hearth (CPU)" \
      org.opencontainers.image.description="Ollama-compatible LLM inference server, CPU-only"
ENTRYPOINT ["hearth"]
CMD ["serve"]

# ---------------------------------------------------------------------------------------------
# NVIDIA GPU: build with the CUDA toolkit, run on the matching CUDA runtime image (which brings
# libcublas; the CUDA runtime itself is linked statically and the driver comes from the host
# through the NVIDIA container toolkit).
FROM nvidia/cuda:${CUDA_VERSION}-devel-ubuntu${UBUNTU_VERSION} AS build-gpu
ARG CUDA_ARCHS="80;86;89;90"
ARG JOBS=""
# The compiler hearth is developed and tested with (Debian 12's GCC 12), also as nvcc's host
# compiler; Ubuntu 24.04's default GCC 13 is newer than the code has been built with.
ARG GCC_VERSION=12
ARG DEBIAN_FRONTEND=noninteractive
ENV CC=gcc-${GCC_VERSION} CXX=g++-${GCC_VERSION} CUDAHOSTCXX=g++-${GCC_VERSION}
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      cmake ninja-build g++-${GCC_VERSION} make pkg-config ca-certificates \
      libboost-dev libsimdjson-dev libfmt-dev libssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN HEARTH_CMAKE_ARGS="-DHEARTH_BUILD_TESTS=OFF -DHEARTH_BUILD_BENCH=OFF" CUDA_ARCHS="${CUDA_ARCHS}" JOBS="${JOBS}" \
      scripts/build cuda \
 && cmake --install build/cuda --prefix /opt/hearth --strip \
 && mkdir -p /opt/hearth/share/hearth \
 && deploy/runtime-packages /opt/hearth/bin/hearth > /opt/hearth/share/hearth/runtime-packages \
 && cat /opt/hearth/share/hearth/runtime-packages

FROM nvidia/cuda:${CUDA_VERSION}-runtime-ubuntu${UBUNTU_VERSION} AS gpu
ARG HEARTH_USER=root
ARG HEARTH_UID=10001
ARG HEARTH_GID=10001
# (an ARG: set for apt while building, not part of the image's environment)
ARG DEBIAN_FRONTEND=noninteractive
COPY --from=build-gpu /opt/hearth/share/hearth/runtime-packages /usr/local/share/hearth/runtime-packages
RUN apt-get update \
 && xargs -a /usr/local/share/hearth/runtime-packages apt-get install -y --no-install-recommends \
      ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build-gpu /opt/hearth/bin/hearth /usr/local/bin/hearth
COPY deploy/pull-models /usr/local/bin/hearth-pull-models
COPY deploy/container-setup /usr/local/share/hearth/container-setup
RUN sh /usr/local/share/hearth/container-setup "${HEARTH_UID}" "${HEARTH_GID}" \
 && (ldconfig -p | grep -q 'libcublas\.so\.13' || { echo "libcublas.so.13 missing from the runtime image" >&2; exit 1; })
ENV OLLAMA_HOST=0.0.0.0:11434 \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
EXPOSE 11434
USER ${HEARTH_USER}
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD curl -fsS -o /dev/null http://127.0.0.1:11434/api/version || exit 1
LABEL org.opencontainers.image.title="hearth" \
      org.opencontainers.image.description="Ollama-compatible LLM inference server with CUDA kernels"
ENTRYPOINT ["hearth"]
CMD ["serve"]
