"""GET /api/openapi.json and GET /api/docs — the whole API's OpenAPI document and Swagger UI.

Each function only knows its own routes, so the merged document is generated
from all of them (`make openapi`), committed in the layer, and served from here.
"""

from sitepulse.common import init_phase  # first: the collector stays off while the modules below load

# isort: split
from functools import cache
from importlib import resources

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.swagger_ui import generate_swagger_html

from sitepulse.common.http import create_app, lambda_entry

OPENAPI_DOCUMENT = resources.files("sitepulse").joinpath("openapi.json").read_text(encoding="utf-8")
app = create_app()


@app.get("/api/openapi.json", include_in_schema=False)
def openapi_document() -> Response[str]:
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=OPENAPI_DOCUMENT)


@cache
def swagger_page() -> str:
    """The Swagger UI page with its assets and the document inlined (≈ 1.5 MB): built on the
    container's first `/api/docs` request, not at init (the document route does not need it)."""
    assets = resources.files("aws_lambda_powertools.event_handler.openapi.swagger_ui")
    return generate_swagger_html(
        spec=OPENAPI_DOCUMENT.replace("</", "<\\/"),
        swagger_js=assets.joinpath("swagger-ui-bundle.min.js").read_text(encoding="utf-8"),
        swagger_css=assets.joinpath("swagger-ui.min.css").read_text(encoding="utf-8"),
        swagger_base_url="",
        oauth2_config=None,
        persist_authorization=False,
    )


@app.get("/api/docs", include_in_schema=False)
def swagger_ui() -> Response[str]:
    return Response(status_code=200, content_type="text/html", body=swagger_page())


handler = lambda_entry(app)
init_phase.end()
