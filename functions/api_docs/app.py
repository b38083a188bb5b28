"""GET /api/openapi.json and GET /api/docs — the whole API's OpenAPI document and Swagger UI.

Each function only knows its own routes, so the merged document is generated
from all of them (`make openapi`), committed in the layer, and served from here.
"""

from sitepulse.common import init_phase  # first: the collector stays off while the modules below load

# isort: split
from importlib import resources

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.swagger_ui import generate_swagger_html

from sitepulse.common.http import create_app, lambda_entry

OPENAPI_DOCUMENT = resources.files("sitepulse").joinpath("openapi.json").read_text(encoding="utf-8")
app = create_app()


@app.get("/api/openapi.json", include_in_schema=False)
def openapi_document() -> Response[str]:
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=OPENAPI_DOCUMENT)


@app.get("/api/docs", include_in_schema=False)
def swagger_ui() -> Response[str]:
    assets = resources.files("aws_lambda_powertools.event_handler.openapi.swagger_ui")
    html = generate_swagger_html(
        spec=OPENAPI_DOCUMENT.replace("</", "<\\/"),
        swagger_js=assets.joinpath("swagger-ui-bundle.min.js").read_text(encoding="utf-8"),
        swagger_css=assets.joinpath("swagger-ui.min.css").read_text(encoding="utf-8"),
        swagger_base_url="",
        oauth2_config=None,
        persist_authorization=False,
    )
    return Response(status_code=200, content_type="text/html", body=html)


handler = lambda_entry(app)
init_phase.end()
