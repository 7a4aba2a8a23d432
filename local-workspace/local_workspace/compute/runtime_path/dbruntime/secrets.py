"""dbutils.secrets on a cluster: the workspace's Secrets API, called with the cluster's own host and
token (DATABRICKS_HOST, DATABRICKS_TOKEN), through databricks-sdk's dbutils.

Imported inside the cluster's Python (runtime_path), so it imports nothing of the workspace.
"""


class Secrets:
    """get, getBytes, list and listScopes, as on Databricks; the client is made on first use."""

    def __init__(self):
        self._remote = None

    def _api(self):
        if self._remote is None:
            from databricks.sdk.dbutils import RemoteDbUtils

            self._remote = RemoteDbUtils().secrets
        return self._remote

    def get(self, scope, key):
        return self._api().get(scope, key)

    def getBytes(self, scope, key):
        return self._api().getBytes(scope, key)

    def list(self, scope):
        return self._api().list(scope)

    def listScopes(self):
        return self._api().listScopes()

    def help(self):
        print("dbutils.secrets: get(scope, key), getBytes(scope, key), list(scope), listScopes()")
