#!/usr/bin/env bash
# Runs a sparkpp daemon in the background (Spark's sbin/spark-daemon.sh).
#
#   sparkpp-daemon.sh (start|stop|status) (master|worker|history) <instance> [args...]
#
# start: its stdout and stderr go to $SPARKPP_LOG_DIR/sparkpp-$ident-$command-$instance-$host.out
# (the previous ones rotated to .out.1 ... .out.$SPARKPP_LOG_MAX_FILES, default 5), its pid to
# $SPARKPP_PID_DIR/sparkpp-$ident-$command-$instance.pid; returns once the daemon prints its
# "listening:" line (printed here too), or fails with the log's end if it exits first.
# stop: SIGTERM (a worker stops its executors first), SIGKILL after $SPARKPP_STOP_TIMEOUT
# seconds (default 30). Defaults: SPARKPP_LOG_DIR (or SPARK_LOG_DIR) $sparkpp_home/logs,
# SPARKPP_PID_DIR (or SPARK_PID_DIR) /tmp, SPARKPP_IDENT_STRING $USER.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/sparkpp-config.sh"

usage="Usage: sparkpp-daemon.sh (start|stop|status) (master|worker|history) <instance-number> [args...]"
if [ $# -lt 3 ]; then echo "$usage" >&2; exit 1; fi
option=$1 command=$2 instance=$3
shift 3
case "$option" in start|stop|status) ;; *) echo "$usage" >&2; exit 1 ;; esac
case "$command" in master|worker|history) ;; *) echo "$usage" >&2; exit 1 ;; esac

ident="${SPARKPP_IDENT_STRING:-${USER:-$(id -un)}}"
host="${HOSTNAME:-$(hostname)}"
log_dir="${SPARKPP_LOG_DIR:-${SPARK_LOG_DIR:-$sparkpp_home/logs}}"
pid_dir="${SPARKPP_PID_DIR:-${SPARK_PID_DIR:-/tmp}}"
log="$log_dir/sparkpp-$ident-$command-$instance-$host.out"
pid_file="$pid_dir/sparkpp-$ident-$command-$instance.pid"

# The pid in the pid file, if that process is still running the sparkpp executable (its
# command name: the first 15 characters of the file name).
running_pid() {
  local pid name comm
  pid="$(cat "$pid_file" 2>/dev/null)" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  name="${sparkpp_bin##*/}"
  read -r comm 2>/dev/null <"/proc/$pid/comm" || return 1
  [ "$comm" = "${name:0:15}" ] || return 1
  echo "$pid"
}

# Alive and not a zombie (a daemon that died during start is still our child).
alive() {
  local stat
  read -r stat 2>/dev/null <"/proc/$1/stat" && [[ "${stat##*) }" != Z* ]]
}

# The daemon's "listening:" line, once it is in the log.
listening_line() {
  local l
  [ -f "$log" ] || return 1  # the daemon may not have opened it yet
  while IFS= read -r l; do
    if [[ "$l" == "sparkpp $command listening: "* ]]; then
      echo "$l"
      return 0
    fi
  done <"$log"
  return 1
}

rotate_log() {
  local n="${SPARKPP_LOG_MAX_FILES:-5}" i
  [ -f "$log" ] || return 0
  for ((i = n - 1; i >= 1; i--)); do
    if [ -f "$log.$i" ]; then mv -f "$log.$i" "$log.$((i + 1))"; fi
  done
  mv -f "$log" "$log.1"
}

case "$option" in
  start)
    if pid="$(running_pid)"; then
      echo "sparkpp $command running as process $pid.  Stop it first."
      exit 1
    fi
    mkdir -p "$log_dir" "$pid_dir"
    rotate_log
    echo "starting sparkpp $command, logging to $log"
    # The daemon's own log file (appender.file.enabled in log.properties) goes next to the .out.
    SPARKPP_LOG_DIR="$log_dir" SPARKPP_IDENT_STRING="$ident" SPARKPP_DAEMON_INSTANCE="$instance" \
      nohup nice -n "${SPARKPP_NICENESS:-0}" "$sparkpp_bin" "$command" "$@" >>"$log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$pid_file"
    wait_s="${SPARKPP_START_TIMEOUT:-60}"
    for ((i = 0; i < wait_s * 20; i++)); do
      if line="$(listening_line)"; then
        echo "$line"
        exit 0
      fi
      if ! alive "$pid"; then
        rm -f "$pid_file"
        echo "failed to launch: sparkpp $command $*" >&2
        tail -n 20 "$log" | sed 's/^/  /' >&2
        echo "full log in $log" >&2
        exit 1
      fi
      sleep 0.05
    done
    echo "sparkpp $command (pid $pid) has not said it is listening after ${wait_s}s; see $log" >&2
    exit 1
    ;;
  stop)
    if pid="$(running_pid)"; then
      echo "stopping sparkpp $command"
      kill "$pid" 2>/dev/null || true
      timeout_s="${SPARKPP_STOP_TIMEOUT:-30}"
      for ((i = 0; i < timeout_s * 20; i++)); do
        alive "$pid" || break
        sleep 0.05
      done
      if alive "$pid"; then
        echo "sparkpp $command did not stop within ${timeout_s}s: killing it"
        kill -9 "$pid" 2>/dev/null || true
      fi
    else
      echo "no sparkpp $command to stop"
    fi
    rm -f "$pid_file"
    ;;
  status)
    if pid="$(running_pid)"; then
      echo "sparkpp $command is running (pid $pid)."
    else
      echo "sparkpp $command is not running."
      exit 1
    fi
    ;;
esac
