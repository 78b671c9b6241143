"""Sign-up, sign-in and sign-out. Password reset uses Django's views (see config/urls.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import LoginView
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts import tenants
from accounts.forms import SignInForm, SignUpForm, posted
from accounts.models import User


@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("password")
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("console-home")
    form = SignUpForm(posted(request))
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = User.objects.create_user(
                form.cleaned_data["email"], form.cleaned_data["password"]
            )
            tenant = tenants.create_tenant(form.cleaned_data["organisation"], owner=user)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome to Keyward. You own {tenant.name}.")
        return redirect("console-home")
    return render(request, "accounts/signup.html", {"form": form})


class SignInView(LoginView):
    form_class = SignInForm
    template_name = "accounts/signin.html"
    redirect_authenticated_user = True
