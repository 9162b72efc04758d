"""Login and logout."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ...accounts import authenticate, end_all_sessions

bp = Blueprint("auth", __name__, url_prefix="/auth")


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField("Keep me logged in for this shift")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form; log the user in on a correct username and password."""
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")) or url_for("main.index"))
        flash("Wrong username or password.", "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """Log out everywhere: every session cookie of this user stops working."""
    end_all_sessions(current_user)
    logout_user()
    flash("Logged out.", "info")
    return redirect(url_for("auth.login"))


def _safe_next(target: str | None) -> str | None:
    # Only a path on this site: an open redirect would make a fine phishing link.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None
