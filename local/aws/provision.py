"""Create the template's tables, buckets, Lambda functions and state machines in
the emulated AWS account (moto). Also used by unit tests to build tables
exactly as the template declares them."""

from __future__ import annotations

import io
import json
import secrets
import string
import zipfile
from typing import Any

from botocore.exceptions import ClientError

from local.template import ACCOUNT, Secret, Stack, Table

_TABLE_KEYS = (
    "KeySchema",
    "AttributeDefinitions",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "StreamSpecification",
)


def create_table(dynamodb: Any, table: Table) -> None:
    props = table.properties
    request: dict[str, Any] = {key: props[key] for key in _TABLE_KEYS if key in props}
    request["TableName"] = table.name
    if "StreamSpecification" in request:  # CloudFormation names the view type only; the API wants both
        request["StreamSpecification"] = {"StreamEnabled": True, **request["StreamSpecification"]}
    request["BillingMode"] = props.get("BillingMode", "PAY_PER_REQUEST")
    if request["BillingMode"] == "PROVISIONED":
        request["ProvisionedThroughput"] = props["ProvisionedThroughput"]
    try:
        dynamodb.create_table(**request)
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceInUseException":
            raise
    ttl = props.get("TimeToLiveSpecification")
    if ttl:
        dynamodb.update_time_to_live(TableName=table.name, TimeToLiveSpecification=ttl)


def generated_secret_string(secret: Secret) -> str:
    """A fresh random value as `GenerateSecretString` describes it (length, no punctuation)."""
    spec = secret.properties.get("GenerateSecretString") or {}
    alphabet = string.ascii_letters + string.digits
    if str(spec.get("ExcludePunctuation", "false")).lower() != "true":
        alphabet += "!#$%&()*+,-.:;<=>?@[]^_{|}~"
    length = int(spec.get("PasswordLength", 32))
    return "".join(secrets.choice(alphabet) for _ in range(length))


def create_secret(client: Any, secret: Secret) -> None:
    """The secret with a value generated for this stack (kept when it already exists)."""
    try:
        client.create_secret(Name=secret.name, SecretString=generated_secret_string(secret))
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceExistsException":
            raise


def _placeholder_zip() -> bytes:
    # moto stores the code but never runs it: invocations go to the in-process bridge.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def provision(stack: Stack, session: Any) -> None:
    dynamodb = session.client("dynamodb")
    for table in stack.tables.values():
        create_table(dynamodb, table)

    s3 = session.client("s3")
    for bucket in stack.buckets.values():
        s3.create_bucket(Bucket=bucket.name)

    if stack.secrets:
        secretsmanager = session.client("secretsmanager")
        for secret in stack.secrets.values():
            create_secret(secretsmanager, secret)
    if stack.queues:
        _provision_queues(stack, session.client("sqs"))
    if stack.topics:
        sns = session.client("sns")
        for topic in stack.topics.values():
            sns.create_topic(Name=topic)

    if stack.state_machines or stack.functions:
        _provision_lambda(stack, session)
    sfn = session.client("stepfunctions")
    for machine in stack.state_machines.values():
        definition = (
            machine.definition if isinstance(machine.definition, str) else json.dumps(machine.definition)
        )
        sfn.create_state_machine(name=machine.name, definition=definition, roleArn=machine.role_arn)


def _provision_lambda(stack: Stack, session: Any) -> None:
    iam = session.client("iam")
    role = "sitepulse-local-lambda"
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    try:
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))
    except ClientError as error:
        if error.response["Error"]["Code"] != "EntityAlreadyExists":
            raise
    lam = session.client("lambda")
    code = _placeholder_zip()
    for function in stack.functions.values():
        try:
            lam.create_function(
                FunctionName=function.name,
                Runtime="python3.13",
                Role=f"arn:aws:iam::{ACCOUNT}:role/{role}",
                Handler=function.handler,
                Code={"ZipFile": code},
                Timeout=function.timeout,
                MemorySize=function.memory,
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ResourceConflictException":
                raise


_QUEUE_ATTRIBUTES = (
    "VisibilityTimeout",
    "MessageRetentionPeriod",
    "DelaySeconds",
    "ReceiveMessageWaitTimeSeconds",
)


def _provision_queues(stack: Stack, sqs: Any) -> None:
    """Every queue first, then the redrive policies (a queue names its DLQ by ARN)."""
    for queue in stack.queues.values():
        attributes = {key: str(queue.properties[key]) for key in _QUEUE_ATTRIBUTES if key in queue.properties}
        sqs.create_queue(QueueName=queue.name, Attributes=attributes)
    for queue in stack.queues.values():
        redrive = queue.properties.get("RedrivePolicy")
        if redrive:
            url = sqs.get_queue_url(QueueName=queue.name)["QueueUrl"]
            sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": json.dumps(redrive)})
