"""Cross-cutting parts of the dashboard: sign-in and sign-out, the interface
language, template helpers, security headers, CSRF checks and error pages."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel.numbers import format_currency, format_decimal
from flask import (
    Response,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from markupsafe import Markup
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from integration import messages
from integration.auth import is_admin
from integration.csv_export import iter_csv
from integration.dashboard import CONTENT_SECURITY_POLICY, bp
from integration.dashboard.access import (
    CSRF_FIELD,
    csrf_ok,
    csrf_token,
    current_token,
    safe_next,
    sign_in,
    sign_out,
)
from integration.dashboard.ui_text import (
    action_label,
    channel_label,
    country_label,
    field_name,
    label,
    outcome_label,
    source_label,
    trigger_label,
    value_label,
)
from integration.messages import LOCALE_NAMES, LOCALES, NUMBER_FORMATS
from integration.vocabulary import vocabulary
from integration.web.services import services


def ui_locale() -> str:
    """The reader's chosen language, else their partner's, else English."""
    chosen = session.get("lang")
    if chosen in LOCALES:
        return chosen
    token = current_token()
    if token is not None and token.partner:
        partner = services().config.partners.get(token.partner)
        if partner is not None and partner.locale in LOCALES:
            return partner.locale
    return "en"


def display_zone() -> ZoneInfo:
    """Times are shown in the partner's zone (admin: the project's)."""
    config = services().config
    token = current_token()
    if token is not None and token.partner in config.partners:
        return config.partners[token.partner].zone
    return ZoneInfo(config.project.timezone)


def format_when(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(display_zone()).strftime("%Y-%m-%d %H:%M")


def format_number(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return ""
    fmt = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=fmt, locale=NUMBER_FORMATS[ui_locale()])


def format_money(value: float | None, currency: str | None) -> str:
    if value is None:
        return ""
    if not currency:
        return format_number(value, 2)
    return format_currency(value, currency, locale=NUMBER_FORMATS[ui_locale()])


def zone_name(zone: ZoneInfo | str | None = None) -> str:
    """A time zone as the reader calls it ("Austrumeiropas laiks (Rīga)"), not its
    tz id: the zone of the page's times unless ``zone`` names another."""
    zone = display_zone() if zone is None else zone
    return messages.zone_name(zone if isinstance(zone, str) else zone.key, ui_locale())


def field_value(kind: str, field: str, value: Any, currency: str | None = None) -> str:
    """A stored field value as the reader reads it: enum values and countries as
    words of their language, amounts in their locale, yes/no as words. For
    history entries and conflicts, which hold values, not words."""
    locale = ui_locale()
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return label("yes" if value else "no", locale)
    if field == "country":
        return country_label(str(value), locale)
    if field in ("partner", "reporting_partner"):
        partner = services().config.partners.get(str(value))
        return partner.name if partner is not None else str(value)
    if field == "value" and isinstance(value, int | float):
        return format_money(float(value), currency)
    if field in vocabulary()["labels"] and field != "currency":
        return value_label(field, value, locale)
    if isinstance(value, int | float):
        return format_number(value, 0 if float(value).is_integer() else 2)
    return str(value)


def format_duration(seconds: float | None) -> str:
    """A run's duration for people: "–" when there is none (still running),
    never negative (nor ``-0.00 s``: a run recorded as finished a hair before it
    started took no time)."""
    if seconds is None:
        return "–"
    seconds = max(seconds, 0.0)
    if seconds < 1:
        return f"{format_number(seconds, 2)} s"
    if seconds < 60:
        return f"{format_number(seconds, 1)} s"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s"


@bp.app_template_global()
def csrf_field() -> Markup:
    return Markup(
        f'<input type="hidden" name="{CSRF_FIELD}" value="{Markup.escape(csrf_token())}">'
    )


@bp.context_processor
def _helpers() -> dict[str, Any]:
    locale = ui_locale()
    token = current_token()
    config = services().config
    partner_countries = {code: p.country for code, p in config.partners.items()}
    return {
        "locale": locale,
        "locales": LOCALE_NAMES,
        "t": lambda key, **params: label(key, locale, **params),
        "fl": lambda kind, field: field_name(kind, field, locale),
        "vl": lambda field, value: value_label(field, value, locale),
        "cl": lambda code: country_label(code, locale),
        "al": lambda action: action_label(action, locale),
        "trl": lambda trigger: trigger_label(trigger, locale),
        "ocl": lambda outcome: outcome_label(outcome, locale),
        "chl": lambda what, code: channel_label(what, code, locale),
        "src": lambda source: source_label(source, locale, partner_countries),
        "fv": field_value,
        "zone_name": zone_name,
        "when": format_when,
        "num": format_number,
        "money": format_money,
        "duration": format_duration,
        "token": token,
        "is_admin": token is not None and is_admin(token),
        "partner_names": {code: p.name for code, p in config.partners.items()},
        "partner_short": {
            code: country_label(p.country, locale) for code, p in config.partners.items()
        },
        "partner_locales": {code: p.locale for code, p in config.partners.items()},
        "project": config.project,
        "today": date.today(),
    }


@bp.before_request
def _check_csrf() -> Response | None:
    """Refuse any POST whose form lacks this session's CSRF token."""
    if request.method == "POST" and not csrf_ok():
        g.csrf_failed = True
        return render_error(400, label("form_expired", ui_locale()))
    return None


@bp.after_request
def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if response.mimetype == "text/html":
        # Pages show personal data: never keep them in shared caches or history.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def render_error(status: int, message: str | None = None, *, back: str | None = None) -> Response:
    """An error page in the viewer's language; ``back``: a page to return to
    besides the overview (the form a refused post came from)."""
    locale = ui_locale()
    titles = {400: "bad_request", 403: "forbidden", 404: "not_found", 413: "too_large_title"}
    title = label(titles.get(status, "error"), locale)
    body = render_template(
        "dashboard/error.html", title=title, message=message, status=status, back=back
    )
    return Response(body, status=status, mimetype="text/html")


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    if exc.code == 413:
        # a form posted more than the service takes: say so, and lead back to
        # the page the form was on (this site's only)
        return render_error(413, label("too_large", ui_locale()), back=_form_page())
    return render_error(exc.code or 500)


@bp.errorhandler(Exception)
def _crash(exc: Exception) -> Response:
    # The type only: a message may quote SQL parameters, i.e. personal data.
    logging.getLogger(__name__).error(
        "dashboard error %s on %s", type(exc).__name__, request.path, exc_info=False
    )
    return render_error(500)


def _form_page() -> str | None:
    """The page a refused post came from (its ``Referer``), when it is this site's."""
    if not request.referrer:
        return None
    came_from = urlsplit(request.referrer)
    if came_from.netloc and came_from.netloc != request.host:
        return None
    try:
        return safe_next(came_from.path + (f"?{came_from.query}" if came_from.query else ""))
    except HTTPException:  # control characters: no way back offered
        return None


def root_redirect() -> WerkzeugResponse:
    return redirect(url_for("dashboard.overview"))


@bp.route("/<path:unknown>")
def unknown_page(unknown: str) -> Response:
    """Any other /dashboard/ address: the dashboard's own 404 page."""
    return render_error(404)


@bp.route("/signin", methods=["GET", "POST"])
def signin() -> Any:
    locale = ui_locale()
    nxt = safe_next(request.values.get("next"))
    error = None
    status = 200
    if request.method == "POST":
        token = sign_in(request.form.get("token", ""))
        if token is not None:
            return redirect(nxt or url_for("dashboard.overview"))
        error = label("bad_token", locale)
        status = 401
    elif current_token() is not None:
        return redirect(nxt or url_for("dashboard.overview"))
    body = render_template("dashboard/signin.html", error=error, next=nxt)
    return Response(body, status=status, mimetype="text/html")


@bp.post("/signout")
def signout() -> Any:
    sign_out()
    return redirect(url_for("dashboard.signin"))


@bp.get("/language")
def language() -> Any:
    """Remember the chosen interface language (a preference, not data)."""
    lang = request.args.get("lang")
    if lang in LOCALES:
        session["lang"] = lang
    return redirect(safe_next(request.args.get("next")) or url_for("dashboard.overview"))


def csv_response(name: str, header: list[str], rows: Iterable[Sequence[Any]]) -> Response:
    """A CSV download (formula-inert cells, see :mod:`integration.csv_export`), in
    the viewer's language's separators (``;`` and a decimal comma for lv, et, fi)."""
    response = Response(iter_csv(header, rows, ui_locale()), mimetype="text/csv")
    stamp = date.today().isoformat()
    response.headers["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


def notice(key: str, category: str = "ok") -> None:
    """A one-line message shown on the next page."""
    flash(label(key, ui_locale()), category)
