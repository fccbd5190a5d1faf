# Sourced by every sbin script (Spark's sbin/spark-config.sh): where things are.
#   sparkpp_home  the directory above sbin/ (the repository, or PREFIX/share/sparkpp installed)
#   SPARKPP_CONF_DIR (exported)  $SPARKPP_CONF_DIR, else $SPARK_CONF_DIR, else $sparkpp_home/conf;
#                 the daemons read spark-defaults.conf / sparkpp-defaults.conf there
#   sparkpp-env.sh (or spark-env.sh) in it is sourced, its assignments exported: the daemons'
#                 environment (SPARKPP_WORKER_CORES, SPARKPP_LOG_DIR, SPARKPP_PYTHON, ...)
#   sparkpp_bin   $SPARKPP_BIN, else build/sparkpp (repository), PREFIX/bin/sparkpp (installed),
#                 else sparkpp on PATH
sparkpp_sbin="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
sparkpp_home="${sparkpp_sbin%/*}"
export SPARKPP_CONF_DIR="${SPARKPP_CONF_DIR:-${SPARK_CONF_DIR:-$sparkpp_home/conf}}"
if [ -z "${SPARKPP_ENV_LOADED:-}" ]; then
  export SPARKPP_ENV_LOADED=1
  for sparkpp_env_file in "$SPARKPP_CONF_DIR/sparkpp-env.sh" "$SPARKPP_CONF_DIR/spark-env.sh"; do
    if [ -f "$sparkpp_env_file" ]; then
      set -a
      # shellcheck disable=SC1090
      . "$sparkpp_env_file"
      set +a
      break
    fi
  done
fi
if [ -n "${SPARKPP_BIN:-}" ]; then
  sparkpp_bin="$SPARKPP_BIN"
elif [ -x "$sparkpp_home/build/sparkpp" ]; then
  sparkpp_bin="$sparkpp_home/build/sparkpp"
elif [ -x "$sparkpp_home/../../bin/sparkpp" ]; then
  sparkpp_bin="$(cd "$sparkpp_home/../../bin" && pwd)/sparkpp"
else
  sparkpp_bin="$(command -v sparkpp || true)"
fi
if [ -z "$sparkpp_bin" ]; then
  echo "cannot find the sparkpp executable: set SPARKPP_BIN or put sparkpp on PATH" >&2
  exit 1
fi
