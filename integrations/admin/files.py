"""Staff tools for file channels: upload an export for any merchant's account (it is imported
by the same run as a dashboard upload) and edit the column mapping profiles."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from integrations.admin.common import pretty_json
from integrations.connectors.base import ConnectType
from integrations.models import ChannelAccount, FileColumnProfile, FileImport
from integrations.registry import CONNECTORS


def file_providers() -> list[str]:
    return [pid for pid, cls in CONNECTORS.items() if cls.connect_type == ConnectType.FILE]


class FileImportForm(forms.ModelForm):
    class Meta:
        model = FileImport
        fields = ["account", "file"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = ChannelAccount.objects.filter(
            provider__in=file_providers()
        ).select_related("merchant")
        self.fields["file"].help_text = "The seller panel's orders export, CSV or XLSX."

    def clean(self) -> dict[str, Any]:
        from integrations.services.files import FileImportError, file_upload_check

        data = super().clean()
        if data.get("account") and data.get("file"):
            try:
                file_upload_check(account=data["account"], upload=data["file"])
            except FileImportError as exc:
                raise ValidationError({"file": str(exc)}) from exc
        return data


@admin.register(FileImport)
class FileImportAdmin(admin.ModelAdmin):
    """Uploads are immutable once made: the add form queues the import; the change page only
    shows the outcome (its run and quarantined rows are under Sync runs)."""

    form = FileImportForm
    list_display = ["pk", "account", "original_name", "size", "run_status", "created_at"]
    list_filter = ["account__provider", "account__merchant"]
    search_fields = ["original_name", "sha256", "account__external_id"]
    list_select_related = ["account", "run"]

    @admin.display(description="Import run")
    def run_status(self, obj: FileImport) -> str:
        if obj.run is None:
            return "—"
        return (
            f"#{obj.run.pk} {obj.run.get_status_display()}: {obj.run.created} new, "
            f"{obj.run.updated} updated, {obj.run.skipped} skipped, {obj.run.failed} failed"
        )

    def has_change_permission(self, request: HttpRequest, obj: FileImport | None = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: FileImport | None = None):
        if obj is None:
            return []
        return ["account", "file", "original_name", "size", "sha256", "run", "created_at"]

    def save_model(self, request: HttpRequest, obj: FileImport, form, change: bool) -> None:
        from integrations.services.files import FileImportError, file_import_start

        try:
            record, run = file_import_start(
                account=form.cleaned_data["account"],
                upload=form.cleaned_data["file"],
                user=request.user,
                background=True,
            )
        except FileImportError as exc:
            raise ValidationError(str(exc)) from exc
        obj.pk = record.pk
        messages.info(request, f"Import queued as sync run #{run.pk}.")


class FileColumnProfileForm(forms.ModelForm):
    profile = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 18, "cols": 90, "style": "font-family: monospace"}),
        help_text=(
            'JSON overriding the default profile key by key, e.g. {"columns": {"sku": '
            '["Seller SKU Code", "seller sku"]}, "date_formats": ["%d-%m-%Y"]}.'
        ),
        required=False,
    )

    class Meta:
        model = FileColumnProfile
        fields = ["provider", "merchant", "profile"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [(pid, CONNECTORS[pid].label) for pid in file_providers()]
        value = self.initial.get("profile")
        if isinstance(value, dict):
            self.initial["profile"] = json.dumps(value, indent=2, ensure_ascii=False)

    def clean_profile(self) -> dict[str, Any]:
        text = (self.cleaned_data.get("profile") or "").strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"Not valid JSON: {exc}") from exc
        if not isinstance(value, dict):
            raise ValidationError("The profile must be a JSON object.")
        provider = self.cleaned_data.get("provider")
        connector = CONNECTORS.get(provider)
        if connector is not None:
            from integrations.connectors.files.errors import ProfileError

            try:
                connector.profile(value)  # merged over the default and validated
            except ProfileError as exc:
                raise ValidationError(str(exc)) from exc
        return value


@admin.register(FileColumnProfile)
class FileColumnProfileAdmin(admin.ModelAdmin):
    form = FileColumnProfileForm
    list_display = ["provider", "merchant", "updated_at"]
    list_filter = ["provider"]
    readonly_fields = ["default_profile"]

    @admin.display(description="Default profile (in code)")
    def default_profile(self, obj: FileColumnProfile):
        cls = CONNECTORS.get(obj.provider) if obj and obj.provider else None
        return pretty_json(getattr(cls, "default_profile", {}) if cls else {})
