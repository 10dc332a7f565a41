#!/usr/bin/env bash
# make demo: the whole pipeline on local, real services and the bundled samples.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:/usr/bin:$PATH"
exec go run ./scripts/demo
