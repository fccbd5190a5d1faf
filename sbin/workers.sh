#!/usr/bin/env bash
# Runs a shell command on every worker machine (Spark's sbin/workers.sh):
#   workers.sh command...
# The machines: one per line in $SPARKPP_WORKERS, else $SPARKPP_CONF_DIR/workers, else localhost
# ('#' comments and blank lines skipped). Reached with $SPARKPP_SSH (ssh) and
# $SPARKPP_SSH_OPTS (-o StrictHostKeyChecking=no), in parallel; each output line is prefixed with
# its host. SPARKPP_WORKER_SLEEP seconds between starts (default none).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/sparkpp-config.sh"
if [ $# -lt 1 ]; then
  echo "Usage: workers.sh command..." >&2
  exit 1
fi
hosts_file="${SPARKPP_WORKERS:-${SPARK_WORKERS:-$SPARKPP_CONF_DIR/workers}}"
if [ -f "$hosts_file" ]; then
  hosts="$(sed 's/#.*$//;/^[[:space:]]*$/d' "$hosts_file")"
else
  hosts=localhost
fi
ssh_cmd="${SPARKPP_SSH:-ssh}"
read -r -a ssh_opts <<<"${SPARKPP_SSH_OPTS--o StrictHostKeyChecking=no}"
pids=()
for host in $hosts; do
  # The command is one string for the remote shell; spaces inside arguments are escaped.
  "$ssh_cmd" "${ssh_opts[@]}" "$host" "${@// /\\ }" 2>&1 | sed "s/^/$host: /" &
  pids+=($!)
  if [ -n "${SPARKPP_WORKER_SLEEP:-}" ]; then sleep "$SPARKPP_WORKER_SLEEP"; fi
done
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done
exit $status
