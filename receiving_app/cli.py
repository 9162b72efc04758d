"""Admin commands: `flask --app wsgi seed-demo | create-user | create-api-token |
deliver-webhooks | inventory rebuild | photos sweep`."""
import click
import sqlalchemy as sa
from flask import Flask

from .errors import DomainError
from .extensions import db
from .models import Role, User


def register_commands(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(create_api_token_command)
    app.cli.add_command(deliver_webhooks_command)
    app.cli.add_command(inventory_group)
    app.cli.add_command(photos_group)


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has users.")
def seed_demo_command(if_empty: bool) -> None:
    """Load the demo warehouse LAX1, sellers ACME and NOVA, two ASNs and a user per role."""
    from .demo import database_is_empty, seed_demo

    if not database_is_empty():
        if if_empty:
            click.echo("Database has data; demo not loaded.")
            return
        raise click.ClickException("The database already has data; seed-demo needs an empty one.")
    logins = seed_demo()
    click.echo("Demo data loaded. Logins (username / password / role):")
    for username, password, role in logins:
        click.echo(f"  {username:<12} {password:<16} {role}")


@click.command("create-user")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--seller", "seller_code", help="Seller code, for a seller user.")
@click.option("--warehouse", "warehouse_code", help="Warehouse code, for staff.")
@click.option("--password", required=True, help="At least 8 characters.")
def create_user_command(username, role, seller_code, warehouse_code, password) -> None:
    """Create a user with a role (dock, supervisor, seller, admin)."""
    from .accounts import create_user

    try:
        user = create_user(username, password, role, seller_code=seller_code,
                           warehouse_code=warehouse_code)
    except DomainError as error:
        raise click.ClickException(
            "; ".join(f"{d['path']}: {d['message']}" for d in error.details) or error.message
        ) from error
    click.echo(f"Created {user.username} ({user.role.value}).")


@click.command("create-api-token")
@click.argument("username")
def create_api_token_command(username: str) -> None:
    """Print a new API token for USERNAME (shown once; only its hash is kept)."""
    from .accounts import create_api_token

    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"No user {username}.")
    click.echo(create_api_token(user))


@click.group("inventory")
def inventory_group() -> None:
    """The inventory ledger: check and rebuild balances."""


@inventory_group.command("rebuild")
@click.option("--check", is_flag=True, help="Only report differences; exit 1 if any.")
def rebuild_command(check: bool) -> None:
    """Recompute balances from the movement ledger and report every difference."""
    from .inventory.reconcile import ledger_differences, rebuild_balances

    differences = ledger_differences() if check else rebuild_balances()
    for d in differences:
        click.echo(f"warehouse {d['warehouse_id']} seller {d['seller_id']} sku {d['sku_id']} "
                   f"location {d['location_key'] or '-'} {d['bucket']}: "
                   f"balance {d['balance']}, ledger {d['ledger']}")
    if not differences:
        click.echo("Balances equal the sum of the ledger.")
    elif check:
        raise SystemExit(1)
    else:
        click.echo(f"Rebuilt {len(differences)} balance(s) from the ledger.")


@click.group("photos")
def photos_group() -> None:
    """The evidence photos' files."""


@photos_group.command("sweep")
@click.option("--older-than", "minutes", default=60, show_default=True, type=click.IntRange(1),
              help="Minutes a file must be left untouched before it may go.")
def photos_sweep_command(minutes: int) -> None:
    """Remove photo files that no photo row points at (an upload that failed or died)."""
    from datetime import timedelta
    from pathlib import Path

    from flask import current_app

    from .evidence import PhotoStorage
    from .receiving.photo_files import sweep_photo_files

    removed = sweep_photo_files(PhotoStorage(Path(current_app.config["PHOTO_ROOT"])),
                                older_than=timedelta(minutes=minutes))
    for path in removed:
        click.echo(f"removed {path}")
    click.echo(f"Removed {len(removed)} file{'' if len(removed) == 1 else 's'} that no photo "
               "points at.")


@click.command("deliver-webhooks")
@click.option("--once", is_flag=True, help="One pass over what is due, then exit.")
@click.option("--interval", default=5.0, show_default=True,
              help="Seconds to wait when nothing was due.")
def deliver_webhooks_command(once: bool, interval: float) -> None:
    """Send the outbox's due webhook events, signed, retrying failures with backoff. Each
    pass first minds the carrier claims' deadlines (claim.deadline_near, expiry)."""
    import time

    from flask import current_app

    from .receiving.claims import sweep_claim_deadlines
    from .webhooks import deliver_due, loopback_allowed

    allow_loopback = loopback_allowed(current_app.config["APP_ENV"])
    while True:
        sweep = sweep_claim_deadlines()
        if sweep.warned or sweep.expired:
            click.echo(f"Claims: {len(sweep.warned)} deadline warning(s), "
                       f"{len(sweep.expired)} expired.")
        report = deliver_due(allow_loopback=allow_loopback)
        if report.attempted or once:
            click.echo(f"{len(report.delivered)} delivered, {len(report.retrying)} to retry, "
                       f"{len(report.failed)} given up.")
        if once:
            return
        if not report.attempted:
            time.sleep(interval)
