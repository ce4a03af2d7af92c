"""Form and JSON schemas for accounts."""
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from fieldnotes.auth.access_tokens import ACCESS, DEFAULT_EXPIRY_DAYS, EXPIRY_DAYS
from fieldnotes.auth.models import normalise_email
from fieldnotes.auth.passwords import MAX_LENGTH, password_problems
from fieldnotes.text import Text

Email = validate.And(validate.Length(max=254), validate.Email(error="Enter an email address like ana@example.org."))


class LoginSchema(Schema):
    # Text, not String: a NUL would reach PostgreSQL in the lookup and the failure count (a 500).
    email = Text(required=True)
    password = fields.String(required=True, validate=validate.Length(max=MAX_LENGTH))
    remember = fields.Boolean(load_default=False)

    @post_load
    def normalise(self, data, **kwargs):
        # Checked after lower-casing, which can lengthen it ("İ" becomes two characters).
        data["email"] = normalise_email(data["email"])
        if len(data["email"]) > 254:
            raise ValidationError("Use at most 254 characters.", "email")
        return data


class NewPasswordSchema(Schema):
    """A new password typed twice, checked against the common-password lists."""

    password = fields.String(required=True)
    confirm = fields.String(required=True)

    def __init__(self, *args, user_inputs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.user_inputs = tuple(user_inputs)  # the user's email and name make weak passwords

    @validates_schema
    def check(self, data, **kwargs):
        if data["password"] != data["confirm"]:
            raise ValidationError("The two passwords differ.", "confirm")
        problems = password_problems(data["password"], *self.user_inputs)
        if problems:
            raise ValidationError(problems, "password")


class ChangePasswordSchema(NewPasswordSchema):
    current = fields.String(required=True, validate=validate.Length(max=MAX_LENGTH))


class InviteAcceptSchema(NewPasswordSchema):
    name = Text(required=True, validate=validate.Length(min=1, max=120))


class UserSchema(Schema):
    email = Text(required=True, validate=Email)
    name = Text(required=True, validate=validate.Length(min=1, max=120))


class AccessTokenSchema(Schema):
    """The account page's "New access token" form (auth/access_tokens.py)."""

    name = Text(required=True, validate=validate.Length(min=1, max=80))
    access = fields.String(required=True, validate=validate.OneOf(
        list(ACCESS), error="Choose read only, or read and write."))
    days = fields.Integer(load_default=DEFAULT_EXPIRY_DAYS, validate=validate.OneOf(
        list(EXPIRY_DAYS), error="Choose 7, 30, 90 or 365 days."))
