"""Read a SAM template into what the local stack needs: tables, buckets, functions
(code, handler, environment, HTTP routes, schedules) and state machines.

Intrinsic functions are resolved against local physical names, so adding a
resource or a route to template.yaml needs no change here. Parameters take their `Default`
unless overridden (`python -m local --parameter-overrides Name=Value`, as `sam deploy` takes them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from local.front.throttle import ThrottleLimits

REGION = "us-east-1"
ACCOUNT = "123456789012"
STACK = "sitepulse-local"


class _CfnLoader(yaml.SafeLoader):
    """YAML loader that turns `!Ref x` style tags into their long `{"Ref": x}` form."""


def _construct_tag(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if tag_suffix == "Ref":
        return {"Ref": value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{tag_suffix}": value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


def load_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_CfnLoader)  # noqa: S506 — _CfnLoader is a yaml.SafeLoader subclass (only CloudFormation tags added)


@dataclass
class Route:
    method: str  # upper case, or ANY
    path: str  # e.g. /api/sensors/{sensor}/occupancy
    function: str  # logical id
    authorizer: str | None = None  # name in the HttpApi's Auth.Authorizers; None = open route

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    def pattern(self) -> re.Pattern[str]:
        regex = ""
        for part in re.split(r"(\{[^}]+\})", self.path):
            if part.startswith("{") and part.endswith("+}"):
                regex += f"(?P<{_group(part[1:-2])}>.+)"
            elif part.startswith("{"):
                regex += f"(?P<{_group(part[1:-1])}>[^/]+)"
            else:
                regex += re.escape(part)
        return re.compile(f"^{regex}$")


def _group(name: str) -> str:
    return re.sub(r"\W", "_", name)


@dataclass
class Schedule:
    function: str
    expression: str
    input: dict[str, Any] | None = None

    def period_seconds(self) -> float | None:
        """Seconds between runs for `rate(...)`; cron expressions run hourly locally."""
        match = re.fullmatch(r"rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)", self.expression.strip())
        if not match:
            return 3600.0
        unit = match.group(2).rstrip("s")
        return int(match.group(1)) * {"minute": 60, "hour": 3600, "day": 86400}[unit]


@dataclass
class Function:
    logical_id: str
    name: str
    code_dir: Path
    handler: str  # module.function
    environment: dict[str, str]
    timeout: int
    memory: int
    routes: list[Route] = field(default_factory=list)
    # Directories of its layers' content, as Lambda would mount them on /opt (ContentUri).
    layers: list[Path] = field(default_factory=list)
    reserved_concurrency: int | None = None

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.name}"


@dataclass
class Authorizer:
    """An HttpApi Lambda authorizer as API Gateway runs it."""

    name: str
    function: str  # logical id of the authorizer function
    identity_sources: list[str]  # e.g. ["$request.header.Authorization", "$context.routeKey"]
    ttl_seconds: int  # 0 = no caching
    payload_version: str = "2.0"
    simple_responses: bool = True


@dataclass
class HttpApiAuth:
    default_authorizer: str | None
    authorizers: dict[str, Authorizer]


@dataclass
class Table:
    logical_id: str
    name: str
    properties: dict[str, Any]


@dataclass
class Bucket:
    logical_id: str
    name: str


@dataclass
class Secret:
    """An AWS::SecretsManager::Secret: the local stack generates its value as CloudFormation would."""

    logical_id: str
    name: str
    arn: str  # what `!Ref` gives; a partial ARN (no random suffix), which Secrets Manager accepts
    properties: dict[str, Any]


@dataclass
class Queue:
    """An SQS queue; `properties` resolved (a RedrivePolicy names its DLQ by ARN)."""

    logical_id: str
    name: str
    properties: dict[str, Any]

    @property
    def arn(self) -> str:
        return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{self.name}"


@dataclass
class EventSource:
    """A function's DynamoDB stream or SQS event source mapping, as Lambda's poller runs it."""

    function: str  # logical id
    kind: str  # "DynamoDB" or "SQS"
    source: str  # logical id of the table (its stream) or of the queue
    batch_size: int
    report_item_failures: bool  # FunctionResponseTypes: [ReportBatchItemFailures]
    max_retries: int = -1  # streams: MaximumRetryAttempts (-1: until the record expires)
    on_failure_queue: str | None = None  # streams: DestinationConfig.OnFailure (queue logical id)
    filters: list[dict[str, Any]] = field(default_factory=list)  # FilterCriteria patterns (parsed)


@dataclass
class StateMachine:
    logical_id: str
    name: str
    definition: dict[str, Any] | str
    role_arn: str


@dataclass
class Cors:
    """An HttpApi's `CorsConfiguration`: API Gateway answers preflights from it and adds its
    headers to every response whose `Origin` it allows."""

    allow_origins: list[str] = field(default_factory=list)
    allow_methods: list[str] = field(default_factory=list)
    allow_headers: list[str] = field(default_factory=list)
    expose_headers: list[str] = field(default_factory=list)
    max_age: int | None = None
    allow_credentials: bool = False

    @classmethod
    def from_template(cls, config: Any) -> Cors | None:
        if config is True:  # SAM: `CorsConfiguration: true` allows every origin, nothing else
            return cls(allow_origins=["*"])
        if not isinstance(config, dict):
            return None

        def strings(key: str) -> list[str]:
            value = config.get(key) or []
            return [str(v) for v in (value if isinstance(value, list) else [value])]

        max_age = config.get("MaxAge")
        return cls(
            allow_origins=strings("AllowOrigins"),
            allow_methods=[m.upper() for m in strings("AllowMethods")],
            allow_headers=[h.lower() for h in strings("AllowHeaders")],
            expose_headers=[h.lower() for h in strings("ExposeHeaders")],
            max_age=None if max_age in (None, "") else int(max_age),
            allow_credentials=str(config.get("AllowCredentials", False)).lower() == "true",
        )


@dataclass
class Stack:
    root: Path
    functions: dict[str, Function]
    tables: dict[str, Table]
    buckets: dict[str, Bucket]
    state_machines: dict[str, StateMachine]
    schedules: list[Schedule]
    routes: list[Route]
    cors: Cors | None = None  # the HttpApi's CorsConfiguration (one HTTP API per template)
    authorizers: dict[str, Authorizer] = field(default_factory=dict)
    throttle: ThrottleLimits | None = None  # the HttpApi's DefaultRouteSettings, if it sets both limits
    secrets: dict[str, Secret] = field(default_factory=dict)
    queues: dict[str, Queue] = field(default_factory=dict)
    event_sources: list[EventSource] = field(default_factory=list)
    topics: dict[str, str] = field(default_factory=dict)  # SNS topics: logical id → name

    def function_by_name(self, name_or_arn: str) -> Function | None:
        name = name_or_arn.rsplit(":function:", 1)[-1].split(":")[0]
        return next((f for f in self.functions.values() if name in (f.name, f.logical_id)), None)


def secret_arn(name: str) -> str:
    return f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}"


def physical_name(logical_id: str, kind: str) -> str:
    if kind == "AWS::S3::Bucket":  # bucket names: lower case, no underscores
        return f"{STACK}-{logical_id}".lower()
    return f"{STACK}-{logical_id}"


class _Resolver:
    def __init__(self, template: dict[str, Any], overrides: Mapping[str, str] | None = None) -> None:
        self.resources: dict[str, Any] = template.get("Resources", {})
        self.parameters = {
            name: str(spec.get("Default", "")) for name, spec in (template.get("Parameters") or {}).items()
        }
        unknown = sorted(set(overrides or {}) - set(self.parameters))
        if unknown:
            raise ValueError(
                f"no such template parameter: {', '.join(unknown)} (known: {', '.join(self.parameters)})"
            )
        self.parameters.update({name: str(value) for name, value in (overrides or {}).items()})

    def ref(self, name: str) -> str:
        pseudo = {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT,
            "AWS::StackName": STACK,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.resources:
            kind = self.resources[name]["Type"]
            physical = physical_name(name, kind)
            if kind == "AWS::SQS::Queue":  # Ref of a queue is its URL
                return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{physical}"
            if kind == "AWS::SNS::Topic":  # Ref of a topic is its ARN
                return f"arn:aws:sns:{REGION}:{ACCOUNT}:{physical}"
            if kind in ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine"):
                return f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{physical}"
            if kind == "AWS::SecretsManager::Secret":
                return secret_arn(physical)
            return physical
        function, dot, attribute = name.partition(".")
        if dot and attribute in ("Alias", "Version") and function in self.resources:
            # SAM's `!Ref Fn.Alias` (AutoPublishAlias, here for SnapStart): locally a function has
            # one version, so its alias is the function itself.
            return self.get_att(function, "Arn")
        raise KeyError(f"!Ref to unknown name {name!r}")

    def get_att(self, name: str, attribute: str) -> str:
        kind = self.resources[name]["Type"]
        physical = physical_name(name, kind)
        if attribute == "Arn":
            service = {
                "AWS::DynamoDB::Table": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{physical}",
                "AWS::S3::Bucket": f"arn:aws:s3:::{physical}",
                "AWS::Serverless::Function": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{physical}",
                "AWS::IAM::Role": f"arn:aws:iam::{ACCOUNT}:role/{physical}",
                "AWS::SQS::Queue": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{physical}",
            }
            if kind in service:
                return service[kind]
        if attribute in ("Name", "QueueName", "TopicName"):
            return physical
        if attribute == "StreamArn":  # the label moto gives a stream is known only once it exists
            return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{physical}/stream/*"
        return f"{physical}.{attribute}"

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if set(value) == {"Ref"}:
            return self.ref(value["Ref"])
        if set(value) == {"Fn::GetAtt"}:
            name, attribute = value["Fn::GetAtt"]
            return self.get_att(name, attribute)
        if set(value) == {"Fn::Sub"}:
            return self.sub(value["Fn::Sub"])
        if set(value) == {"Fn::Split"}:
            separator, text = value["Fn::Split"]
            return str(self.resolve(text)).split(separator)
        if set(value) == {"Fn::Select"}:
            index, items = value["Fn::Select"]
            return self.resolve(items)[int(index)]
        if set(value) == {"Fn::Join"}:
            separator, parts = value["Fn::Join"]
            return separator.join(str(self.resolve(p)) for p in parts)
        return {k: self.resolve(v) for k, v in value.items()}

    def sub(self, spec: str | list[Any]) -> str:
        text, variables = (spec, {}) if isinstance(spec, str) else (spec[0], spec[1])

        def replace(match: re.Match[str]) -> str:
            token = match.group(1)
            if token in variables:
                return str(self.resolve(variables[token]))
            if "." in token and not token.startswith("AWS::"):
                name, attribute = token.split(".", 1)
                return self.get_att(name, attribute)
            return self.ref(token)

        return re.sub(r"\$\{([^}!]+)\}", replace, text)


def _merge_env(globals_env: dict[str, Any], own_env: dict[str, Any], resolver: _Resolver) -> dict[str, str]:
    merged = {**globals_env, **own_env}
    return {key: str(resolver.resolve(value)) for key, value in merged.items()}


def load_stack(template_path: Path, parameters: Mapping[str, str] | None = None) -> Stack:
    template_path = template_path.resolve()
    root = template_path.parent
    template = load_yaml(template_path)
    resolver = _Resolver(template, parameters)
    function_globals = (template.get("Globals") or {}).get("Function", {})
    globals_env = (function_globals.get("Environment") or {}).get("Variables", {})

    functions: dict[str, Function] = {}
    tables: dict[str, Table] = {}
    buckets: dict[str, Bucket] = {}
    secrets: dict[str, Secret] = {}
    machines: dict[str, StateMachine] = {}
    schedules: list[Schedule] = []
    routes: list[Route] = []
    queues: dict[str, Queue] = {}
    event_sources: list[EventSource] = []
    topics: dict[str, str] = {}
    collected: dict[type, list[Any]] = {Route: routes, Schedule: schedules, EventSource: event_sources}
    cors: Cors | None = None
    throttle: ThrottleLimits | None = None
    http_api_globals = (template.get("Globals") or {}).get("HttpApi", {})

    apis = {
        logical_id: _http_api_auth(resource.get("Properties") or {}, resolver)
        for logical_id, resource in resolver.resources.items()
        if resource["Type"] == "AWS::Serverless::HttpApi"
    }
    authorizers = {name: a for api in apis.values() for name, a in api.authorizers.items()}
    for logical_id, resource in resolver.resources.items():
        kind = resource["Type"]
        props = resource.get("Properties") or {}
        name = physical_name(logical_id, kind)
        if kind == "AWS::Serverless::Function":
            env = _merge_env(globals_env, (props.get("Environment") or {}).get("Variables", {}), resolver)
            function = Function(
                logical_id=logical_id,
                name=name,
                code_dir=root / props["CodeUri"],
                handler=props.get("Handler", "app.handler"),
                environment=env,
                timeout=int(props.get("Timeout", function_globals.get("Timeout", 3))),
                memory=int(props.get("MemorySize", function_globals.get("MemorySize", 128))),
                layers=_layer_dirs(props.get("Layers", function_globals.get("Layers")), template, root),
                reserved_concurrency=_optional_int(props.get("ReservedConcurrentExecutions")),
            )
            for event in (props.get("Events") or {}).values():
                found = _function_event(logical_id, event, resolver, apis)
                if found is not None:
                    collected[type(found)].append(found)
            function.routes = [route for route in routes if route.function == logical_id]
            functions[logical_id] = function
        elif kind == "AWS::DynamoDB::Table":
            tables[logical_id] = Table(logical_id, name, resolver.resolve(props))
        elif kind == "AWS::S3::Bucket":
            buckets[logical_id] = Bucket(logical_id, name)
        elif kind == "AWS::SecretsManager::Secret":
            secrets[logical_id] = Secret(logical_id, name, secret_arn(name), resolver.resolve(props))
        elif kind == "AWS::SQS::Queue":
            queues[logical_id] = Queue(logical_id, name, resolver.resolve(props))
        elif kind == "AWS::SNS::Topic":
            topics[logical_id] = name
        elif kind == "AWS::Serverless::StateMachine":
            machines[logical_id] = _state_machine(logical_id, name, props, root, resolver)
        elif kind == "AWS::Serverless::HttpApi" and cors is None:
            config = props.get("CorsConfiguration", http_api_globals.get("CorsConfiguration"))
            cors = Cors.from_template(resolver.resolve(config))
            settings = props.get("DefaultRouteSettings", http_api_globals.get("DefaultRouteSettings"))
            throttle = _throttle_limits(resolver.resolve(settings or {}))
    return Stack(
        root,
        functions,
        tables,
        buckets,
        machines,
        schedules,
        routes,
        cors,
        authorizers,
        throttle,
        secrets=secrets,
        queues=queues,
        event_sources=event_sources,
        topics=topics,
    )


def _function_event(
    logical_id: str, event: dict[str, Any], resolver: _Resolver, apis: dict[str, HttpApiAuth]
) -> Route | Schedule | EventSource | None:
    """What one of a function's `Events` is locally: a route, a schedule or an event source."""
    event_props = resolver.resolve(event.get("Properties") or {})
    if event["Type"] == "HttpApi":
        return Route(
            event_props.get("Method", "ANY").upper(),
            event_props["Path"],
            logical_id,
            _route_authorizer(event.get("Properties") or {}, apis),
        )
    if event["Type"] in ("Schedule", "ScheduleV2"):
        expression = event_props.get("Schedule") or event_props.get("ScheduleExpression")
        return Schedule(logical_id, expression, event_props.get("Input"))
    if event["Type"] in ("DynamoDB", "SQS"):
        return _event_source(logical_id, event["Type"], event.get("Properties") or {})
    return None


def _get_att_target(value: Any) -> str:
    """The logical id named by `!GetAtt X.Attr` (how a template names a stream or a queue)."""
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return str(value["Fn::GetAtt"][0])
    raise ValueError(f"expected !GetAtt <resource>.<attribute>, got {value!r}")


def _event_source(function: str, kind: str, props: dict[str, Any]) -> EventSource:
    import json

    source = _get_att_target(props["Stream"] if kind == "DynamoDB" else props["Queue"])
    on_failure = ((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
    filters = [json.loads(f["Pattern"]) for f in (props.get("FilterCriteria") or {}).get("Filters") or []]
    return EventSource(
        function=function,
        kind=kind,
        source=source,
        batch_size=int(props.get("BatchSize", 100 if kind == "DynamoDB" else 10)),
        report_item_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
        max_retries=int(props.get("MaximumRetryAttempts", -1)),
        on_failure_queue=_get_att_target(on_failure) if on_failure else None,
        filters=filters,
    )


def _throttle_limits(settings: dict[str, Any]) -> ThrottleLimits | None:
    rate, burst = settings.get("ThrottlingRateLimit"), settings.get("ThrottlingBurstLimit")
    if rate in (None, "") or burst in (None, ""):
        return None  # AWS would apply the account's limits: nothing a local stack can reach
    return ThrottleLimits(rate=float(rate), burst=int(float(burst)))


_IDENTITY_PREFIXES = {
    "Headers": "$request.header.",
    "QueryStrings": "$request.querystring.",
    "Context": "$context.",
    "StageVariables": "$stageVariables.",
}


def _http_api_auth(props: dict[str, Any], resolver: _Resolver) -> HttpApiAuth:
    auth = props.get("Auth") or {}
    authorizers: dict[str, Authorizer] = {}
    for name, spec in (auth.get("Authorizers") or {}).items():
        if "FunctionArn" not in spec:
            continue  # JWT authorizers are not emulated
        function_ref = spec["FunctionArn"]
        if isinstance(function_ref, dict) and "Fn::GetAtt" in function_ref:
            function = function_ref["Fn::GetAtt"][0]
        elif isinstance(function_ref, dict) and str(function_ref.get("Ref", "")).endswith(".Alias"):
            function = function_ref["Ref"].removesuffix(".Alias")  # SAM's `!Ref Fn.Alias`
        else:
            function = str(resolver.resolve(function_ref)).rsplit(":function:", 1)[-1]
        identity = spec.get("Identity") or {}
        sources = [
            prefix + str(resolver.resolve(item))
            for key, prefix in _IDENTITY_PREFIXES.items()
            for item in identity.get(key) or []
        ]
        authorizers[name] = Authorizer(
            name=name,
            function=function,
            identity_sources=sources or ["$request.header.Authorization"],
            ttl_seconds=int(resolver.resolve(identity.get("ReauthorizeEvery", 300))),
            payload_version=str(spec.get("AuthorizerPayloadFormatVersion", "2.0")),
            simple_responses=bool(spec.get("EnableSimpleResponses", False)),
        )
    default = auth.get("DefaultAuthorizer")
    return HttpApiAuth(default if default in authorizers else None, authorizers)


def _route_authorizer(event_props: dict[str, Any], apis: dict[str, HttpApiAuth]) -> str | None:
    """The authorizer of one HttpApi event: its own `Auth.Authorizer`, else its API's default.
    An event without `ApiId` belongs to SAM's implicit API, which has no authorizer here."""
    api_ref = event_props.get("ApiId")
    api_id = api_ref.get("Ref") if isinstance(api_ref, dict) else None
    api = apis.get(api_id or "")
    if api is None:
        return None
    named = (event_props.get("Auth") or {}).get("Authorizer")
    if named == "NONE":
        return None
    return named or api.default_authorizer


def _state_machine(
    logical_id: str, name: str, props: dict[str, Any], root: Path, resolver: _Resolver
) -> StateMachine:
    substitutions = {
        k: str(resolver.resolve(v)) for k, v in (props.get("DefinitionSubstitutions") or {}).items()
    }
    if "DefinitionUri" in props:
        text = (root / props["DefinitionUri"]).read_text(encoding="utf-8")
    else:
        import json

        text = json.dumps(props["Definition"])
    for key, value in substitutions.items():
        text = text.replace("${" + key + "}", value)
    return StateMachine(logical_id, name, text, f"arn:aws:iam::{ACCOUNT}:role/{name}-role")


def _layer_dirs(layers: list[Any] | None, template: dict[str, Any], root: Path) -> list[Path]:
    """The content directories of a function's layers declared in this template (`!Ref Layer`)."""
    resources = template.get("Resources") or {}
    dirs = []
    for layer in layers or []:
        name = layer.get("Ref") if isinstance(layer, dict) else None
        resource = resources.get(name) if name else None
        if resource and resource["Type"] in ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"):
            props = resource.get("Properties") or {}
            content = props.get("ContentUri") or props.get("Content")
            if isinstance(content, str):
                dirs.append(root / content)
    return dirs


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)
