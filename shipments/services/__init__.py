"""Services of the shipments: ``tracking`` (scans from pushes and polls, the forward-only
status rule, the budgeted poll)."""

from shipments.services.tracking import shipment_tracks_apply, tracking_events_import

__all__ = ["shipment_tracks_apply", "tracking_events_import"]
