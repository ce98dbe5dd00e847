"""The station's page: Starlette routes over the jobs of ``jobs.Runner``.

Every request is checked: its session (a random id in an HttpOnly, SameSite=Strict cookie,
given by the login page when the station has a token), its Host (a loopback server answers
loopback names only, against DNS rebinding), a form's CSRF token (an HMAC of the session),
and its size. A job belongs to its station: another station's job is "not found". No
response carries a server path or a traceback, and the log names jobs, never officers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from . import jobs as joblib
from .stations import Station, is_loopback, station_of_token
from .texts import Texts, choose_language, translation

LOG = logging.getLogger("cardkit.serve")
MAX_UPLOAD_BYTES = 64 * 1024 * 1024  # one request's body: the roster, its screenshots, a zip
SESSION_COOKIE = "cardkit_session"
LANG_COOKIE = "cardkit_lang"
SESSION_SECONDS = 12 * 3600
MAX_SESSIONS = 10_000  # the oldest go first
MAX_JOBS_PER_STATION = 30  # the least recently used idle job goes when a station has more
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
DEFAULT_GEN = "2022"


@dataclass
class Server:
    """What the app serves and knows: its stations, sessions and jobs."""

    stations: list[Station]
    runner: joblib.Runner
    host: str = "127.0.0.1"
    port: int = 8000
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    sessions: dict[str, tuple[str, float]] = field(default_factory=dict)  # id -> station, time
    max_upload: int = MAX_UPLOAD_BYTES
    translations: dict[str, Any] = field(default_factory=dict)

    def station(self, key: str) -> Station | None:
        return next((s for s in self.stations if s.key == key), None)

    @property
    def open_door(self) -> bool:
        """One station without a token: every local browser is its clerk."""
        return len(self.stations) == 1 and self.stations[0].token is None

    def csrf(self, session: str) -> str:
        return hmac.new(self.secret, b"csrf:" + session.encode(), hashlib.sha256).hexdigest()

    def texts(self, lang: str) -> Texts:
        if lang not in self.translations:
            self.translations[lang] = translation(lang)
        return Texts(self.translations[lang])


class TooLarge(Exception):
    pass


class Guard:
    """ASGI middleware: security headers, the Host check, the body cap."""

    def __init__(self, app, server: Server) -> None:
        self.app = app
        self.server = server

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if is_loopback(self.server.host) and not _loopback_host(headers.get("host", "")):
            await Response("unknown host", status_code=421, media_type="text/plain")(scope, receive, send)
            return
        if scope.get("method") == "POST" and not _same_origin(headers):  # login CSRF, too
            await Response("cross-site request", status_code=403, media_type="text/plain")(
                scope, receive, send)
            return
        length = headers.get("content-length", "0")
        if not length.isdigit() or int(length) > self.server.max_upload:
            scope["cardkit.too_big"] = True
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.server.max_upload:
                raise TooLarge()
            return message

        async def secured(message) -> None:
            if message["type"] == "http.response.start":
                extra = [(b"content-security-policy", CSP.encode()),
                         (b"x-content-type-options", b"nosniff"),
                         (b"referrer-policy", b"same-origin"),  # no-referrer would make Origin "null"
                         (b"x-frame-options", b"DENY"),
                         (b"cache-control", b"no-store")]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, counted, secured)


def _same_origin(headers: dict[str, str]) -> bool:
    """Whether a POST comes from the page itself: its Origin (sent by browsers) names the
    Host it is sent to; no Origin (a script, an old browser) relies on the CSRF token."""
    origin = headers.get("origin")
    if origin is None:
        return True
    return origin.partition("://")[2].rstrip("/") == headers.get("host", "")


def _loopback_host(host: str) -> bool:
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return is_loopback(name)


# --- requests --------------------------------------------------------------------------

@dataclass
class Visit:
    """One request as the pages see it: language, texts, session and station."""

    request: Request
    lang: str
    t: Texts
    session: str | None
    station: Station | None
    new_session: str | None = None  # to set as the cookie

    @property
    def csrf(self) -> str:
        return self.server.csrf(self.session or "")

    @property
    def server(self) -> Server:
        return self.request.app.state.server


def visit(request: Request) -> Visit:
    server: Server = request.app.state.server
    lang = choose_language(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language", ""))
    session = request.cookies.get(SESSION_COOKIE)
    known = server.sessions.get(session or "")
    station = None
    if known and time.time() - known[1] < SESSION_SECONDS:
        station = server.station(known[0])
    else:
        session = None
    result = Visit(request, lang, server.texts(lang), session, station)
    if station is None and server.open_door:
        result.session = result.new_session = _new_session(server, server.stations[0])
        result.station = server.stations[0]
    return result


def _new_session(server: Server, station: Station) -> str:
    now = time.time()
    for old in [k for k, (_s, t) in server.sessions.items() if now - t > SESSION_SECONDS]:
        del server.sessions[old]
    while len(server.sessions) >= MAX_SESSIONS:  # dicts keep their order: the oldest first
        del server.sessions[next(iter(server.sessions))]
    session = secrets.token_urlsafe(32)
    server.sessions[session] = (station.key, now)
    return session


def page(v: Visit, name: str, status: int = 200, **context: Any) -> Response:
    env: Environment = v.request.app.state.templates
    html = env.get_template(name).render(t=v.t, lang=v.lang, csrf=v.csrf if v.session else "",
                                         station=v.station, path=v.request.url.path,
                                         max_mib=v.server.max_upload // 2**20, **context)
    return finish(v, HTMLResponse(html, status_code=status))


def finish(v: Visit, response: Response) -> Response:
    if v.new_session:
        response.set_cookie(SESSION_COOKIE, v.new_session, httponly=True, samesite="strict",
                            max_age=SESSION_SECONDS, path="/")
    return response


def message(v: Visit, text: str, status: int) -> Response:
    return page(v, "message.html", status=status, text=text)


async def checked_form(v: Visit):
    """The request's form, after its CSRF token and the body cap are checked."""
    if v.request.scope.get("cardkit.too_big"):
        raise HTTPException(413)
    try:
        form = await v.request.form(max_files=joblib_max_files(), max_fields=200,
                                    max_part_size=1024 * 1024)
    except TooLarge:
        raise HTTPException(413) from None
    except Exception:  # noqa: BLE001 (python-multipart's errors: a malformed body)
        raise HTTPException(400) from None
    if v.session is None or not hmac.compare_digest(str(form.get("csrf", "")), v.csrf):
        raise HTTPException(403)
    return form


def joblib_max_files() -> int:
    from .uploads import MAX_FILES

    return MAX_FILES


def need_station(v: Visit) -> Station:
    if v.station is None:
        raise HTTPException(401)
    return v.station


# --- pages -----------------------------------------------------------------------------

async def home(request: Request) -> Response:
    v = visit(request)
    if v.station is None:
        return RedirectResponse("/login", status_code=303)
    runner = v.server.runner
    own = [j for j in runner.jobs.values() if j.station == v.station.key]
    return page(v, "index.html", jobs=sorted(own, key=lambda j: -j.used))


async def login(request: Request) -> Response:
    v = visit(request)
    if request.method == "GET":
        return page(v, "login.html", failed=False)
    if v.request.scope.get("cardkit.too_big"):
        raise HTTPException(413)
    try:
        form = await request.form(max_files=0, max_fields=5, max_part_size=4096)
    except Exception:  # noqa: BLE001
        raise HTTPException(400) from None
    station = station_of_token(v.server.stations, str(form.get("token", "")))
    if station is None:
        LOG.info("login refused")
        return page(v, "login.html", status=403, failed=True)
    LOG.info("login to a station")
    v.new_session = _new_session(v.server, station)
    return finish(v, RedirectResponse("/", status_code=303))


async def logout(request: Request) -> Response:
    v = visit(request)
    await checked_form(v)
    v.server.sessions.pop(v.session or "", None)
    response = RedirectResponse("/login" if not v.server.open_door else "/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def language(request: Request) -> Response:
    lang = request.query_params.get("to", "")
    target = request.query_params.get("next", "/")
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = "/"
    response = RedirectResponse(target, status_code=303)
    if lang in ("en", "zh"):
        response.set_cookie(LANG_COOKIE, lang, httponly=True, samesite="strict",
                            max_age=365 * 86400, path="/")
    return response


async def upload(request: Request) -> Response:
    from .uploads import UploadRefused, save

    v = visit(request)
    station = need_station(v)
    form = await checked_form(v)
    files = []
    for item in form.getlist("files"):
        if isinstance(item, UploadFile) and item.filename:
            files.append((item.filename, await item.read()))
    runner = v.server.runner
    own = sorted((j for j in runner.jobs.values() if j.station == station.key and j.state != "running"),
                 key=lambda j: j.used)
    for old in own[:max(0, len(own) + 1 - MAX_JOBS_PER_STATION)]:
        runner.delete(old)
    job = runner.new_job(station.key, roster="", gen=_default_gen(v), lang=v.lang)
    try:
        saved = save(job.folder, files)
    except UploadRefused as exc:
        runner.delete(job)
        return message(v, exc.text(v.t.gettext), 400)
    job.roster = saved.roster
    LOG.info("job %s: %d files uploaded", job.id, saved.files)
    runner.start(job, "analyse", {"station": str(station.folder)})
    return finish(v, RedirectResponse(f"/job/{job.id}", status_code=303))


def _default_gen(v: Visit) -> str:
    gens = _generations(v.station)
    return DEFAULT_GEN if DEFAULT_GEN in gens else (gens[0] if gens else DEFAULT_GEN)


def _generations(station: Station | None) -> list[str]:
    from ..design import generations
    from ..project import Project

    if station is None:
        return []
    try:
        found = generations.available(Project(root=station.folder))
    except Exception:  # noqa: BLE001 (a station's broken folder: the built-ins only)
        return _builtin_generations()
    return sorted(found)


def _builtin_generations() -> list[str]:
    """The package's own generations: those the designs' pictures show."""
    from ..design import generations
    from ..project import Project

    return sorted(generations.available(Project(root=Path("/nonexistent"))))


def get_job(v: Visit, job_id: str) -> joblib.Job:
    station = need_station(v)
    job = v.server.runner.get(job_id, station.key)
    if job is None:
        raise HTTPException(404)
    return job


async def job_page(request: Request) -> Response:
    from .results import KINDS, problem_rows

    v = visit(request)
    if v.station is None:
        return RedirectResponse("/login", status_code=303)
    job = get_job(v, request.path_params["job"])
    runner = v.server.runner
    runner.want_thumbnails()
    if job.lang != v.lang and job.state == "done" and job.analysis:
        job.lang = v.lang  # the problems are said in the language of the page: said again
        runner.start(job, "analyse", {"station": str(v.station.folder)})
    analysis = job.analysis or {}
    rows = problem_rows(analysis.get("problems", []), analysis.get("names", {}))
    officers = analysis.get("officers") or []
    changed = analysis.get("changed")
    failure = None
    if job.state in ("failed",) and job.last:
        failure = _failure(v, job.last)
    return page(v, "job.html", job=job, rows=rows, officers=officers, changed=changed,
                ok=analysis.get("ok", False), place=runner.place(job), failure=failure,
                gens=_generations(v.station), thumbs=runner.thumbs_state,
                pictured=_builtin_generations(),
                kinds=list(KINDS), printed=job.printed, roster=job.roster)


def _failure(v: Visit, result: dict[str, Any]) -> dict[str, Any]:
    from .results import problem_rows

    if result.get("timeout"):
        return {"text": v.t.timeout, "rows": []}
    if result.get("crashed"):
        return {"text": v.t.crashed, "rows": []}
    return {"text": result.get("message", ""), "rows": problem_rows(result.get("problems", []), {})}


async def job_state(request: Request) -> Response:
    v = visit(request)
    job = get_job(v, request.path_params["job"])
    done, total = job.progress
    return JSONResponse({"state": job.state, "version": job.version, "place": v.server.runner.place(job),
                         "done": done, "total": total,
                         "thumbs": v.server.runner.thumbs_state})


async def job_action(request: Request) -> Response:
    from .results import KINDS

    v = visit(request)
    job = get_job(v, request.path_params["job"])
    form = await checked_form(v)
    action = request.path_params["action"]
    runner = v.server.runner
    station = need_station(v)
    if action == "cancel":
        runner.stop(job)
    elif action == "done":
        runner.delete(job)
        return finish(v, RedirectResponse("/", status_code=303))
    elif action == "gen":
        gen = str(form.get("gen", ""))
        if gen not in _generations(station):
            raise HTTPException(400)
        job.gen, job.lang = gen, v.lang
        job.printed.clear()
        runner.start(job, "analyse", {"station": str(station.folder)})
    elif action == "print":
        kind = str(form.get("kind", ""))
        if kind not in KINDS or not (job.analysis or {}).get("ok"):
            raise HTTPException(400)
        known = {o["id"] for o in (job.analysis or {}).get("officers", [])}
        ticked = [str(o) for o in form.getlist("officer") if str(o) in known]
        officers = [] if len(ticked) == len(known) else ticked
        if not ticked:
            raise HTTPException(400)
        job.lang = v.lang
        runner.start(job, "print", {"station": str(station.folder), "kind": kind,
                                    "officers": officers})
    else:
        raise HTTPException(404)
    return finish(v, RedirectResponse(f"/job/{job.id}", status_code=303))


async def job_file(request: Request) -> Response:
    from .results import KINDS

    v = visit(request)
    job = get_job(v, request.path_params["job"])
    what = request.path_params["what"]
    if what.startswith("preview-"):
        number = what[len("preview-"):-len(".png")] if what.endswith(".png") else ""
        path = job.folder / "preview" / f"{number}.png"
        if not number.isdigit() or not path.is_file() or job.analysis is None:
            raise HTTPException(404)
        return FileResponse(path, media_type="image/png")
    kind, _sep, part = what.partition(".")
    if kind not in job.printed or part not in ("pdf", "json") or job.state == "running":
        raise HTTPException(404)
    name = KINDS[kind][0] if part == "pdf" else KINDS[kind][1]
    stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in Path(job.roster).stem)
    download = f"cards-{job.gen}-{stem}-{kind}.{part}" if part == "pdf" \
        else f"ledger-{job.gen}-{stem}-{kind}.json"
    return FileResponse(job.folder / name, filename=download,
                        media_type="application/pdf" if part == "pdf" else "application/json")


async def thumbnail(request: Request) -> Response:
    v = visit(request)
    need_station(v)
    name = request.path_params["name"]
    runner = v.server.runner
    gen, _sep, side = name.removesuffix(".png").rpartition("-")
    path = runner.thumbs / f"{gen}-{side}.png"
    if side not in ("front", "back") or "/" in gen or not name.endswith(".png") or not path.is_file():
        raise HTTPException(404)
    return FileResponse(path, media_type="image/png")


async def settings(request: Request) -> Response:
    from . import unitform

    v = visit(request)
    if v.station is None:
        return RedirectResponse("/login", status_code=303)
    station = v.station
    if request.method == "GET":
        return page(v, "settings.html", form=unitform.read(station.folder), saved=None,
                    **_drawing_context(station))
    form = await checked_form(v)
    values = {k: str(form.get(k, "")) for k in unitform.TEXT_FIELDS}
    web = [(str(form.get(f"web_label_{i}", "")), str(form.get(f"web_url_{i}", "")))
           for i in range(12)]
    drawing = form.get("mascot_image")
    upload = None
    if isinstance(drawing, UploadFile) and drawing.filename:  # read no more than the cap + 1
        upload = (drawing.filename, await drawing.read(unitform.MAX_DRAWING_BYTES + 1))
    none = form.get("mascot_none") == "1"
    result = await v.server.runner.call("unit", {
        "station": str(station.folder), "lang": v.lang, "values": values,
        "web": unitform.from_request(values, web).web, "upload": upload, "none": none,
        "save": True})
    shown = unitform.with_current_drawing(station.folder,
                                          unitform.from_request(values, web, none=none))
    shown.problems = result.get("problems") or {}
    if not result.get("ok") and not shown.problems:
        shown.problems = {"name": [result.get("message") or v.t.internal]}
    LOG.info("unit settings %s", "saved" if result.get("ok") else "refused")
    return page(v, "settings.html", status=200 if result.get("ok") else 400, form=shown,
                saved=bool(result.get("ok")), **_drawing_context(station))


def _drawing_context(station: Station) -> dict[str, Any]:
    """The mascot field's cap, and a version of its preview's address that changes with the
    drawing (a new upload shows, though the address stays)."""
    from . import unitform

    path = unitform.drawing_file(station.folder)
    stat = path.stat() if path else None
    return {"drawing_mib": unitform.MAX_DRAWING_BYTES // 2**20, "drawing": path is not None,
            "drawing_rgb": path is not None and unitform.rgb_only(station.folder, path),
            "version": f"{stat.st_mtime_ns:x}{stat.st_size:x}" if stat else "0"}


async def mascot_drawing(request: Request) -> Response:
    """The station's mascot drawing, for the form's preview (as its own sandboxed document)."""
    from . import unitform

    v = visit(request)
    station = need_station(v)
    path = unitform.drawing_file(station.folder)
    if path is None:
        raise HTTPException(404)
    return FileResponse(path, media_type=unitform.MIME[path.suffix.lower()],
                        headers={"content-security-policy": "default-src 'none'; "
                                 "style-src 'unsafe-inline'; sandbox"})


# --- errors ----------------------------------------------------------------------------

async def http_error(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 500)
    v = visit(request)
    if status == 401:
        return RedirectResponse("/login", status_code=303) if request.method == "GET" else \
            message(v, v.t.login_help, 401)
    text = {404: v.t.not_found, 413: v.t.format("too_big", mib=v.server.max_upload // 2**20),
            403: v.t.csrf}.get(status, v.t.bad_request)
    if request.url.path.endswith("/state"):
        return JSONResponse({"error": text}, status_code=status)
    return message(v, text, status)


async def server_error(request: Request, exc: Exception) -> Response:
    LOG.error("internal error: %s", type(exc).__name__)  # no value: it may hold personal data
    v = visit(request)
    return message(v, v.t.internal, 500)


def create_app(server: Server) -> Starlette:
    """The page's ASGI application, wrapped in ``Guard``."""
    templates = Environment(loader=PackageLoader("cardkit.serve", "templates"),
                            autoescape=select_autoescape(default=True), trim_blocks=True,
                            lstrip_blocks=True)
    templates.filters["tojson_attr"] = lambda value: json.dumps(value, ensure_ascii=False)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        task = None
        import asyncio

        async def sweep() -> None:
            while True:
                await asyncio.sleep(60)
                server.runner.sweep_idle()
        task = asyncio.get_running_loop().create_task(sweep())
        warm = asyncio.get_running_loop().create_task(server.runner.warm_up())
        try:
            yield
        finally:
            task.cancel()
            warm.cancel()
            await server.runner.shutdown()

    routes = [
        Route("/", home),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/lang", language),
        Route("/upload", upload, methods=["POST"]),
        Route("/settings", settings, methods=["GET", "POST"]),
        Route("/settings/mascot", mascot_drawing),
        Route("/job/{job}", job_page),
        Route("/job/{job}/state", job_state),
        Route("/job/{job}/file/{what}", job_file),
        Route("/job/{job}/{action}", job_action, methods=["POST"]),
        Route("/thumbs/{name}", thumbnail),
        Mount("/static", StaticFiles(packages=[("cardkit.serve", "static")]), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={HTTPException: http_error, 500: server_error})
    app.state.server = server
    app.state.templates = templates
    return Guard(app, server)  # type: ignore[return-value]
