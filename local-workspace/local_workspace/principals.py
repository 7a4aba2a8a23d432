"""Who calls: the workspace's principals and the tokens that identify them.

The workspace's own user (its token, `telco-churn workspace env`) is a workspace admin. Service
principals are made through SCIM and get tokens through token management's on-behalf-of
endpoint, as an admin gives a CI job its own identity on Databricks. Every user and service
principal is in the group `users`; the workspace's user also in `admins`.
Tokens are kept as SHA-256 digests only, in a 0600 file of the workspace folder.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from local_workspace.private_files import private_folder, write_private_json
from local_workspace.errors import InvalidParameterValue, PermissionDenied, ResourceDoesNotExist

GROUPS = ("admins", "users")
ENVIRON_KEY = "local_workspace.principal"
TOKEN = re.compile(r"dapi[0-9a-f]{32}")  # the shape of the tokens this workspace makes  # where the gateway puts the caller, in the request's environ


@dataclass(frozen=True)
class Principal:
    name: str  # a user's userName, a service principal's applicationId: what ACLs name
    id: str
    groups: tuple[str, ...]
    display_name: str = ""
    service_principal: bool = False

    @property
    def is_admin(self) -> bool:
        return "admins" in self.groups

    def require_admin(self, what: str) -> None:
        if not self.is_admin:
            raise PermissionDenied(f"Only workspace admins can {what}; {self.name} is not one")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Principals:
    def __init__(self, folder: Path, owner_name: str, owner_token: str):
        self.owner = Principal(owner_name, "1000", GROUPS, owner_name.split("@")[0])
        self._owner_token = owner_token
        self.file = folder / "principals.json"
        private_folder(folder)
        self._lock = threading.Lock()
        self._state: dict = json.loads(self.file.read_text()) if self.file.is_file() else {"service_principals": {}}

    def _save(self) -> None:
        write_private_json(self.file, self._state)

    def identify(self, token: str) -> Principal | None:
        """The principal a bearer token stands for; None for an unknown or expired token."""
        if hmac.compare_digest(token.encode(), self._owner_token.encode()):
            return self.owner
        digest, now = _digest(token), time.time()
        for sp in list(self._state["service_principals"].values()):
            for held in sp["tokens"]:
                if hmac.compare_digest(held["digest"], digest) and (held["expiry"] < 0 or held["expiry"] > now):
                    return self._principal(sp)
        return None

    def redact_tokens(self, text: str) -> str:
        """`text` with every token of a principal of this workspace as [REDACTED]."""
        return TOKEN.sub(lambda m: "[REDACTED]" if self.identify(m.group(0)) else m.group(0), text)

    @staticmethod
    def _principal(sp: dict) -> Principal:
        return Principal(sp["applicationId"], sp["id"], ("users",), sp["displayName"], service_principal=True)

    def exists(self, name: str) -> bool:
        """A user, group or service principal of this workspace (what an ACL may name)."""
        return name in (self.owner.name, *GROUPS) or name in self._state["service_principals"]

    def create_service_principal(self, display_name: str, application_id: str | None = None) -> dict:
        if not isinstance(display_name, str) or not display_name.strip():
            raise InvalidParameterValue("displayName is required")
        application_id = application_id or str(uuid.uuid4())
        with self._lock:
            if application_id in self._state["service_principals"]:
                raise InvalidParameterValue(f"Service principal with applicationId {application_id} already exists")
            sp = {"id": str(secrets.randbelow(9 * 10 ** 15) + 10 ** 15), "applicationId": application_id,
                  "displayName": display_name, "tokens": []}
            self._state["service_principals"][application_id] = sp
            self._save()
        return self.scim(sp)

    def service_principals(self) -> list[dict]:
        return [self.scim(sp) for sp in self._state["service_principals"].values()]

    def _by_id(self, principal_id: str) -> dict:
        found = next((sp for sp in self._state["service_principals"].values() if sp["id"] == principal_id), None)
        if found is None:
            raise ResourceDoesNotExist(f"Service principal with id {principal_id} not found")
        return found

    def get_service_principal(self, principal_id: str) -> dict:
        return self.scim(self._by_id(principal_id))

    def delete_service_principal(self, principal_id: str) -> None:
        with self._lock:
            del self._state["service_principals"][self._by_id(principal_id)["applicationId"]]
            self._save()

    def create_obo_token(self, application_id: str, lifetime_seconds: int | None, comment: str | None) -> dict:
        """A token for a service principal: its value once, as the API gives it."""
        sp = self._state["service_principals"].get(application_id)
        if sp is None:
            raise ResourceDoesNotExist(f"Service principal with applicationId {application_id} not found")
        value, created = "dapi" + secrets.token_hex(16), int(time.time() * 1000)
        expiry = created + int(lifetime_seconds) * 1000 if lifetime_seconds else -1
        info = {"token_id": secrets.token_hex(16), "creation_time": created, "expiry_time": expiry,
                "comment": comment or "", "created_by_id": int(self.owner.id), "created_by_username": self.owner.name,
                "owner_id": int(sp["id"])}
        with self._lock:
            sp["tokens"].append({"digest": _digest(value), "expiry": expiry / 1000 if expiry > 0 else -1,
                                 "info": info})
            self._save()
        return {"token_info": info, "token_value": value}

    @staticmethod
    def scim(sp: dict) -> dict:
        return {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServicePrincipal"], "id": sp["id"],
                "applicationId": sp["applicationId"], "displayName": sp["displayName"], "active": True,
                "groups": [{"display": "users", "value": "2", "type": "direct"}]}
