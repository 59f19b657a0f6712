"""The sign-in pages (ours and the admin's) behind the failed sign-in throttle: a locked account
or client address gets 429 with Retry-After, even with the right password."""

from __future__ import annotations

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from assets.access import throttle
from assets.core.errors import Throttled


class ThrottledSignIn:
    """AuthenticationForm.clean, with throttle.sign_in in place of authenticate()."""

    throttled: Throttled | None = None

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = throttle.sign_in(self.request, username, password)
            except Throttled as refused:
                self.throttled = refused
                raise ValidationError(
                    f"Too many failed sign-ins; try again in {refused.retry_after} seconds.", code="throttled"
                )
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class SignInForm(ThrottledSignIn, AuthenticationForm):
    pass


class AdminSignInForm(ThrottledSignIn, AdminAuthenticationForm):
    pass


class LoginView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.throttled is not None:
            response.status_code = 429
            response["Retry-After"] = str(form.throttled.retry_after)
        return response
