"""Typed errors, each mapped to the Databricks `error_code` and HTTP status a client expects."""

from __future__ import annotations


class WorkspaceError(Exception):
    error_code = "INTERNAL_ERROR"
    status = 500

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def body(self) -> dict:
        return {"error_code": self.error_code, "message": self.message}


class InvalidParameterValue(WorkspaceError):
    error_code, status = "INVALID_PARAMETER_VALUE", 400


class MalformedRequest(WorkspaceError):
    error_code, status = "MALFORMED_REQUEST", 400


class ResourceDoesNotExist(WorkspaceError):
    error_code, status = "RESOURCE_DOES_NOT_EXIST", 404


class ResourceAlreadyExists(WorkspaceError):
    error_code, status = "RESOURCE_ALREADY_EXISTS", 400


class InvalidState(WorkspaceError):
    error_code, status = "INVALID_STATE", 400


class DirectoryNotEmpty(WorkspaceError):
    error_code, status = "DIRECTORY_NOT_EMPTY", 400


class MaxBlockSizeExceeded(WorkspaceError):
    error_code, status = "MAX_BLOCK_SIZE_EXCEEDED", 400


class MaxReadSizeExceeded(WorkspaceError):
    error_code, status = "MAX_READ_SIZE_EXCEEDED", 400


class Unauthenticated(WorkspaceError):
    error_code, status = "UNAUTHENTICATED", 401


class EndpointNotFound(WorkspaceError):
    error_code, status = "ENDPOINT_NOT_FOUND", 404


class NotImplementedHere(WorkspaceError):
    error_code, status = "NOT_IMPLEMENTED", 501


class MethodNotAllowed(WorkspaceError):
    error_code, status = "BAD_REQUEST", 405


class PermissionDenied(WorkspaceError):
    error_code, status = "PERMISSION_DENIED", 403


class NotFound(WorkspaceError):
    error_code, status = "NOT_FOUND", 404


class CatalogDoesNotExist(WorkspaceError):
    error_code, status = "CATALOG_DOES_NOT_EXIST", 404


class SchemaDoesNotExist(WorkspaceError):
    error_code, status = "SCHEMA_DOES_NOT_EXIST", 404


class TableDoesNotExist(WorkspaceError):
    error_code, status = "TABLE_DOES_NOT_EXIST", 404


class CatalogAlreadyExists(WorkspaceError):
    error_code, status = "CATALOG_ALREADY_EXISTS", 409


class SchemaAlreadyExists(WorkspaceError):
    error_code, status = "SCHEMA_ALREADY_EXISTS", 409


class TableAlreadyExists(WorkspaceError):
    error_code, status = "TABLE_ALREADY_EXISTS", 409


class AlreadyExists(WorkspaceError):
    error_code, status = "ALREADY_EXISTS", 409


class CatalogNotEmpty(WorkspaceError):
    error_code, status = "CATALOG_NOT_EMPTY", 400


class SchemaNotEmpty(WorkspaceError):
    error_code, status = "SCHEMA_NOT_EMPTY", 400
