"""``crm-sync tokens``: make, list and revoke API bearer tokens.

The secret is printed once, at creation; only its hash is stored, so a lost
token is revoked and replaced, never recovered.
"""

from __future__ import annotations

import re
from datetime import timedelta

import click
from rich.console import Console
from rich.table import Table

from integration.auth import create_token, is_live, list_tokens, revoke_token
from integration.cli_support import fail, state
from integration.store.models import ApiToken, utcnow

_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


def parse_lifetime(text: str) -> timedelta:
    """``90d``, ``12w`` or ``36h`` as a duration (a token's lifetime)."""
    match = re.fullmatch(r"\s*([1-9][0-9]{0,4})\s*([hdw])\s*", text.lower())
    if match is None:
        raise click.BadParameter(f"{text!r}: give a number and h, d or w, e.g. 90d")
    return timedelta(**{_UNITS[match[2]]: int(match[1])})


def _state(token: ApiToken) -> str:
    if token.revoked_at:
        return "revoked"
    if not is_live(token):
        return "expired"
    return "active"


@click.group("tokens")
def tokens_group() -> None:
    """API bearer tokens (per partner, or admin)."""


@tokens_group.command("create")
@click.option("--partner", help="Partner code of the partners file the token is limited to.")
@click.option("--admin", "is_admin", is_flag=True, help="A token that sees every partner.")
@click.option("--name", help="What the token is for (shown by `tokens list`).")
@click.option(
    "--expires",
    "lifetime",
    metavar="90d",
    help="Stop working after this long (h, d or w); default: until revoked.",
)
def create(partner: str | None, is_admin: bool, name: str | None, lifetime: str | None) -> None:
    """Make a token and print its secret (once)."""
    if bool(partner) == is_admin:
        fail("give exactly one of --partner CODE or --admin")
    config = state().config()
    if partner and partner not in config.partners:
        fail(f"unknown partner {partner!r} (configured: {', '.join(sorted(config.partners))})")
    label = name or (f"{partner} token" if partner else "admin token")
    expires_at = utcnow() + parse_lifetime(lifetime) if lifetime else None
    with state().store().session() as session:
        token, secret = create_token(session, label[:200], partner, expires_at)
        token_id = token.id
    until = f", expires {expires_at:%Y-%m-%d %H:%M} UTC" if expires_at else ""
    click.echo(
        f"Token {token_id} ({label}, {'partner ' + partner if partner else 'admin'}{until})."
    )
    click.echo("Secret (shown only now; store it in your secret manager):")
    click.echo(secret)


@tokens_group.command("list")
def list_command() -> None:
    """Tokens with their scope and state (never their secrets)."""
    with state().store().session() as session:
        tokens = list_tokens(session)
        table = Table("ID", "Name", "Scope", "Created", "Last used", "Expires", "State")
        for t in tokens:
            table.add_row(
                str(t.id),
                t.name,
                t.partner or "admin",
                t.created_at.strftime("%Y-%m-%d %H:%M"),
                t.last_used_at.strftime("%Y-%m-%d %H:%M") if t.last_used_at else "-",
                t.expires_at.strftime("%Y-%m-%d %H:%M") if t.expires_at else "never",
                _state(t),
            )
    if not tokens:
        click.echo("No tokens yet: crm-sync tokens create --partner lv")
        return
    Console().print(table)


@tokens_group.command("revoke")
@click.argument("token_id", type=int)
def revoke(token_id: int) -> None:
    """Revoke a token by id; it stops working at once."""
    with state().store().session() as session:
        token = revoke_token(session, token_id)
        if token is None:
            fail(f"no token with id {token_id}")
    click.echo(f"Token {token_id} revoked.")
