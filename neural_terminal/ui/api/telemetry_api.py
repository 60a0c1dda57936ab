"""``GET /api/telemetry/<chart>.csv``: one chart of the telemetry page as CSV, for the viewer's
own replies only (hosted mode: each user's; local mode: everything), in the range and model
the page shows (``?range=7d&from=&to=&model=&at=``: ``at`` is the instant the page read its
figures at, so the file holds exactly what the chart shows)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from neural_terminal.bootstrap import services
from neural_terminal.chat.telemetry.charts import CHARTS, csv_text
from neural_terminal.chat.telemetry.ranges import parse_choice
from neural_terminal.domain.errors import NotSignedIn
from neural_terminal.domain.viewer import VIEWER_HEADER, Viewer


async def chart_csv(request: Request) -> Response:
    """One chart's data as CSV."""
    viewer = Viewer.from_header(request.headers.get(VIEWER_HEADER))
    if viewer is None:
        return JSONResponse({"error": NotSignedIn().user_message}, status_code=401)
    name = str(request.path_params["chart"])
    chart = CHARTS.get(name)
    if chart is None:
        return JSONResponse({"error": f"no chart {name!r}"}, status_code=404)
    params = request.query_params
    choice = parse_choice(
        params.get("range", ""),
        params.get("from", ""),
        params.get("to", ""),
        params.get("model", ""),
        params.get("at", ""),  # the instant the page read its figures at
    )
    view = await services().telemetry.view(viewer, choice)
    return Response(
        csv_text(chart(view)),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="telemetry-{name}.csv"',
            "Cache-Control": "no-store",
        },
    )


routes = [Route("/api/telemetry/{chart:str}.csv", chart_csv, methods=["GET"])]
