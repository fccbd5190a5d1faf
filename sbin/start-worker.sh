#!/usr/bin/env bash
# Starts the worker(s) of this machine (Spark's sbin/start-worker.sh):
#   start-worker.sh spark://HOST:PORT [args for `sparkpp worker`...]
# SPARKPP_WORKER_INSTANCES (1) workers, each with SPARKPP_WORKER_CORES / SPARKPP_WORKER_MEMORY
# (default: all / RAM - 1 GiB), SPARKPP_WORKER_HOST, SPARKPP_WORKER_DIR ($sparkpp_home/work);
# worker i listens on SPARKPP_WORKER_PORT + i - 1 (unset: any free port) and
# SPARKPP_WORKER_WEBUI_PORT + i - 1 (8081 + i - 1; 0: any free port). SPARK_* names work too.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/sparkpp-config.sh"
if [ $# -lt 1 ] || [[ "$1" != spark://* ]]; then
  echo "Usage: start-worker.sh spark://HOST:PORT[,HOST2:PORT2] [args...]" >&2
  exit 1
fi
master="$1"
shift
instances="${SPARKPP_WORKER_INSTANCES:-${SPARK_WORKER_INSTANCES:-1}}"
cores="${SPARKPP_WORKER_CORES:-${SPARK_WORKER_CORES:-}}"
memory="${SPARKPP_WORKER_MEMORY:-${SPARK_WORKER_MEMORY:-}}"
host="${SPARKPP_WORKER_HOST:-${SPARK_WORKER_HOST:-}}"
port="${SPARKPP_WORKER_PORT:-${SPARK_WORKER_PORT:-}}"
webui="${SPARKPP_WORKER_WEBUI_PORT:-${SPARK_WORKER_WEBUI_PORT:-8081}}"
work_dir="${SPARKPP_WORKER_DIR:-${SPARK_WORKER_DIR:-$sparkpp_home/work}}"
status=0
for ((i = 1; i <= instances; i++)); do
  args=(--work-dir "$work_dir")
  [ -n "$cores" ] && args+=(--cores "$cores")
  [ -n "$memory" ] && args+=(--memory "$memory")
  [ -n "$host" ] && args+=(--host "$host")
  [ -n "$port" ] && args+=(--port "$(( port == 0 ? 0 : port + i - 1 ))")
  args+=(--webui-port "$(( webui == 0 ? 0 : webui + i - 1 ))")
  "$sparkpp_sbin/sparkpp-daemon.sh" start worker "$i" "${args[@]}" "$@" "$master" || status=1
done
exit $status
