#!/usr/bin/env bash
# Stops the worker(s) of this machine started by start-worker.sh (SPARKPP_WORKER_INSTANCES).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/sparkpp-config.sh"
instances="${SPARKPP_WORKER_INSTANCES:-${SPARK_WORKER_INSTANCES:-1}}"
for ((i = 1; i <= instances; i++)); do
  "$sparkpp_sbin/sparkpp-daemon.sh" stop worker "$i"
done
