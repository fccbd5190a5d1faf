#!/usr/bin/env bash
# Stops the history server started by start-history-server.sh.
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/sparkpp-daemon.sh" stop history 1
