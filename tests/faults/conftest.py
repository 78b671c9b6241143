from tests.api.conftest import member_key, owner_key  # noqa: F401 (fixtures)
