#!/usr/bin/env bash
# Starts the history server on this machine (Spark's sbin/start-history-server.sh). Arguments go
# to `sparkpp history` (e.g. --dir /var/log/spark-events; else spark.history.fs.logDirectory).
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/sparkpp-daemon.sh" start history 1 "$@"
