"""Tables by name: managed tables on Databricks, Delta folders on one machine."""

from telco_churn.lakehouse.base import Lakehouse, TableName

__all__ = ["Lakehouse", "TableName"]
