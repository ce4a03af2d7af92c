"""Sign-in, sign-out, password, access token and invite pages."""
from functools import cache

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import TooManyRequests, Unauthorized
from werkzeug.security import generate_password_hash

from fieldnotes.auth import access_tokens, bp
from fieldnotes.auth.models import User, utcnow
from fieldnotes.auth.ratelimit import client_for, record_failure, record_success, refuse_if_limited
from fieldnotes.auth.schemas import AccessTokenSchema, ChangePasswordSchema, InviteAcceptSchema, LoginSchema
from fieldnotes.auth.service import end_other_sessions, find_invite, sign_in, sign_out
from fieldnotes.errors import Refused, wants_json
from fieldnotes.extensions import db, login_manager
from fieldnotes.forms import load_form
from fieldnotes.navigation import safe_next


@cache
def dummy_hash(method):
    """Checked when the email is unknown, so both failures take the same time: made by the same method."""
    return generate_password_hash("not a real password", method)


@login_manager.unauthorized_handler
def unauthorized():
    if access_tokens.under_api():  # say how a script signs in (RFC 6750's challenge, without an error)
        raise Unauthorized("Sign in, or send a personal access token: Authorization: Bearer fn_pat_...",
                           www_authenticate=WWWAuthenticate("Bearer"))
    if wants_json():
        abort(401, "Sign in to continue.")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    errors = {}
    if request.method == "POST":
        data, errors = load_form(LoginSchema())
        try:
            response = attempt_sign_in(data) if data else None
        except TooManyRequests as wait:  # the form again, to sign in once the wait is over
            page = render_template("auth/login.html", errors={"form": [wait.description]}, form=request.form)
            return page, 429, {"Retry-After": str(wait.retry_after)}
        if response is not None:
            return response
        errors = errors or {"form": ["That email and password do not match an account."]}
    status = 422 if errors else 200
    return render_template("auth/login.html", errors=errors, form=request.form), status


def attempt_sign_in(data):
    """Sign in and return a redirect, or None when the email and password don't match."""
    email = data["email"]
    user = db.session.scalar(User.by_email(email))
    client = client_for(user)  # this browser if it signed in to the account before, else the address
    refuse_if_limited(email, client)
    if user is None or not user.is_active or not user.check_password(data["password"]):
        if user is None or user.password_hash is None:  # invited, not joined: same time as a wrong password
            User(password_hash=dummy_hash(current_app.config["PASSWORD_HASH_METHOD"])).check_password(
                data["password"])
        record_failure(email, client)
        db.session.commit()
        return None
    record_success(email, client)
    sign_in(user, remember=data["remember"], user_agent=request.user_agent.string)
    db.session.commit()
    return redirect(safe_next(request.args.get("next")), code=303)


@bp.post("/logout")
@login_required
def logout():
    sign_out(current_user._get_current_object())
    db.session.commit()
    flash("You are signed out.")
    return redirect(url_for("auth.login"), code=303)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    errors = {}
    if request.method == "POST":
        schema = ChangePasswordSchema(user_inputs=(current_user.email, current_user.name))
        data, errors = load_form(schema)
        if data:
            # Someone at an unlocked browser must not get unlimited guesses at the password.
            refuse_if_limited(current_user.email, client_for(current_user.user))
        if data and not current_user.user.check_password(data["current"]):
            record_failure(current_user.email, client_for(current_user.user))
            db.session.commit()
            errors = {"current": ["That is not your current password."]}
        elif data:
            current_user.user.set_password(data["password"])
            # Whoever knew the old password may have signed in elsewhere or made a token: both end here.
            end_other_sessions(current_user._get_current_object())
            revoked = access_tokens.revoke_all(current_user.user)
            db.session.commit()
            flash("Password changed. Every other device was signed out"
                  + (f", and your {revoked} access token{'s were' if revoked > 1 else ' was'} revoked: "
                     "make new ones for your scripts." if revoked else "."))
            return redirect(url_for("auth.account"), code=303)
    return render_account(errors=errors), 422 if errors else 200


def render_account(errors=None, token_errors=None, new_token=None):
    """The account page; `new_token` (just made) is shown this once, in the answer to its POST only."""
    return render_template("auth/account.html", errors=errors or {}, token_errors=token_errors or {},
                           new_token=new_token, tokens=access_tokens.tokens_of(current_user.user),
                           status=access_tokens.status, access=access_tokens.ACCESS,
                           expiry_days=access_tokens.EXPIRY_DAYS, default_days=access_tokens.DEFAULT_EXPIRY_DAYS)


@bp.post("/account/tokens")
@login_required
def create_token():
    """Make a token and show it in this answer, not after a redirect: only its digest is kept, and a
    flash would carry it in the (signed, not encrypted) session cookie. Reloading posts again, which the
    taken name refuses, so the token is never shown twice."""
    data, errors = load_form(AccessTokenSchema())
    if data:
        try:
            _, token = access_tokens.create(current_user.user, data["name"], data["access"], data["days"])
        except Refused as refusal:
            errors = refusal.errors
    if errors:
        return render_account(token_errors=errors), 422
    db.session.commit()
    return render_account(new_token=token)


@bp.post("/account/tokens/<id:token_id>/revoke")
@login_required
def revoke_token(token_id):
    row = access_tokens.revoke(current_user.user, token_id)
    db.session.commit()
    flash(f"Token “{row.name}” revoked: scripts using it are refused from now on.")
    return redirect(url_for("auth.account", _anchor="tokens"), code=303)


@bp.post("/account/sign-out-others")
@login_required
def sign_out_others():
    end_other_sessions(current_user._get_current_object())
    db.session.commit()
    # A token is a script's, not a device's: it goes on working. Say so, as "everywhere" could be read otherwise.
    live = sum(access_tokens.status(row) == "active" for row in access_tokens.tokens_of(current_user.user))
    flash("Every other device was signed out." + (
        f" Your {live} access token{'s still work' if live > 1 else ' still works'}: if a script's machine was"
        " lost too, revoke its token under Access tokens." if live else ""))
    return redirect(url_for("auth.account"), code=303)


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token):
    invite = find_invite(token)
    if invite is None:
        abort(404, "This invite link is not valid: it may have expired or been used already.")
    errors = {}
    if request.method == "POST":
        data, errors = load_form(InviteAcceptSchema(user_inputs=(invite.user.email,)))
        if data:
            invite.user.name = data["name"]
            invite.user.set_password(data["password"])
            invite.used_at = utcnow()
            sign_in(invite.user, remember=True, user_agent=request.user_agent.string)
            db.session.commit()
            flash("Welcome to Fieldnotes.")
            return redirect(url_for("studies.index"), code=303)
    return render_template("auth/invite.html", invite=invite, errors=errors), 422 if errors else 200
