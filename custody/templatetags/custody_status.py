"""``{% load custody_status %}{% payouts_paused_banner fund %}``: the reserve-proof verdict
for any page that shows a fund (the fund dashboard, the payouts queue)."""

from django import template

from custody.selectors import payouts_paused

register = template.Library()


@register.inclusion_tag("custody/partials/payouts_paused.html")
def payouts_paused_banner(fund) -> dict:
    return {"fund": fund, "paused": payouts_paused(fund)}
