#!/usr/bin/env bash
# Stops the workers of every machine of the workers file, over ssh (Spark's sbin/stop-workers.sh).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/sparkpp-config.sh"
exec "$sparkpp_sbin/workers.sh" cd "$sparkpp_home" \; "$sparkpp_sbin/stop-worker.sh"
