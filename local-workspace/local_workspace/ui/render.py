"""HTML responses from the templates: autoescaped Jinja2, with headers that forbid inline
scripts, framing and content sniffing."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from werkzeug.wrappers import Response

from local_workspace.ui import views

HERE = Path(__file__).parent
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class Renderer:
    def __init__(self):
        self.env = Environment(loader=FileSystemLoader(HERE / "templates"),
                               autoescape=select_autoescape(default=True, default_for_string=True))
        self.env.globals.update(state_word=views.state_word, state_class=views.state_class, duration=views.duration,
                                clock=views.clock, is_active=views.is_active, can_repair=views.can_repair)

    def page(self, template: str, csrf: str | None, status: int = 200, **values) -> Response:
        html = self.env.get_template(template).render(csrf=csrf, **values)
        return Response(html, status=status, mimetype="text/html", headers=HEADERS)

    def error(self, status: int, title: str, message: str, csrf: str | None = None, back: str = "/jobs") -> Response:
        return self.page("error.html", csrf, status=status, title=title, message=message, back=back)
