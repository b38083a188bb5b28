"""Environment of the alert functions (validated at init: an empty name fails the cold start)."""

from pydantic import BaseModel, Field


class AlertsSettings(BaseModel):
    alerts_table: str = Field(min_length=1)


class EvaluatorSettings(AlertsSettings):
    temperature_table: str = Field(min_length=1)
    stores_table: str = Field(min_length=1)


class DeliverySettings(AlertsSettings):
    delivery_queue_url: str = Field(min_length=1)
    delivery_max_attempts: int = Field(default=5, ge=1, le=50)


class OutboxSettings(AlertsSettings):
    delivery_queue_url: str = Field(min_length=1)
    alert_topic_arn: str = Field(min_length=1)
