"""Dashboard forms of the stock pages: adjust stock, a listing's buffer, count uploads, mapping
a listing to a SKU, and the drift report's filters."""

from __future__ import annotations

from django import forms

from accounts.params import day_in_range
from integrations.models import ChannelAccount
from inventory.models import MovementKind, Variant

MAX_COUNT_FILE_BYTES = 10 * 1024 * 1024
MAX_UNITS = 1_000_000  # a sanity bound on one adjustment (units)


class StockAdjustForm(forms.Form):
    """Set the counted on hand, or add/remove units, of one SKU in the default warehouse."""

    MODE_SET = "set"
    MODE_CHANGE = "change"

    mode = forms.ChoiceField(
        choices=[(MODE_SET, "Set counted on hand to"), (MODE_CHANGE, "Add or remove (±) units")],
        initial=MODE_SET,
        widget=forms.RadioSelect,
    )
    quantity = forms.IntegerField(
        min_value=-MAX_UNITS,
        max_value=MAX_UNITS,
        help_text="Units. For add/remove, a negative number removes stock.",
    )
    kind = forms.ChoiceField(
        choices=[
            (MovementKind.ADJUST, MovementKind.ADJUST.label),
            (MovementKind.RECEIPT, MovementKind.RECEIPT.label),
        ],
        initial=MovementKind.ADJUST,
        label="Reason",
    )
    note = forms.CharField(required=False, max_length=500)

    def clean(self) -> dict:
        data = super().clean()
        mode, quantity = data.get("mode"), data.get("quantity")
        if quantity is None:
            return data
        if mode == self.MODE_SET and quantity < 0:
            self.add_error("quantity", "A counted quantity cannot be negative.")
        if mode == self.MODE_CHANGE and quantity == 0:
            self.add_error("quantity", "Enter the units to add (positive) or remove (negative).")
        return data

    def adjust_kwargs(self) -> dict:
        """``stock_adjust`` keyword arguments (``on_hand`` or ``delta``, ``kind``, ``note``)."""
        data = self.cleaned_data
        key = "on_hand" if data["mode"] == self.MODE_SET else "delta"
        return {key: data["quantity"], "kind": data["kind"], "note": data["note"]}


class ListingBufferForm(forms.Form):
    """Units held back from one listing (available-to-sell = on hand − reserved − buffer)."""

    buffer_stock = forms.IntegerField(min_value=0, max_value=MAX_UNITS, label="Buffer")


class CountUploadForm(forms.Form):
    """A CSV of counted stock: ``sku,on_hand`` (aliases ``quantity``/``count``)."""

    file = forms.FileField(label="Counts file (CSV)")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_COUNT_FILE_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {MAX_COUNT_FILE_BYTES // (1024 * 1024)} MB."
            )
        return upload


class ListingMapForm(forms.Form):
    """Map a listing to one of the merchant's variants by SKU (exact match)."""

    sku = forms.CharField(max_length=255, label="Sangam SKU")

    def __init__(self, *args, merchant, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.merchant = merchant

    def clean_sku(self) -> Variant:
        sku = self.cleaned_data["sku"].strip()
        variant = Variant.objects.for_merchant(self.merchant).filter(sku=sku).first()
        if variant is None:
            raise forms.ValidationError(f"No SKU '{sku}' in your catalog.")
        return variant


class DriftFilterForm(forms.Form):
    """Filters of the drift report; every field optional."""

    account = forms.ModelChoiceField(
        queryset=ChannelAccount.objects.none(), required=False, empty_label="All accounts"
    )
    date_from = forms.DateField(
        required=False,
        validators=[day_in_range],
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        required=False,
        validators=[day_in_range],
        label="To",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, merchant, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = ChannelAccount.objects.for_merchant(merchant).order_by(
            "provider", "pk"
        )

    def selector_filters(self) -> dict:
        """The valid, non-empty filters as ``drift_list`` keyword arguments."""
        if not self.is_bound:
            return {}
        self.is_valid()  # an invalid field is reported and left out, the others still apply
        data = self.cleaned_data
        filters = {"date_from": data.get("date_from"), "date_to": data.get("date_to")}
        if data.get("account"):
            filters["account_id"] = data["account"].pk
        return {k: v for k, v in filters.items() if v}
