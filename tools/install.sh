#!/usr/bin/env bash
# Install the pinned pointmcd-plugin stack into the active Python environment.
#
#   bash tools/install.sh            # CPU ops, or CUDA ops if a GPU is visible
#   FORCE_CUDA=1 bash tools/install.sh   # CUDA ops without a visible GPU (needs nvcc)
#
# mmcv 2.1.0 ships only as a source package. It is built once with its ops
# (C++ standard raised to C++20, which torch >= 2.14 headers need) and the
# wheel is cached under $POINTMCD_CACHE (default ~/.cache/pointmcd_plugin),
# keyed by Python, torch, torch's CUDA and the ops flavour, so a later install
# against the same torch reuses it and a different torch never loads it.
set -euo pipefail

PYTHON=${PYTHON:-python}
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE_ROOT=${POINTMCD_CACHE:-$HOME/.cache/pointmcd_plugin}
CONSTRAINTS="$REPO_ROOT/requirements/constraints.txt"
MMCV_VERSION=2.1.0
pin() { grep -E "^$1==" "$CONSTRAINTS" | cut -d= -f3; }
TORCH_VERSION=$(pin torch)
TORCHVISION_VERSION=$(pin torchvision)

log() { echo "[install] $(date +%H:%M:%S) $*"; }
pipi() { "$PYTHON" -m pip install --disable-pip-version-check -c "$CONSTRAINTS" "$@"; }

log "python: $("$PYTHON" -c 'import sys; print(sys.executable, sys.version.split()[0])')"
pipi --upgrade pip wheel "setuptools<80"

log "torch==$TORCH_VERSION torchvision==$TORCHVISION_VERSION"
pipi "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION"

# ---- mmcv with ops, cached by ABI ------------------------------------------
if [[ "${FORCE_CUDA:-0}" == "1" ]] || "$PYTHON" -c \
    "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)"; then
  OPS=cuda
  export FORCE_CUDA=1
else
  OPS=cpu
fi
ABI_KEY=$("$PYTHON" -c "import sys, torch; print(f'cp{sys.version_info[0]}{sys.version_info[1]}-torch{torch.__version__}-cuda{torch.version.cuda}')")
WHEEL_DIR="$CACHE_ROOT/wheels/mmcv-$MMCV_VERSION-$ABI_KEY-ops_$OPS"

if ! compgen -G "$WHEEL_DIR/mmcv-$MMCV_VERSION-*.whl" > /dev/null; then
  log "no cached mmcv wheel in $WHEEL_DIR: building mmcv $MMCV_VERSION with $OPS ops (about 10 minutes on 2 cores)"
  BUILD_DIR=$(mktemp -d)
  trap 'rm -rf "$BUILD_DIR"' EXIT
  "$PYTHON" -m pip download --disable-pip-version-check --no-deps --no-binary :all: \
      --no-build-isolation "mmcv==$MMCV_VERSION" -d "$BUILD_DIR" > "$BUILD_DIR/download.log" 2>&1 \
    || { cat "$BUILD_DIR/download.log"; exit 1; }
  tar -xzf "$BUILD_DIR/mmcv-$MMCV_VERSION.tar.gz" -C "$BUILD_DIR"
  SRC="$BUILD_DIR/mmcv-$MMCV_VERSION"
  # torch >= 2.14 headers use C++20; mmcv 2.1.0 hard-codes -std=c++17.
  sed -i 's/-std=c++17/-std=c++20/g' "$SRC/setup.py"
  grep -q -- '-std=c++20' "$SRC/setup.py" || { echo "could not raise mmcv's C++ standard in $SRC/setup.py"; exit 1; }
  ( cd "$SRC" && MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} "$PYTHON" -m pip wheel \
      --disable-pip-version-check --no-deps --no-build-isolation -w "$BUILD_DIR/wheel" . )
  mkdir -p "$(dirname "$WHEEL_DIR")"
  TMP_DIR="$WHEEL_DIR.tmp.$$"
  mkdir -p "$TMP_DIR" && mv "$BUILD_DIR"/wheel/mmcv-*.whl "$TMP_DIR/"
  rm -rf "$WHEEL_DIR" && mv "$TMP_DIR" "$WHEEL_DIR"
  log "cached $(ls "$WHEEL_DIR")"
else
  log "reusing cached $(ls "$WHEEL_DIR"/mmcv-*.whl)"
fi
log "mmcv wheel cache: $(du -sh "$WHEEL_DIR" | cut -f1) in $WHEEL_DIR"
pipi --force-reinstall --no-deps "$WHEEL_DIR"/mmcv-$MMCV_VERSION-*.whl
# mmcv's own dependencies (addict, yapf, opencv, ...), resolved normally.
pipi "mmcv==$MMCV_VERSION" --find-links "$WHEEL_DIR"

# ---- the OpenMMLab stack and what the project imports ----------------------
log "mmengine / mmdet / mmpretrain and runtime requirements"
pipi -r "$REPO_ROOT/requirements/runtime.txt"
log "mmdet3d and nuscenes-devkit without their unresolvable dependency pins"
pipi --no-deps -r "$REPO_ROOT/requirements/nodeps.txt"
pipi -r "$REPO_ROOT/requirements/tests.txt"
pipi --no-deps -e "$REPO_ROOT"

log "checking the installation"
"$PYTHON" "$REPO_ROOT/tools/check_env.py"
log "done"
