"""The key repository and service of this container, built once (see `sitepulse.common.container`)."""

from sitepulse.access.repository import ApiKeyRepository
from sitepulse.access.service import KeyService
from sitepulse.access.settings import KeysSettings
from sitepulse.common.aws import dynamodb
from sitepulse.common.container import per_container
from sitepulse.common.settings import load_settings


@per_container
def api_keys() -> ApiKeyRepository:
    """The key store the authorizer reads (its decision is the pure `access.decision.decide`)."""
    return ApiKeyRepository(dynamodb(), load_settings(KeysSettings).api_keys_table)


@per_container
def key_service() -> KeyService:
    return KeyService(api_keys())
