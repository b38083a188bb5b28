"""The bookings service of this container, built once (see `sitepulse.common.container`).

The ingestion function builds its own over IngestSettings.bookings_table (`sitepulse.ingest_wiring`).
"""

from sitepulse.bookings.repository import BookingRepository
from sitepulse.bookings.service import BookingService
from sitepulse.bookings.settings import BookingsSettings
from sitepulse.common.aws import dynamodb
from sitepulse.common.container import per_container
from sitepulse.common.settings import load_settings


@per_container
def booking_service() -> BookingService:
    settings = load_settings(BookingsSettings)
    return BookingService(BookingRepository(dynamodb(), settings.bookings_table))
