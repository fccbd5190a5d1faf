#!/usr/bin/env bash
# Stops the master started by start-master.sh.
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/sparkpp-daemon.sh" stop master 1
