"""Settings that do not fit the workspace are refused before anything runs, naming the setting."""

from __future__ import annotations

import pytest

from telco_churn.config.environment import load_environment
from telco_churn.errors import ConfigError
from telco_churn.paths import default_env_file
from telco_churn.platform_checks import check_catalog


def test_a_catalog_the_session_cannot_use_is_refused(runtime):
    prod = load_environment(default_env_file(), "prod")
    with pytest.raises(ConfigError, match=r"key 'catalog': catalog 'prod' of environment 'prod' does not exist or you "
                                          r"lack USE CATALOG on it \(catalogs you can use: .*sail"):
        check_catalog(runtime.spark, prod, "environments.yml")
    # A catalog the session has passes.
    check_catalog(runtime.spark, load_environment(default_env_file(), "prod", ["catalog=sail"]), "environments.yml")


def test_legacy_settings_on_a_session_whose_default_catalog_is_not_the_metastore_are_refused(runtime):
    # Sail's default catalog is `sail`, not hive_metastore: as a Unity Catalog workspace's default is.
    legacy = load_environment(default_env_file(), "prod", ["platform=legacy"])
    with pytest.raises(ConfigError, match=r"key 'platform': .*no catalog \(platform: legacy\) but the workspace's "
                                          r"default catalog 'sail' is in Unity Catalog: set platform: uc"):
        check_catalog(runtime.spark, legacy, "environments.yml")
