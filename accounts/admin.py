from django.contrib import admin
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from accounts.models import Membership, Merchant
from accounts.tokens import token_expires_at, token_is_expired


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "merchant", "role", "created_at"]
    list_filter = ["role", "merchant"]
    search_fields = ["user__username", "merchant__name"]
    autocomplete_fields = ["user", "merchant"]


# DRF's token admin (Auth Token → Tokens), with each token's expiry: staff revoke a token by
# deleting it (the client then gets 401 and must obtain a new one with its password).
admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class ExpiringTokenAdmin(TokenAdmin):
    list_display = ("key", "user", "created", "expires_at", "expired")

    @admin.display(description="expires at")
    def expires_at(self, token):
        return token_expires_at(token)

    @admin.display(description="expired", boolean=True)
    def expired(self, token):
        return token_is_expired(token)
