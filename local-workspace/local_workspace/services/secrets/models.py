"""Secret scopes, secrets and their ACLs, kept in one file of the workspace folder (mode 0600).

Values never leave this module except through `get` (the API's base64 value) and `values`
(what the workspace redacts from run output).

ACLs are enforced as the Secrets API documents them: READ lists a scope's keys and reads its
values, WRITE also puts and deletes secrets, MANAGE also reads and changes the ACLs and deletes
the scope. A principal has the strongest permission given to it or to a group it is in; workspace
admins have MANAGE on every scope. Listing scopes needs no permission.
"""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path
from typing import Callable

from local_workspace.private_files import private_folder, write_private_json
from local_workspace.errors import InvalidParameterValue, PermissionDenied, ResourceAlreadyExists, ResourceDoesNotExist
from local_workspace.principals import Principal

SCOPE_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,128}$")
KEY_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
MAX_VALUE_BYTES = 128 * 1024
MAX_SCOPES = 1000
PERMISSIONS = ("READ", "WRITE", "MANAGE")  # weakest first


def _scope_missing(scope: str) -> ResourceDoesNotExist:
    return ResourceDoesNotExist(f"Scope {scope} does not exist!")


class SecretStore:
    """The workspace's secrets: {scope: {"secrets": {key: {value, last_updated_timestamp}}, "acls": {...}}}."""

    def __init__(self, folder: Path, creator: str, known: Callable[[str], bool] = lambda name: True):
        self.folder, self.creator = folder, creator
        self.known = known  # whether a user, group or service principal exists (what an ACL may name)
        self.file = folder / "secrets.json"
        self._lock = threading.Lock()
        private_folder(folder)
        self._scopes: dict = json.loads(self.file.read_text()) if self.file.is_file() else {}

    def _save(self) -> None:
        write_private_json(self.file, self._scopes)

    def _scope(self, scope: str) -> dict:
        if not isinstance(scope, str) or scope not in self._scopes:
            raise _scope_missing(scope)
        return self._scopes[scope]

    def require(self, who: Principal, scope: str, needed: str) -> None:
        """PERMISSION_DENIED unless `who` has at least `needed` on the (existing) scope."""
        acls = self._scope(scope)["acls"]
        if who.is_admin:
            return
        held = [PERMISSIONS.index(acls[name]) for name in (who.name, *who.groups) if name in acls]
        if not held or max(held) < PERMISSIONS.index(needed):
            raise PermissionDenied(f"User {who.name} does not have {needed} permission on scope {scope}")

    def create_scope(self, scope: str, initial_manage_principal: str | None = None,
                     backend_type: str | None = None, creator: str | None = None) -> None:
        if not SCOPE_NAME.match(scope):
            raise InvalidParameterValue("Scope name must consist of alphanumeric characters, dashes, underscores, '@', "
                                        "and periods, and may not exceed 128 characters.")
        if backend_type not in (None, "DATABRICKS"):
            raise InvalidParameterValue(f"Scope backend type {backend_type} is not supported by this workspace; "
                                        "only DATABRICKS scopes are")
        if initial_manage_principal not in (None, "users"):
            raise InvalidParameterValue("initial_manage_principal must be 'users' or omitted")
        with self._lock:
            if scope in self._scopes:
                raise ResourceAlreadyExists(f"Scope {scope} already exists!")
            if len(self._scopes) >= MAX_SCOPES:
                raise InvalidParameterValue(f"This workspace already has the maximum of {MAX_SCOPES} secret scopes")
            acls = {creator or self.creator: "MANAGE", **({"users": "MANAGE"} if initial_manage_principal else {})}
            self._scopes[scope] = {"secrets": {}, "acls": acls}
            self._save()

    def list_scopes(self) -> list[dict]:
        return [{"name": name, "backend_type": "DATABRICKS"} for name in sorted(self._scopes)]

    def delete_scope(self, scope: str) -> None:
        with self._lock:
            self._scope(scope)
            del self._scopes[scope]
            self._save()

    def put(self, scope: str, key: str, value: bytes) -> None:
        if not isinstance(key, str) or not KEY_NAME.match(key):
            raise InvalidParameterValue("Secret key must consist of alphanumeric characters, dashes, underscores, and "
                                        "periods, and may not exceed 128 characters.")
        if len(value) > MAX_VALUE_BYTES:
            raise InvalidParameterValue(f"Secret value is {len(value)} bytes; the maximum is {MAX_VALUE_BYTES} bytes")
        import base64

        with self._lock:
            self._scope(scope)["secrets"][key] = {"value": base64.b64encode(value).decode(),
                                                  "last_updated_timestamp": int(time.time() * 1000)}
            self._save()

    def list(self, scope: str) -> list[dict]:
        """The keys of a scope with their times: never a value."""
        found = self._scope(scope)["secrets"]
        return [{"key": k, "last_updated_timestamp": v["last_updated_timestamp"]} for k, v in sorted(found.items())]

    def _secret(self, scope: str, key: str) -> dict:
        found = self._scope(scope)["secrets"].get(key)
        if found is None:
            raise ResourceDoesNotExist(f"Secret does not exist with scope: {scope} and key: {key}")
        return found

    def get(self, scope: str, key: str) -> str:
        """The value, base64-encoded, as the API gives it."""
        return self._secret(scope, key)["value"]

    def delete(self, scope: str, key: str) -> None:
        with self._lock:
            self._secret(scope, key)
            del self._scopes[scope]["secrets"][key]
            self._save()

    def put_acl(self, scope: str, principal: str, permission: str) -> None:
        if permission not in PERMISSIONS:
            raise InvalidParameterValue(f"Invalid permission {permission}; must be one of {', '.join(PERMISSIONS)}")
        if not isinstance(principal, str) or not principal:
            raise InvalidParameterValue("principal must be a non-empty string")
        if not self.known(principal):
            raise InvalidParameterValue(f"Principal {principal} does not exist in this workspace")
        with self._lock:
            self._scope(scope)["acls"][principal] = permission
            self._save()

    def _acl(self, scope: str, principal: str) -> str:
        found = self._scope(scope)["acls"].get(principal)
        if found is None:
            raise ResourceDoesNotExist(f"Failed to get secret ACL for principal {principal} in scope {scope}.")
        return found

    def get_acl(self, scope: str, principal: str) -> dict:
        return {"principal": principal, "permission": self._acl(scope, principal)}

    def list_acls(self, scope: str) -> list[dict]:
        return [{"principal": p, "permission": m} for p, m in sorted(self._scope(scope)["acls"].items())]

    def delete_acl(self, scope: str, principal: str) -> None:
        with self._lock:
            self._acl(scope, principal)
            del self._scopes[scope]["acls"][principal]
            self._save()

    def values(self) -> list[str]:
        """Every secret's value as text, longest first (a value inside another is redacted after it)."""
        import base64

        found = {base64.b64decode(s["value"]).decode("utf-8", "replace")
                 for scope in list(self._scopes.values()) for s in list(scope["secrets"].values())}
        return sorted((v for v in found if v), key=len, reverse=True)
