"""The `forum` command: serve, db, user, token, seed, feeds, npi."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from forum.errors import ForumError
from forum.settings import Settings, SettingsError, load_settings
from forum.types import Role


class CommandError(Exception):
    """A clear one-line failure: printed to stderr, exit status 1."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="forum", description="A convener service for health-care communities.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    serve = commands.add_parser("serve", help="migrate the database, then serve", description="Migrate the database to head, then serve HTTP and WebSockets.")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    serve.add_argument("--workers", type=_positive, default=1, help="worker processes (default 1; more need FORUM_BROADCAST_URL)")
    serve.add_argument("--demo", action="store_true", help="load demo content first (idempotent)")

    db = commands.add_parser("db", help="database migrations", description="Alembic migrations through forum's settings.")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_commands.add_parser("upgrade", help="migrate to the latest revision", description="Migrate the database to the latest revision.")
    db_commands.add_parser("current", help="print the current revision", description="Print the database's current revision and the latest one.")

    user = commands.add_parser("user", help="manage accounts", description="Manage accounts.")
    user_commands = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    create = user_commands.add_parser(
        "create",
        help="create an account",
        description="Create an account. The password is read from standard input when it is not a terminal, "
        "otherwise prompted for twice. Accounts made here are trusted (no new-account pre-moderation).",
    )
    create.add_argument("email")
    create.add_argument("--name", required=True, help="display name (2-40 letters, digits, . - _)")
    create.add_argument("--role", choices=[r.value for r in Role], default=Role.MEMBER.value)

    token = commands.add_parser("token", help="API tokens", description="API tokens.")
    token_commands = token.add_subparsers(dest="token_command", metavar="ACTION", required=True)
    token_create = token_commands.add_parser("create", help="create an API token for an account", description="Create an API token; it is printed as the last word of the output.")
    token_create.add_argument("email")

    from forum.accounts.commands import add_parsers as add_account_parsers
    from forum.articles.commands import add_parsers

    add_parsers(commands)
    add_account_parsers(commands)
    return parser


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _migrate(settings: Settings) -> None:
    from forum.migrations import upgrade

    upgrade(settings.database_url)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from forum.logs import configure_logging

    if args.workers > 1 and settings.broadcast_url.startswith("memory"):
        raise CommandError(
            f"--workers {args.workers} needs a shared broadcast: with FORUM_BROADCAST_URL=memory:// a comment "
            "posted to one worker would not reach viewers on the others. Set FORUM_BROADCAST_URL to redis://… "
            "or postgresql://…, or run one worker."
        )
    settings.resolved_secret_key()  # refuse a placeholder key before listening
    try:
        from forum.live.hub import make_hub

        make_hub(settings.broadcast_url)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    configure_logging()
    _migrate(settings)
    if args.demo:
        from forum.db import Database
        from forum.demo import load_demo

        db = Database(settings.database_url)
        try:
            loaded = load_demo(db)
        finally:
            db.dispose()
        print("demo content loaded" if loaded else "demo content already present", file=sys.stderr)
    print(f"forum listening on http://{args.host}:{args.port}", file=sys.stderr)
    uvicorn.run(
        "forum.asgi:create_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=False,
        proxy_headers=True,
        log_level="info",
        # The sans-I/O websockets implementation; frames over 64 KiB are refused;
        # pings find dead peers. No per-message compression: it roughly doubles
        # the memory each open socket holds, and comment frames are small.
        ws="websockets-sansio",
        ws_max_size=64 * 1024,
        ws_per_message_deflate=False,
        ws_ping_interval=20.0,
        ws_ping_timeout=20.0,
    )
    return 0


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    from forum.db import Database
    from forum.migrations import current_revision, head_revision

    if args.db_command == "upgrade":
        _migrate(settings)
    db = Database(settings.database_url)
    try:
        current = current_revision(db.engine)
    finally:
        db.dispose()
    head = head_revision()
    state = "up to date" if current == head else f"behind head {head}"
    print(f"{current or 'empty'} ({state})")
    return 0


def _read_password() -> str:
    if not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise CommandError("no password on standard input")
        return password
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password (again): "):
        raise CommandError("the passwords did not match")
    return first


def cmd_user(args: argparse.Namespace, settings: Settings) -> int:
    from forum.accounts.services import register
    from forum.db import Database

    password = _read_password()
    db = Database(settings.database_url)
    try:
        with db.write() as session:
            user = register(session, email=args.email, name=args.name, password=password, role=Role(args.role), trusted=True)
    finally:
        db.dispose()
    print(f"created user {user.id} {user.email} ({user.role})")
    return 0


def cmd_token(args: argparse.Namespace, settings: Settings) -> int:
    from forum.accounts.models import User
    from forum.accounts.services import create_api_token, normalise_email
    from forum.db import Database

    db = Database(settings.database_url)
    try:
        with db.write() as session:
            user = session.scalar(select(User).where(User.email == normalise_email(args.email)))
            if user is None:
                raise CommandError(f"no account with the email {args.email!r}")
            token = create_api_token(session, user=user)
    finally:
        db.dispose()
    print(f"token for {user.email}: {token}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        from forum.accounts.commands import cmd_npi
        from forum.articles.commands import cmd_feeds, cmd_seed

        handler = {
            "serve": cmd_serve, "db": cmd_db, "user": cmd_user, "token": cmd_token, "seed": cmd_seed, "feeds": cmd_feeds,
            "npi": cmd_npi,
        }[args.command]
        return handler(args, settings)
    except (CommandError, SettingsError, ForumError) as exc:
        message = exc.message if isinstance(exc, ForumError) else str(exc)
        print(f"forum: {message}", file=sys.stderr)
        return 1
    except OperationalError as exc:
        print(f"forum: cannot reach the database: {exc.orig}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(f"forum: database error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
