from tests.api.conftest import owner_key  # noqa: F401 (a fixture)
