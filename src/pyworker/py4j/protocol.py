"""py4j.protocol names used by PySpark programs, mapped onto sparkpp's errors."""
from sparkpp.errors import GatewayError as Py4JNetworkError  # noqa: F401
from sparkpp.errors import Py4JJavaError  # noqa: F401
from sparkpp.errors import PySparkException as Py4JError  # noqa: F401
