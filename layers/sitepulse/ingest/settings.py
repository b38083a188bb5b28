"""Environment of the ingestion function."""

from pydantic import BaseModel, Field


class IngestSettings(BaseModel):
    data_bucket: str
    stores_table: str
    ingestion_table: str
    ingest_segment_mib: int = Field(default=32, ge=1, le=1024)
