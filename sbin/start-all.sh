#!/usr/bin/env bash
# Starts the master here, then the workers of the workers file (Spark's sbin/start-all.sh).
set -euo pipefail
sbin="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$sbin/start-master.sh"
exec "$sbin/start-workers.sh"
