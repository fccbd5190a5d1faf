"""spark.catalog: each call is a Connect `catalog` relation answered by the driver (which owns
temp views and tables); nothing is kept in Python."""
from collections import namedtuple

from sparkpp.sql import _proto as P
from sparkpp.storagelevel import StorageLevel  # noqa: F401 - in the module's namespace, as PySpark's

__all__ = ["Catalog", "CatalogMetadata", "Database", "Table", "Column", "Function"]

CatalogMetadata = namedtuple("CatalogMetadata", "name description")

Database = namedtuple("Database", "name catalog description locationUri")
Table = namedtuple("Table", "name catalog namespace description tableType isTemporary")
Column = namedtuple("Column", "name description dataType nullable isPartition isBucket")
Function = namedtuple("Function", "name catalog namespace description className isTemporary")


class Catalog:
    def __init__(self, session):
        self._session = session

    def _rows(self, op, **body):
        return self._session._client.catalog_command(
            op, {k: v for k, v in body.items() if v is not None})

    def _value(self, op, **body):
        rows = self._rows(op, **body)
        return rows[0][0] if rows else None

    def currentDatabase(self):
        return self._value("currentDatabase")

    def setCurrentDatabase(self, dbName):
        self._rows("setCurrentDatabase", dbName=dbName)

    def currentCatalog(self):
        return self._value("currentCatalog")

    def setCurrentCatalog(self, catalogName):
        self._rows("setCurrentCatalog", catalogName=catalogName)

    def listCatalogs(self, pattern=None):
        return [CatalogMetadata(*r) for r in self._rows("listCatalogs", pattern=pattern)]

    def getDatabase(self, dbName):
        return Database(*self._rows("getDatabase", dbName=dbName)[0])

    def listDatabases(self, pattern=None):
        return [Database(*r) for r in self._rows("listDatabases", pattern=pattern)]

    def listTables(self, dbName=None, pattern=None):
        return [Table(*r) for r in self._rows("listTables", dbName=dbName, pattern=pattern)]

    def listColumns(self, tableName, dbName=None):
        return [Column(*r) for r in self._rows("listColumns", tableName=tableName,
                                               dbName=dbName)]

    def tableExists(self, tableName, dbName=None):
        return bool(self._value("tableExists", tableName=tableName, dbName=dbName))

    def dropTempView(self, viewName):
        return bool(self._value("dropTempView", viewName=viewName))

    def dropGlobalTempView(self, viewName):
        return bool(self._value("dropGlobalTempView", viewName=viewName))

    def isCached(self, tableName):
        return bool(self._value("isCached", tableName=tableName))

    def cacheTable(self, tableName, storageLevel=None):
        self._rows("cacheTable", tableName=tableName,
                   storageLevel=storageLevel._to_json() if storageLevel is not None else None)

    def uncacheTable(self, tableName):
        self._rows("uncacheTable", tableName=tableName)

    def clearCache(self):
        self._rows("clearCache")

    def databaseExists(self, dbName):
        return bool(self._value("databaseExists", dbName=dbName))

    def createTable(self, tableName, path=None, source=None, schema=None, description=None,
                    **options):
        """CREATE TABLE tableName [(schema)] USING source [OPTIONS] [LOCATION path]: external
        when a path is given, else managed (an empty table, or the files' schema)."""
        self._rows("createTable", tableName=tableName, path=path,
                   source=source or self._session.conf.get("spark.sql.sources.default"),
                   schema=schema.json() if schema is not None else None,
                   description=description, options=options or None)
        return self._session.table(tableName)

    def createExternalTable(self, tableName, path=None, source=None, schema=None, **options):
        return self.createTable(tableName, path=path, source=source, schema=schema, **options)

    def recoverPartitions(self, tableName):
        self._session.sql("MSCK REPAIR TABLE %s" % tableName)

    def refreshTable(self, tableName):
        """Cached data of the table is dropped and cached again (lazily): its next use reads the
        files anew. Scans list a table's files on every query, so nothing else is kept."""
        self._rows("refreshTable", tableName=tableName)

    def refreshByPath(self, path):
        self._rows("refreshByPath", path=path)

    def getTable(self, tableName):
        name, catalog, namespace, description, tableType, isTemporary = \
            self._rows("getTable", tableName=tableName)[0]
        return Table(name, catalog, namespace, description, tableType, isTemporary)

    def functionExists(self, functionName, dbName=None):
        if dbName is not None:
            import warnings
            warnings.warn(
                "`dbName` has been deprecated since Spark 3.4 and might be removed in "
                "a future version. Use functionExists(`dbName.tableName`) instead.",
                FutureWarning,
            )
        return bool(self._value("functionExists", functionName=functionName, dbName=dbName))

    def getFunction(self, functionName):
        return Function(*self._rows("getFunction", functionName=functionName)[0])

    def listFunctions(self, dbName=None, pattern=None):
        """Built-in functions the engine resolves (named after the functions module's, which
        the driver checks one by one) and the registered UDFs, sorted by name."""
        from sparkpp.sql import functions as F
        if dbName is not None:
            self.getDatabase(dbName)  # an unknown database raises, as Spark
        candidates = sorted({n.lower() for n in getattr(F, "__all__", dir(F))
                             if not n.startswith("_")})
        return [Function(*r) for r in self._rows("listFunctions", pattern=pattern,
                                                 candidates=candidates)]
