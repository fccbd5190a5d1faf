#!/usr/bin/env bash
# Stops the workers of the workers file, then the master here (Spark's sbin/stop-all.sh).
set -euo pipefail
sbin="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$sbin/stop-workers.sh" || true
exec "$sbin/stop-master.sh"
