"""spark.catalog: each call is a Connect `catalog` relation answered by the driver (which owns
temp views and tables); nothing is kept in Python."""
from collections import namedtuple

from sparkpp.sql import _proto as P

__all__ = ["Catalog", "Database", "Table", "Column", "Function"]

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
