#!/usr/bin/env bash
# Starts the master on this machine (Spark's sbin/start-master.sh). Extra arguments go to
# `sparkpp master`. From the environment (or sparkpp-env.sh): SPARKPP_MASTER_HOST,
# SPARKPP_MASTER_PORT (7077), SPARKPP_MASTER_WEBUI_PORT (8080); SPARK_* names work too.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/sparkpp-config.sh"
args=()
host="${SPARKPP_MASTER_HOST:-${SPARK_MASTER_HOST:-}}"
port="${SPARKPP_MASTER_PORT:-${SPARK_MASTER_PORT:-}}"
webui="${SPARKPP_MASTER_WEBUI_PORT:-${SPARK_MASTER_WEBUI_PORT:-}}"
[ -n "$host" ] && args+=(--host "$host")
[ -n "$port" ] && args+=(--port "$port")
[ -n "$webui" ] && args+=(--webui-port "$webui")
exec "$sparkpp_sbin/sparkpp-daemon.sh" start master 1 "${args[@]}" "$@"
