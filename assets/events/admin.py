"""Admin for event rules and their deliveries: the secret is write-only, deliveries are a log
(read-only) with a redeliver action."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from assets.core.errors import DomainError

from . import services
from .models import Delivery, EventRule


class EventRuleForm(forms.ModelForm):
    secret = forms.CharField(widget=forms.PasswordInput(render_value=False), required=False,
                             help_text="Write-only; leave empty to keep the current secret.")

    class Meta:
        model = EventRule
        fields = ["organization", "name", "object_types", "actions", "asset_type_codes", "url", "secret",
                  "headers", "enabled"]

    def clean_secret(self):
        secret = self.cleaned_data.get("secret")
        if not secret:
            if not self.instance.pk:
                raise forms.ValidationError("A new rule needs a secret.")
            return self.instance.secret
        return secret

    def clean(self):
        # The service's rules for every field (lists of known kinds, URL scheme, header values).
        cleaned = super().clean()
        values = {k: cleaned[k] for k in services.FIELDS if k in cleaned}
        try:
            cleaned.update(services.clean_values(values))
        except DomainError as exc:
            raise forms.ValidationError([e.get("message", exc.detail) and f"{e['field']}: {e['message']}"
                                         for e in exc.errors] or [exc.detail])
        return cleaned


@admin.register(EventRule)
class EventRuleAdmin(admin.ModelAdmin):
    form = EventRuleForm
    list_display = ["name", "organization", "url", "enabled"]
    list_filter = ["enabled"]
    list_select_related = ["organization"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "rule", "status", "attempts", "response_status", "duration_ms", "created_at"]
    list_filter = ["status"]
    list_select_related = ["rule"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    actions = ["redeliver"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Redeliver the selected deliveries")
    def redeliver(self, request, queryset):
        count = services.requeue(queryset)
        self.message_user(request, f"{count} deliveries queued again.")
