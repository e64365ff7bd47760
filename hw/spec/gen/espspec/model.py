"""The parsed card contract: what espspec.parse returns and the templates read."""
from __future__ import annotations

from dataclasses import dataclass, field


class SpecError(Exception):
    """A spec that must not be generated; the message names what is wrong."""


def camel(name: str) -> str:
    """sa_entry -> SaEntry (the C++/Python type name of a struct or enum)."""
    return "".join(p.capitalize() for p in name.lower().split("_"))


@dataclass
class Constant:
    name: str
    value: int
    doc: str
    expr: str | None = None   # derived constants: the expression it came from


@dataclass
class Field:
    name: str
    offset: int
    size: int                 # bytes in total
    width: int | None = None  # integer fields: bits
    count: int = 1            # arrays of structs
    struct: str | None = None
    enum: str | None = None
    bits: dict[str, int] = field(default_factory=dict)
    doc: str = ""
    reserved: bool = False
    array: bool = False       # a struct field with a count (else one nested struct)

    @property
    def kind(self) -> str:
        if self.reserved:
            return "reserved"
        if self.struct:
            return "struct"
        if self.width:
            return "int"
        return "bytes"

    @property
    def stride(self) -> int:
        return self.size // self.count


@dataclass
class Struct:
    name: str
    size: int
    doc: str
    fields: list[Field]

    @property
    def camel(self) -> str:
        return camel(self.name)

    @property
    def bits(self) -> int:
        return 8 * self.size

    @property
    def data_fields(self) -> list[Field]:
        return [f for f in self.fields if not f.reserved]

    @property
    def descending(self) -> list[Field]:
        """Fields and reserved ranges, highest offset first (SV packed order)."""
        return sorted(self.fields, key=lambda f: f.offset, reverse=True)


# What the generated register block does with each register: the Vitis
# ap_ctrl_hs registers, and the read-only identity registers with the value
# each returns (SystemVerilog package name, C++ esp::spec name). Any other
# register is the kernel's own: rw ones the host writes and the kernel reads,
# ro ones the kernel drives (wo is refused for them).
AP_CTRL_REGS = ("CTRL", "GIE", "IER", "ISR")
CTRL_BITS = ("AP_START", "AP_DONE", "AP_IDLE", "AP_READY", "AUTO_RESTART")
IDENTITY_REGS = {"ID": ("KERNEL_ID", "KERNEL_ID"), "VERSION": ("VERSION", "VERSION"),
                 "CAPS": ("CAPS_ALL", "caps::ALL"), "SPEC_HASH": ("SPEC_HASH", "SPEC_HASH")}


@dataclass
class Reg:
    name: str
    offset: int
    access: str
    doc: str
    bits: dict[str, int]

    @property
    def kernel(self) -> bool:
        """Neither ap_ctrl_hs nor identity: a register of the kernel's own, host-written
        (rw: the block holds it, the kernel reads it) or kernel-driven (ro)."""
        return self.name not in AP_CTRL_REGS and self.name not in IDENTITY_REGS

    @property
    def sv_value(self) -> str:
        return IDENTITY_REGS[self.name][0]

    @property
    def cpp_value(self) -> str:
        return IDENTITY_REGS[self.name][1]


@dataclass
class Arg:
    name: str
    index: int
    offset: int
    width: int
    kind: str
    doc: str

    @property
    def span(self) -> int:
        # Vitis: a 64-bit argument takes lo, hi and a reserved word; a 32-bit
        # one takes data and a reserved word.
        return 12 if self.width == 64 else 8


@dataclass
class Enum:
    name: str
    width: int
    doc: str
    values: list[tuple[str, int, str]]

    @property
    def camel(self) -> str:
        return camel(self.name)

    @property
    def max(self) -> int:
        return max(v for _, v, _ in self.values)


@dataclass
class Spec:
    name: str
    id: int
    major: int
    minor: int
    constants: list[Constant]
    enums: list[Enum]
    regs: list[Reg]
    reg_size: int
    args: list[Arg]
    caps: list[tuple[str, int]]
    structs: list[Struct]
    hash_hex: str

    @property
    def caps_all(self) -> int:
        return sum(1 << pos for _, pos in self.caps)

    @property
    def hash32(self) -> int:
        return int(self.hash_hex[:8], 16)

    @property
    def version(self) -> int:
        return (self.major << 16) | self.minor

    def const(self, name: str) -> int:
        return next(c.value for c in self.constants if c.name == name)

    def struct(self, name: str) -> Struct:
        return next(s for s in self.structs if s.name == name)

    def reg(self, name: str) -> Reg:
        return next(r for r in self.regs if r.name == name)

    @property
    def identity_regs(self) -> list[Reg]:
        return [r for r in self.regs if r.name in IDENTITY_REGS]

    @property
    def host_regs(self) -> list[Reg]:
        """Kernel registers the host writes (rw): the kernel reads their value."""
        return [r for r in self.regs if r.kernel and r.access == "rw"]

    @property
    def kernel_regs(self) -> list[Reg]:
        """Kernel registers the kernel drives (ro): the host reads them."""
        return [r for r in self.regs if r.kernel and r.access == "ro"]
