from flask import render_template

from dps_portal.core.access import public, signed_in


@public
def sign_in():
    return render_template("accounts/sign_in.html")


@signed_in
def sign_out():
    return ""


@public
def register():
    return ""
