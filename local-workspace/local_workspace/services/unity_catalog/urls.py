"""Routes of the Unity Catalog service."""

from local_workspace.http import Route
from local_workspace.services.unity_catalog.responses import UnityCatalogResponses


def routes(api: UnityCatalogResponses) -> list[Route]:
    base = "/api/2.1/unity-catalog"
    out = []
    for plural, key in (("catalogs", "name"), ("schemas", "full_name"), ("volumes", "name")):
        single = plural[:-1]
        out += [
            Route(("GET",), f"{base}/{plural}", getattr(api, f"list_{plural}")),
            Route(("POST",), f"{base}/{plural}", getattr(api, f"create_{single}")),
            Route(("GET",), f"{base}/{plural}/<{key}>", getattr(api, f"get_{single}")),
            Route(("PATCH",), f"{base}/{plural}/<{key}>", getattr(api, f"update_{single}")),
            Route(("DELETE",), f"{base}/{plural}/<{key}>", getattr(api, f"delete_{single}")),
        ]
    return out + [
        Route(("GET",), f"{base}/tables", api.list_tables),
        Route(("POST",), f"{base}/tables", api.create_table),
        Route(("GET",), f"{base}/tables/<full_name>", api.get_table),
        Route(("GET",), f"{base}/tables/<full_name>/exists", api.table_exists),
        Route(("DELETE",), f"{base}/tables/<full_name>", api.delete_table),
    ]
