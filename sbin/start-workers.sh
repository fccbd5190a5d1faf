#!/usr/bin/env bash
# Starts a worker on every machine of the workers file, over ssh (Spark's sbin/start-workers.sh):
#   start-workers.sh [spark://HOST:PORT]
# The master URL: the argument, else $SPARKPP_MASTER_URL, else the one the master started here
# by start-master.sh advertised (its log), else spark://$SPARKPP_MASTER_HOST:$SPARKPP_MASTER_PORT
# (this host's name, 7077). Each machine runs sbin/start-worker.sh from the same directory.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/sparkpp-config.sh"
url="${1:-${SPARKPP_MASTER_URL:-}}"
if [ -z "$url" ] && "$sparkpp_sbin/sparkpp-daemon.sh" status master 1 >/dev/null 2>&1; then
  ident="${SPARKPP_IDENT_STRING:-${USER:-$(id -un)}}"
  log="${SPARKPP_LOG_DIR:-${SPARK_LOG_DIR:-$sparkpp_home/logs}}/sparkpp-$ident-master-1-${HOSTNAME:-$(hostname)}.out"
  url="$(sed -n 's/^sparkpp master listening: url=\([^ ]*\).*/\1/p' "$log" 2>/dev/null | head -n1)"
fi
if [ -z "$url" ]; then
  host="${SPARKPP_MASTER_HOST:-${SPARK_MASTER_HOST:-$(hostname -f 2>/dev/null || hostname)}}"
  url="spark://$host:${SPARKPP_MASTER_PORT:-${SPARK_MASTER_PORT:-7077}}"
fi
exec "$sparkpp_sbin/workers.sh" cd "$sparkpp_home" \; "$sparkpp_sbin/start-worker.sh" "$url"
