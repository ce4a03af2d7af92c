"""GET /api/v1/me: whom the request acts as, so a script can check its token before doing anything."""
from flask_login import current_user, login_required

from fieldnotes.api import bp
from fieldnotes.api.contract import operation
from fieldnotes.api.schemas import MeSchema

ME = MeSchema()


@bp.get("/me")
@login_required
@operation(ok=(200, MeSchema))
def me():
    """The signed-in account, and the token's name, scopes and expiry when a token signed it in."""
    body = {"id": current_user.id, "email": current_user.email, "name": current_user.name, "token": None}
    token = getattr(current_user, "access_token", None)
    if token is not None:
        body["token"] = {"name": token.name, "scopes": token.scopes.split(), "expires_at": token.expires_at}
    return ME.dump(body)
