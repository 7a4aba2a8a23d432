"""Secrets: the legacy CLI's `secrets create-scope/put/list`, the SDK's secrets API (get gives the
value base64, list never a value), the stored file's mode, the API's errors, a notebook task
that reads a secret with dbutils.secrets and prints it: [REDACTED] in runs/get-output and on the run
page; and the ACLs enforced for a service principal (its own token, from token management), through
the SDK and through dbutils.secrets in a command context it created."""

from __future__ import annotations

import base64
import hashlib
import json
import stat

import pytest
from datetime import timedelta

from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import InvalidParameterValue, PermissionDenied, ResourceAlreadyExists, ResourceDoesNotExist
from databricks.sdk.service import compute, jobs, workspace as ws
from databricks.sdk.service.compute import Language, ResultType
from databricks.sdk.service.iam import ListServicePrincipalResponse, ServicePrincipal
from databricks.sdk.service.settings import CreateOboTokenResponse
from databricks.sdk.service.workspace import AclPermission, ListScopesResponse, ListSecretsResponse

from tests.workspace.browser import logged_in_page
from tests.workspace.harness import databricks_cli
from tests.workspace.parity import assert_parses

VALUE = "s3cr3t-Value-42"
NOTEBOOK = """# Databricks notebook source
value = dbutils.secrets.get("cli-scope", "db-password")
print("the password is", value)
print("scope listed:", "cli-scope" in [s.name for s in dbutils.secrets.listScopes()], "keys:", [k.key for k in dbutils.secrets.list("cli-scope")])
print("bytes:", dbutils.secrets.getBytes("cli-scope", "db-password") == value.encode())
try:
    dbutils.secrets.get("no-such-scope", "db-password")
except Exception as exc:
    print("wrong scope:", type(exc).__name__)
dbutils.notebook.exit(str(len(value)))
"""


def _ok(done) -> str:
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def scope(workspace):
    _ok(databricks_cli(workspace, "secrets", "create-scope", "--scope", "cli-scope", "--initial-manage-principal", "users"))
    _ok(databricks_cli(workspace, "secrets", "put", "--scope", "cli-scope", "--key", "db-password",
                       "--string-value", VALUE))
    return "cli-scope"


def test_cli_lists_scopes_and_keys_never_values(workspace, scope):
    assert "cli-scope" in _ok(databricks_cli(workspace, "secrets", "list-scopes"))
    listed = _ok(databricks_cli(workspace, "secrets", "list", "--scope", scope))
    assert "db-password" in listed and VALUE not in listed
    raw = workspace.sdk().api_client.do("GET", "/api/2.0/secrets/list", query={"scope": scope})
    assert [set(s) for s in raw["secrets"]] == [{"key", "last_updated_timestamp"}]
    assert_parses(ListSecretsResponse, raw)
    assert_parses(ListScopesResponse, workspace.sdk().api_client.do("GET", "/api/2.0/secrets/scopes/list"))
    again = databricks_cli(workspace, "secrets", "create-scope", "--scope", scope)
    assert again.returncode != 0 and "RESOURCE_ALREADY_EXISTS" in again.stdout + again.stderr


def test_value_is_stored_private_and_got_base64(workspace, scope):
    stored = workspace.root / "secrets" / "secrets.json"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700
    got = workspace.sdk().secrets.get_secret(scope, "db-password")
    assert base64.b64decode(got.value).decode() == VALUE


def test_errors_and_acls(workspace, scope):
    w = workspace.sdk()
    with pytest.raises(ResourceDoesNotExist, match="Scope no-such-scope does not exist"):
        w.secrets.put_secret("no-such-scope", "k", string_value="v")
    with pytest.raises(ResourceDoesNotExist):
        w.secrets.get_secret(scope, "absent")
    with pytest.raises(ResourceAlreadyExists):
        w.secrets.create_scope(scope)
    with pytest.raises(InvalidParameterValue):
        w.secrets.create_scope("bad scope!")
    with pytest.raises(InvalidParameterValue):
        w.api_client.do("POST", "/api/2.0/secrets/put", body={"scope": scope, "key": "k", "string_value": "a",
                                                               "bytes_value": "YQ=="})
    w.secrets.put_acl(scope, "admins", AclPermission.READ)
    assert w.secrets.get_acl(scope, "admins").permission == AclPermission.READ
    assert {a.principal for a in w.secrets.list_acls(scope)} >= {"admins", "users"}
    w.secrets.delete_acl(scope, "admins")
    with pytest.raises(ResourceDoesNotExist):
        w.secrets.get_acl(scope, "admins")
    with pytest.raises(InvalidParameterValue, match="Principal data-team does not exist"):
        w.secrets.put_acl(scope, "data-team", AclPermission.READ)
    w.secrets.create_scope("short-lived")
    w.secrets.put_secret("short-lived", "k", bytes_value=base64.b64encode(b"\x00\x01").decode())
    w.secrets.delete_secret("short-lived", "k")
    assert list(w.secrets.list_secrets("short-lived")) == []
    w.secrets.delete_scope("short-lived")
    assert "short-lived" not in [s.name for s in w.secrets.list_scopes()]


def test_a_task_printing_a_secret_shows_redacted_in_get_output_and_on_the_run_page(workspace, scope, browser):
    w = workspace.sdk()
    w.workspace.mkdirs("/Shared/secrets")
    w.workspace.import_("/Shared/secrets/print", content=base64.b64encode(NOTEBOOK.encode()).decode(),
                        format=ws.ImportFormat.SOURCE, language=ws.Language.PYTHON, overwrite=True)
    run = workspace.ended(w.jobs.submit(run_name="secret", tasks=[jobs.SubmitTask(
        task_key="print", new_cluster=compute.ClusterSpec(spark_version="17.3.x-cpu-ml-scala2.13", num_workers=0),
        notebook_task=jobs.NotebookTask(notebook_path="/Shared/secrets/print"))]))
    assert run.state.result_state == jobs.RunResultState.SUCCESS, run.state.state_message
    raw = w.api_client.do("GET", "/api/2.1/jobs/runs/get-output", query={"run_id": run.tasks[0].run_id})
    assert "the password is [REDACTED]" in raw["logs"], raw["logs"]
    assert VALUE not in json.dumps(raw)
    assert "scope listed: True keys: ['db-password']" in raw["logs"]
    assert "bytes: True" in raw["logs"] and "wrong scope: ResourceDoesNotExist" in raw["logs"]
    assert raw["notebook_output"]["result"] == str(len(VALUE))
    page = logged_in_page(browser, workspace, f"/runs/{run.run_id}?task=print")
    shown = page.content()
    assert "the password is [REDACTED]" in shown and VALUE not in shown


def _denied(call, *args, **kwargs) -> str:
    with pytest.raises(PermissionDenied) as caught:
        call(*args, **kwargs)
    return str(caught.value)


def test_acls_are_enforced_for_a_service_principal(workspace, interactive_cluster):
    w = workspace.sdk()
    bot_sp = w.service_principals.create(display_name="ci-bot")
    token = w.token_management.create_obo_token(application_id=bot_sp.application_id, lifetime_seconds=3600)
    bot = WorkspaceClient(host=workspace.url, token=token.token_value)
    assert bot.current_user.me().id == bot_sp.id
    assert_parses(ServicePrincipal, w.api_client.do("GET", f"/api/2.0/preview/scim/v2/ServicePrincipals/{bot_sp.id}"))
    assert bot_sp.id in {p.id for p in w.service_principals.list()}
    assert_parses(ListServicePrincipalResponse, w.api_client.do("GET", "/api/2.0/preview/scim/v2/ServicePrincipals"))
    assert_parses(CreateOboTokenResponse, w.api_client.do("POST", "/api/2.0/token-management/on-behalf-of/tokens", body={
        "application_id": bot_sp.application_id, "lifetime_seconds": 60, "comment": "parity"}))
    assert "Only workspace admins" in _denied(bot.service_principals.create, display_name="not allowed")

    w.secrets.create_scope("acl-scope")  # no initial_manage_principal: only its creator (and admins)
    w.secrets.put_secret("acl-scope", "api-key", string_value="acl-value-7")
    me = bot_sp.application_id
    assert _denied(bot.secrets.get_secret, "acl-scope", "api-key").startswith(
        f"User {me} does not have READ permission on scope acl-scope")
    _denied(lambda: list(bot.secrets.list_secrets("acl-scope")))
    context = bot.command_execution.create_and_wait(cluster_id=interactive_cluster, language=Language.PYTHON,
                                                    timeout=timedelta(seconds=60))

    def in_context(code: str):
        return bot.command_execution.execute_and_wait(cluster_id=interactive_cluster, context_id=context.id,
                                                      language=Language.PYTHON, command=code,
                                                      timeout=timedelta(seconds=60)).results

    shown = in_context("import hashlib, os\ntoken = os.environ['DATABRICKS_TOKEN']\n"
                       "print(hashlib.sha256(token.encode()).hexdigest(), token)").data
    assert shown == hashlib.sha256(token.token_value.encode()).hexdigest() + " [REDACTED]"  # its creator's token, hidden
    refused = in_context("dbutils.secrets.get('acl-scope', 'api-key')")
    assert refused.result_type == ResultType.ERROR and "does not have READ permission on scope acl-scope" in refused.summary

    w.secrets.put_acl("acl-scope", me, AclPermission.READ)  # READ: read and list, nothing more
    assert base64.b64decode(bot.secrets.get_secret("acl-scope", "api-key").value).decode() == "acl-value-7"
    assert [s.key for s in bot.secrets.list_secrets("acl-scope")] == ["api-key"]
    assert in_context("v = dbutils.secrets.get('acl-scope', 'api-key')\nprint(v)").data == "[REDACTED]"
    assert "WRITE permission" in _denied(bot.secrets.put_secret, "acl-scope", "other", string_value="refused-value")
    assert "MANAGE permission" in _denied(lambda: list(bot.secrets.list_acls("acl-scope")))

    w.secrets.put_acl("acl-scope", "users", AclPermission.WRITE)  # through a group: the stronger one counts
    bot.secrets.put_secret("acl-scope", "other", string_value="written-by-the-bot")
    bot.secrets.delete_secret("acl-scope", "other")
    assert "MANAGE permission" in _denied(bot.secrets.put_acl, "acl-scope", me, AclPermission.MANAGE)
    assert "MANAGE permission" in _denied(bot.secrets.delete_scope, "acl-scope")

    w.secrets.put_acl("acl-scope", me, AclPermission.MANAGE)
    assert {a.principal for a in bot.secrets.list_acls("acl-scope")} == {me, "users", workspace.sdk().current_user.me().user_name}
    bot.command_execution.destroy(cluster_id=interactive_cluster, context_id=context.id)
    bot.secrets.delete_scope("acl-scope")
    w.service_principals.delete(bot_sp.id)
    with pytest.raises(Exception):  # its token went with it
        bot.current_user.me()
