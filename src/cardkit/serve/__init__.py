"""``cardkit serve``: the station's web page (drop a roster, see its problems and cards,
download the office and shop PDFs), on Starlette and uvicorn (the ``cardkit[serve]`` extra).

``app`` holds the routes, ``jobs`` the job folders and worker processes, ``work`` what a
worker does (through ``cardkit.api``), ``uploads`` the files dropped, ``unitform`` the unit's
settings, ``stations`` the tokens, ``texts`` the page's words.
"""

from __future__ import annotations

import logging
import shutil
import threading
from pathlib import Path

from ..errors import UsageError
from ..i18n import _


def serve(project_dir: str | None = None, stations_dir: str | None = None, host: str = "127.0.0.1",
          port: int = 8000, open_browser: bool = False, token: str | None = None,
          workers: int | None = None, say=print) -> None:
    """Serve until Ctrl-C or SIGTERM (raised on as KeyboardInterrupt), leaving nothing behind."""
    try:
        import uvicorn

        from .app import Server, create_app
        from .jobs import Runner, server_root
    except ImportError as exc:
        raise UsageError(_("cardkit serve needs the serve extra: pip install 'cardkit[serve]' "
                           "({reason})").format(reason=exc)) from None
    stations = _stations(project_dir, stations_dir, token, host, say)
    root = server_root()
    try:
        import os

        runner = Runner(root, workers=workers or min(4, os.cpu_count() or 1))
        server = Server(stations=stations, runner=runner, host=host, port=port)
        logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")
        config = uvicorn.Config(create_app(server), host=host, port=port, lifespan="on",
                                log_level="info", server_header=False, date_header=False)
        address = f"http://{'[' + host + ']' if ':' in host else host}:{port}/"
        say(_("serving {what} on {address} (Ctrl-C stops)").format(
            what=", ".join(s.key for s in stations), address=address))
        if open_browser:
            import webbrowser

            threading.Timer(1.0, webbrowser.open, [address]).start()
        uvicorn.Server(config).run()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _stations(project_dir: str | None, stations_dir: str | None, token: str | None, host: str,
              say) -> list:
    from . import stations as st

    if stations_dir and project_dir:
        raise UsageError(_("--stations and --project are two ways to serve: give one"))
    if stations_dir:
        if token:
            raise UsageError(_("with --stations, each station's token is in its folder "
                               "(leave out --token)"))
        folder = Path(stations_dir)
        if not folder.is_dir():
            raise UsageError(_("{folder} is not a folder").format(folder=repr(stations_dir)))
        found, made = st.bureau(folder)
        if not found:
            raise UsageError(_("{folder} holds no station folder").format(folder=repr(stations_dir)))
        for name in made:
            say(_("station {name}: a new token was written to its folder ({file})").format(
                name=name, file=st.TOKEN_FILE))
        return found
    folder = Path(project_dir or ".")
    if not folder.is_dir():
        raise UsageError(_("{folder} is not a folder").format(folder=repr(str(folder))))
    if token == "auto":
        token = st.new_token()
        say(_("token: {token} (type it on the login page; it is not shown again)").format(token=token))
    elif token is not None and len(token) < 16:
        raise UsageError(_("--token: at least 16 characters (or --token auto)"))
    if token is None and not st.is_loopback(host):
        raise UsageError(_("--host {host} lets other machines in: give --token VALUE or --token auto, "
                           "or serve the loopback address (127.0.0.1)").format(host=host))
    return [st.one_station(folder, token)]


__all__ = ["serve"]
