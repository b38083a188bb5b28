"""The occupancy service of this container, built once (see `sitepulse.common.container`)."""

from sitepulse.common.aws import dynamodb
from sitepulse.common.container import per_container
from sitepulse.common.settings import load_settings
from sitepulse.occupancy.repository import OccupancyRepository
from sitepulse.occupancy.service import OccupancyService
from sitepulse.occupancy.settings import OccupancySettings


@per_container
def occupancy_service() -> OccupancyService:
    settings = load_settings(OccupancySettings)
    return OccupancyService(OccupancyRepository(dynamodb(), settings.occupancy_table))
