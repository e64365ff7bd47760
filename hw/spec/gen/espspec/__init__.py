"""espspec: the card contract (hw/spec/esp_spec.yaml) as a validated model."""
from .model import Arg, Constant, Enum, Field, Reg, Spec, SpecError, Struct, camel
from .parse import parse, spec_hash

__all__ = ["Arg", "Constant", "Enum", "Field", "Reg", "Spec", "SpecError", "Struct", "camel", "parse", "spec_hash"]
