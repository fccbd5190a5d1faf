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
        """Nothing is cached about a table's files between queries: every scan lists them."""
        self._session.table(tableName).schema  # an unknown table raises, as Spark

    def getTable(self, tableName):
        parts = tableName.rsplit(".", 1)
        db = parts[0] if len(parts) == 2 else None
        for t in self.listTables(db):
            if t.name == parts[-1].lower() or (t.isTemporary and t.name == parts[-1]):
                return t
        from sparkpp.errors import AnalysisException
        raise AnalysisException(
            "[TABLE_OR_VIEW_NOT_FOUND] The table or view `%s` cannot be found." % tableName)
