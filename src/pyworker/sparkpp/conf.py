"""SparkConf: key/value settings. Defaults come from SPARKPP_CONF (the submit-time settings,
as PySpark loads the JVM's system properties); values set in code win."""
import json
import os

__all__ = ["SparkConf"]

# SparkContext.setSystemProperty() values: loaded by every later SparkConf(), like JVM properties.
_system_properties = {}


def _load_defaults():
    out = {}
    raw = os.environ.get("SPARKPP_CONF")
    if raw:
        try:
            data = json.loads(raw)
        except ValueError as e:
            raise ValueError("SPARKPP_CONF is not a JSON object: %s" % e) from None
        if not isinstance(data, dict):
            raise ValueError("SPARKPP_CONF is not a JSON object")
        for k, v in data.items():
            out[str(k)] = v if isinstance(v, str) else json.dumps(v)
    out.update(_system_properties)
    return out


class SparkConf:
    def __init__(self, loadDefaults=True, _jvm=None, _jconf=None):
        self._conf = _load_defaults() if loadDefaults else {}

    def set(self, key, value):
        self._conf[key] = str(value)
        return self

    def setIfMissing(self, key, value):
        if key not in self._conf:
            self.set(key, value)
        return self

    def setMaster(self, value):
        return self.set("spark.master", value)

    def setAppName(self, value):
        return self.set("spark.app.name", value)

    def setSparkHome(self, value):
        return self.set("spark.home", value)

    def setExecutorEnv(self, key=None, value=None, pairs=None):
        if (key is not None and pairs is not None) or (key is None and pairs is None):
            raise ValueError("Either pass one key-value pair or a list of pairs")
        if key is not None:
            self.set("spark.executorEnv." + key, value)
        else:
            for k, v in pairs:
                self.set("spark.executorEnv." + k, v)
        return self

    def setAll(self, pairs):
        for k, v in pairs:
            self.set(k, v)
        return self

    def get(self, key, defaultValue=None):
        return self._conf.get(key, defaultValue)

    def getAll(self):
        return list(self._conf.items())

    def contains(self, key):
        return key in self._conf

    def toDebugString(self):
        return "\n".join("%s=%s" % kv for kv in sorted(self._conf.items()))

    def _as_dict(self):
        return dict(self._conf)

    def __repr__(self):
        return "<sparkpp.conf.SparkConf object>"
