#!/usr/bin/env bash
# Installs the Debian packages brainsmith needs to build, test and run its
# open-source hardware backends.  Idempotent: a no-op (a few seconds) when
# everything is already present.  Usage: scripts/install-deps.sh [build|all]
set -euo pipefail
set_name=${1:-all}

build_pkgs=(build-essential cmake ninja-build pkg-config
  libsqlite3-dev sqlite3 libmicrohttpd-dev libcjson-dev libjansson-dev
  libzstd-dev zstd libarchive-dev libssl-dev libuv1-dev libcmocka-dev
  protobuf-c-compiler libprotobuf-c-dev libonnx-dev
  python3-onnx python3-numpy clang libclang-rt-14-dev valgrind)
hw_pkgs=(yosys nextpnr-ice40 fpga-icestorm fpga-icestorm-chipdb verilator iverilog)

pkgs=("${build_pkgs[@]}")
[ "$set_name" = all ] && pkgs+=("${hw_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
