"""flask create-user."""
import click
from marshmallow import ValidationError

from fieldnotes.auth import bp
from fieldnotes.auth.models import User, normalise_email
from fieldnotes.auth.passwords import password_problems
from fieldnotes.auth.schemas import UserSchema
from fieldnotes.auth.service import create_user
from fieldnotes.extensions import db


@bp.cli.command("create-user")
@click.argument("email")
@click.option("--name", prompt=True, help="The name other members see.")
@click.password_option(help="Asked twice when not given.")
def create_user_command(email, name, password):
    """Create an account that can sign in."""
    try:
        # The same rules as the web forms: a valid email, a name that fits, no control characters.
        data = UserSchema().load({"email": email, "name": name})
    except ValidationError as error:
        raise click.ClickException(" ".join(f"{field}: {' '.join(messages)}"
                                            for field, messages in error.messages.items()))
    email = normalise_email(data["email"])
    if db.session.scalar(User.by_email(email)) is not None:
        raise click.ClickException(f"There is already an account for {email}.")
    problems = password_problems(password, email, data["name"])
    if problems:
        raise click.ClickException(" ".join(problems))
    create_user(email, data["name"], password)
    db.session.commit()
    click.echo(f"Created {email}.")
