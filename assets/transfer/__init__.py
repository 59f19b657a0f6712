"""Bulk import and export of assets, groups and links (CSV, JSON Lines, JSON).

Rows are validated with the same field-type rules as the API (assets.field_types and the
custom-fields patch logic in assets.services.assets), every bad row is reported with its line
number, and writes are batched bulk SQL inside one transaction (all-or-nothing by default)."""
