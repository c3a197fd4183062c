#!/usr/bin/env bash
# One command on a fresh Debian 12 machine with the .NET SDK: install the data, build, run the demo.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/install-data.sh
dotnet build -c Release PriorTransfer.slnx
dotnet run -c Release --no-build --project src/PriorTransfer.Cli -- demo "$@"
