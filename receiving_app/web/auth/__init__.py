"""Login and logout."""
from flask import (
    Blueprint, current_app, flash, redirect, render_template, request, session, url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import generate_csrf
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from ...accounts import authenticate, change_password, end_all_sessions
from ...errors import DomainError
from ...security import failed_login, limiter, login_account_key
from ..forms import PageForm

bp = Blueprint("auth", __name__, url_prefix="/auth")


class LoginForm(PageForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField("Keep me logged in for this shift")


class PasswordForm(PageForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=1024)])
    new = PasswordField("New password", validators=[DataRequired(), Length(min=8, max=1024)])
    confirm = PasswordField("New password again", validators=[
        DataRequired(), EqualTo("new", message="The two new passwords differ.")])


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=login_account_key,
               methods=["POST"], deduct_when=failed_login)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"],
               deduct_when=failed_login)
def login():
    """Show the login form; log the user in on a correct username and password.

    Failed attempts are throttled per account and per address.
    """
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is not None:
            # A fresh session: nothing planted before login survives it (session fixation).
            session.clear()
            session.permanent = True
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")) or url_for("main.index"))
        flash("Wrong username or password.", "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """Log out everywhere: every session cookie and API token of this user stops working."""
    end_all_sessions(current_user)
    logout_user()
    flash("Logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    """Change one's password; every other session of the user ends."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            change_password(current_user, form.current.data, form.new.data)
        except DomainError as error:
            flash(error.message, "error")
            return render_template("auth/password.html", form=form), 422
        session.clear()
        session.permanent = True
        login_user(current_user._get_current_object())
        flash("Password changed. Other devices are logged out.", "success")
        return redirect(url_for("main.index"))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/password.html", form=form), status


@bp.app_errorhandler(429)
def too_many_attempts(error):
    """Throttled logins get the login page with a plain message, not a stack of 401s.

    The form is shown empty: the throttled request's body is not read at all (it may be
    too large, or not a form)."""
    flash("Too many failed attempts. Wait a few minutes and try again.", "error")
    return render_template("auth/login.html", form=LoginForm(formdata=None)), 429


@bp.get("/session")
def current_session():
    """Who is logged in, with a fresh CSRF token: the phone asks before it replays the scans
    it queued offline, so a replay never carries a stale token. 401 (not a redirect to the
    login page) when the session has ended, so the phone can ask the worker to log in."""
    if not current_user.is_authenticated:
        return {"error": {"code": "login_required", "message": "Log in again.",
                          "login_url": url_for("auth.login")}}, 401
    return {"username": current_user.username, "csrf_token": generate_csrf()}


def _safe_next(target: str | None) -> str | None:
    # Only a path on this site: an open redirect would make a fine phishing link.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None
