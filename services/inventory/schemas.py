"""Inventory's commands, validated before anything is decided."""
from marshmallow import fields, validate

from shared.catalogue import ASSET_KINDS, BUNDLES
from shared.commands import Command

CODE = validate.Regexp(r"^[A-Za-z0-9_-]{1,40}$", error="Letters, digits, '-' and '_' only, 1 to 40.")


def _text(**kw):
    return fields.String(required=True, validate=validate.Length(min=1, max=300), **kw)


class RegisterSchool(Command):
    school_code = fields.String(required=True, validate=CODE)
    name_ar = _text()
    name_fr = _text()
    cycle = fields.String(required=True, validate=validate.OneOf(("primary", "middle", "secondary")))
    setting = fields.String(required=True, validate=validate.OneOf(("urban", "rural")))
    commune = _text()
    region_code = fields.String(required=True, validate=CODE)


class DeliveryItem(Command):
    asset_id = fields.String(load_default=None, validate=CODE)
    kind = fields.String(required=True, validate=validate.OneOf(ASSET_KINDS))
    serial = fields.String(required=True, validate=validate.Length(min=1, max=100))
    model = fields.String(load_default="", validate=validate.Length(max=200))
    warranty_months = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=240))
    bundle = fields.String(load_default="none", validate=validate.OneOf(BUNDLES))


class ReceiveDelivery(Command):
    supplier = _text()
    delivery_ref = _text()
    items = fields.List(fields.Nested(DeliveryItem), required=True, validate=validate.Length(min=1))


class AssignEquipment(Command):
    asset_id = fields.String(required=True, validate=CODE)
    school_code = fields.String(required=True, validate=CODE)
