"""The report app: a Starlette server rendering Jinja2 templates (autoescaped), run by uvicorn.

Pages are plain server-rendered HTML that works without JavaScript; the batch page polls
a JSON endpoint to show progress. Every response carries a Content-Security-Policy that
allows only this app's own script and styles, on top of the escaping, and only requests
for one of the app's own host names are answered (``guard``).
"""

from __future__ import annotations

import contextlib
import errno
import secrets
from pathlib import Path
from urllib.parse import parse_qs

from agentplat.extend import redact
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..config import MAX_TOPIC_LENGTH
from ..formats import FILES, render_markdown
from .batches import Batches
from .guard import HostCheck, HostPolicy, SecurityHeaders
from .library import list_reports, load_report, read_reports, safe_folder

HERE = Path(__file__).parent
MAX_TOPICS = 20
MEDIA_TYPES = {
    "report.md": "text/markdown; charset=utf-8",
    "report.html": "text/html; charset=utf-8",
    "summary.txt": "text/plain; charset=utf-8",
    "critiques.json": "application/json",
}


class ReportApp(Starlette):
    """Starlette with the guard around everything, its error handling included."""

    def __init__(self, *, hosts: HostPolicy, **kwargs):
        self.hosts = hosts
        super().__init__(**kwargs)

    def build_middleware_stack(self):
        return SecurityHeaders(HostCheck(super().build_middleware_stack(), self.hosts))


def _templates() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True, trim_blocks=True,
                      lstrip_blocks=True)
    env.filters["markdown"] = lambda text: Markup(render_markdown(text or ""))  # raw HTML disabled
    return env


def create_app(reports: Path, *, model: str | None = None, python: str | None = None,
               host: str | None = None, allowed_hosts: list[str] | tuple[str, ...] = ()) -> Starlette:
    """The app for the reports in ``reports``; batches started from it write there too.
    ``host`` is the address it is bound to; it answers to that, loopback names and
    ``allowed_hosts`` (and ``$AGENTPLAT_REPORT_ALLOWED_HOSTS``)."""
    templates = _templates()
    batches = Batches(reports, model=model, **({"python": python} if python else {}))
    token = secrets.token_urlsafe(24)  # a form from another site cannot know it

    def page(name: str, status: int = 200, **context) -> HTMLResponse:
        html = templates.get_template(name).render(reports_dir=str(reports), **context)
        return HTMLResponse(redact(html), status_code=status)  # what the app shows passes the masking door

    def index_page(request: Request, status: int = 200, error: str | None = None, form=None) -> HTMLResponse:
        rows, problem = read_reports(reports)
        return page("index.html", status, reports=rows, index_problem=problem, batches=[
            batches.status(b) | {"topics_text": ", ".join(b.topics)} for b in batches.recent()[:5]
        ], token=token, error=error, form=form or {"topics": "", "max_iterations": 3, "threshold": 8})

    async def home(request: Request) -> Response:
        return index_page(request)

    async def show_report(request: Request) -> Response:
        report = load_report(reports, request.path_params["folder"])
        if report is None:
            return page("missing.html", 404, what="report")
        return page("report.html", report=report)

    async def download(request: Request) -> Response:
        name = request.path_params["name"]
        folder = safe_folder(reports, request.path_params["folder"])
        if folder is None or name not in FILES or not (folder / name).is_file():
            return page("missing.html", 404, what="file")
        return FileResponse(folder / name, media_type=MEDIA_TYPES[name], filename=f"{folder.name}-{name}")

    async def start_batch(request: Request) -> Response:
        form = {k: v[-1] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
        if not secrets.compare_digest(form.get("token", ""), token):
            return page("missing.html", 403, what="form (reload the page and try again)")
        topics = list(dict.fromkeys(redact(" ".join(t.split()))  # as the batch will know them: masked
                                    for t in form.get("topics", "").splitlines() if t.strip()))
        try:
            max_iterations = int(form.get("max_iterations", 3))
            threshold = int(form.get("threshold", 8))
        except ValueError:
            return index_page(request, 400, "Iterations and threshold must be whole numbers.", form)
        problem = None
        if not topics:
            problem = "Enter at least one topic, one per line."
        elif len(topics) > MAX_TOPICS:
            problem = f"At most {MAX_TOPICS} topics per batch."
        elif any(len(t) > MAX_TOPIC_LENGTH for t in topics):
            problem = f"A topic is longer than {MAX_TOPIC_LENGTH} characters."
        elif not 1 <= max_iterations <= 20 or not 1 <= threshold <= 10:
            problem = "Iterations must be 1-20 and the threshold 1-10."
        if problem:
            return index_page(request, 400, problem, form)
        batch = await batches.start(topics, max_iterations=max_iterations, threshold=threshold)
        return RedirectResponse(f"/batches/{batch.id}", status_code=303)

    async def show_batch(request: Request) -> Response:
        batch = batches.get(request.path_params["batch"])
        if batch is None:
            return page("missing.html", 404, what="batch")
        return page("batch.html", batch=batches.status(batch))

    async def batch_json(request: Request) -> Response:
        batch = batches.get(request.path_params["batch"])
        if batch is None:
            return JSONResponse({"error": "unknown batch"}, status_code=404)
        return JSONResponse(redact(batches.status(batch)))

    async def reports_json(request: Request) -> Response:
        return JSONResponse(redact({"reports": list_reports(reports)}))

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        await batches.close()

    return ReportApp(
        hosts=HostPolicy.from_env(host, allowed_hosts),
        routes=[
            Route("/", home),
            Route("/reports/{folder}", show_report),
            Route("/reports/{folder}/files/{name}", download),
            Route("/batches", start_batch, methods=["POST"]),
            Route("/batches/{batch}", show_batch),
            Route("/api/batches/{batch}", batch_json),
            Route("/api/reports", reports_json),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ],
        lifespan=lifespan,
    )


def listening_socket(host: str, port: int):
    """The server's socket, bound before anything is printed: a busy port or an unknown host
    is one clear error instead of a "Serving" line followed by uvicorn's log and exit 3."""
    import socket

    from agentplat import AgentplatError

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as exc:
        raise AgentplatError(f"cannot serve on {host}:{port}: {exc.strerror}") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        hint = " (another program is using it; choose another with --port)" if exc.errno == errno.EADDRINUSE else ""
        raise AgentplatError(f"cannot serve on {host}:{port}: {exc.strerror or exc}{hint}") from None
    return sock


def serve(reports: Path, *, host: str = "127.0.0.1", port: int = 8000, model: str | None = None,
          allowed_hosts: list[str] | tuple[str, ...] = ()) -> None:
    import uvicorn

    reports.mkdir(parents=True, exist_ok=True)
    sock = listening_socket(host, port)
    port = sock.getsockname()[1]  # the one chosen, with --port 0
    print(f"Serving the reports in {reports} at http://{host}:{port}/ (Ctrl-C stops)", flush=True)
    app = create_app(reports, model=model, host=host, allowed_hosts=allowed_hosts)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    server.run(sockets=[sock])
