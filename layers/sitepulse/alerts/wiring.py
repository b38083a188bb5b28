"""The alert services of this container, built once (see `sitepulse.common.container`)."""

from sitepulse.alerts.repository import AlertsRepository, EmailClaims
from sitepulse.alerts.service import AlertService, Deliverer, DeliveryPolicy, EmailNotifier, Evaluator
from sitepulse.alerts.settings import AlertsSettings, DeliverySettings, EvaluatorSettings, OutboxSettings
from sitepulse.alerts.sources import RoomReadings, StoreData
from sitepulse.common.aws import client, dynamodb
from sitepulse.common.container import per_container
from sitepulse.common.settings import load_settings


@per_container
def alert_service() -> AlertService:
    settings = load_settings(AlertsSettings)
    return AlertService(AlertsRepository(dynamodb(), settings.alerts_table))


@per_container
def evaluator() -> Evaluator:
    settings = load_settings(EvaluatorSettings)
    return Evaluator(
        AlertsRepository(dynamodb(), settings.alerts_table),
        RoomReadings(dynamodb(), settings.temperature_table),
        StoreData(dynamodb(), settings.stores_table),
    )


@per_container
def deliverer() -> Deliverer:
    settings = load_settings(DeliverySettings)
    return Deliverer(
        AlertsRepository(dynamodb(), settings.alerts_table),
        DeliveryPolicy(max_attempts=settings.delivery_max_attempts),
    )


@per_container
def delivery_queue() -> tuple[object, str]:
    """The SQS client and the delivery queue's URL (the outbox relay sends, the deliverer backs off)."""
    settings = load_settings(DeliverySettings)
    return client("sqs"), settings.delivery_queue_url


@per_container
def relay() -> tuple[object, str, EmailNotifier]:
    """The outbox relay's SQS client, the delivery queue's URL and the e-mail notifier."""
    settings = load_settings(OutboxSettings)
    sns = client("sns")

    def publish(subject: str, text: str) -> None:
        sns.publish(TopicArn=settings.alert_topic_arn, Subject=subject, Message=text)

    repository = AlertsRepository(dynamodb(), settings.alerts_table)
    notifier = EmailNotifier(repository, EmailClaims(dynamodb(), settings.alerts_table), publish)
    return client("sqs"), settings.delivery_queue_url, notifier
