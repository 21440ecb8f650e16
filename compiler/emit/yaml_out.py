"""What `istioctl proxy-config ... -o yaml` prints.

istioctl marshals its JSON first and converts it with sigs.k8s.io/yaml JSONToYAML, which decodes the
JSON into generic Go maps and re-encodes them with go-yaml v2. So the YAML has: keys sorted by
go-yaml's "natural" order (digit runs compare as numbers), block style with sequences not indented
under their key, `{}`/`[]` for empty containers, strings quoted only when a plain scalar would read
back as something else (a number, bool, null or timestamp) or would not parse, and plain or quoted
strings folded at spaces past column 80. istioctl then prints it with Println (one more newline).

This module reproduces that encoder for JSON-shaped Python values (dict, list, str, int, float,
bool, None); PyYAML's emitter differs in quoting, folding and key order, so it is not used.
"""
from __future__ import annotations

import decimal
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cmp_to_key
from typing import Any

PLAIN, SINGLE, DOUBLE, LITERAL = "plain", "single", "double", "literal"
_BEST_INDENT = 2
_BEST_WIDTH = 80
_MAX_SIMPLE_KEY = 128


def to_yaml(resources: Any) -> str:
    """`-o yaml` output for a resource list (or one resource): JSONToYAML plus Println's newline."""
    return json_to_yaml(resources) + "\n"


def json_to_yaml(value: Any) -> str:
    """sigs.k8s.io/yaml JSONToYAML of the JSON form of `value`."""
    emitter = _Emitter()
    emitter.node(value, root=True)
    emitter.write_indent()          # document end
    return "".join(emitter.out)


# ---------------------------------------------------------------------------------------------
# Scalars: what the encoder asks for (go-yaml encode.go + resolve.go).
# ---------------------------------------------------------------------------------------------
def _scalar(value: Any) -> tuple[str, str]:
    """(text, requested style) for a JSON scalar."""
    if value is None:
        return "null", PLAIN
    if value is True or value is False:
        return ("true" if value else "false"), PLAIN
    if isinstance(value, int):
        if -(1 << 63) <= value < (1 << 64):
            return str(value), PLAIN
        return _go_float(float(value)), PLAIN
    if isinstance(value, float):
        return _go_float(value), PLAIN
    if isinstance(value, str):
        return value, _string_style(value)
    raise TypeError(f"cannot write {type(value).__name__} as YAML")


def _key_text(key: Any) -> str:
    """JSON object keys are strings; other key types are written as JSON would write them."""
    if isinstance(key, str):
        return key
    if key is None:
        return "null"
    if key is True or key is False:
        return "true" if key else "false"
    return str(key)


def _string_style(text: str) -> str:
    if "\n" in text:
        return LITERAL
    return PLAIN if _reads_back_as_string(text) and not _is_base60_float(text) else DOUBLE


def _go_float(value: float) -> str:
    """strconv.FormatFloat(v, 'g', -1, 64) with YAML's names for the specials."""
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    sign = "-" if value < 0 else ""
    digits_tuple = decimal.Decimal(repr(abs(value))).normalize().as_tuple()
    digits = "".join(str(d) for d in digits_tuple.digits)
    point = len(digits) + int(digits_tuple.exponent)     # decimal point position after digit `point`
    exponent = point - 1
    if exponent < -4 or exponent >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{mantissa}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


_RESOLVE_SPECIAL = {
    "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
    "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
    "", "~", "null", "Null", "NULL", ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF",
    "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
}
_DIGITS = "0123456789"
_DIGIT_RUN = r"[0-9](?:_?[0-9])*"
_DOT_FLOAT = re.compile(rf"\.{_DIGIT_RUN}(?:[eE][+-]?{_DIGIT_RUN})?")
_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_GO_INT = re.compile(r"([+-]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|0[0-7]*|[1-9][0-9]*)")
_BASE60 = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")


def _reads_back_as_string(text: str) -> bool:
    """Whether go-yaml would resolve `text`, written plain, to a string (resolve("", text))."""
    if text in _RESOLVE_SPECIAL:
        return False
    first = text[0]
    if first == ".":      # strconv.ParseFloat; out-of-range values are an error, so a string
        return not _DOT_FLOAT.fullmatch(text) or math.isinf(float(text.replace("_", "")))
    if first not in _DIGITS + "+-":
        return True
    if _is_timestamp(text):
        return False
    plain = text.replace("_", "")
    if _go_int(plain, signed=True) is not None or _go_int(plain, signed=False) is not None:
        return False
    if _YAML_FLOAT.fullmatch(plain) and not math.isinf(float(plain)):
        return False
    return True


def _go_int(text: str, signed: bool) -> int | None:
    """strconv.ParseInt(text, 0, 64) (signed) or ParseUint(text, 0, 64), None on error."""
    match = _GO_INT.fullmatch(text)
    if not match or (match.group(1) and not signed):
        return None
    body = match.group(2)
    try:
        if body[:2].lower() in ("0x", "0b", "0o"):
            value = int(body[2:], {"x": 16, "b": 2, "o": 8}[body[1].lower()])
        elif len(body) > 1 and body[0] == "0":
            value = int(body[1:], 8)      # base 0: a leading 0 means octal ("080" is no number)
        else:
            value = int(body)
    except ValueError:
        return None
    value = -value if match.group(1) == "-" else value
    low, high = (-(1 << 63), (1 << 63) - 1) if signed else (0, (1 << 64) - 1)
    return value if low <= value <= high else None


def _is_base60_float(text: str) -> bool:
    if not text or text[0] not in _DIGITS + "+-" or ":" not in text:
        return False
    return bool(_BASE60.fullmatch(text))


# go-yaml tries these time.Parse layouts on plain scalars that start with "YYYY-".
_TIME_LAYOUTS = (
    ("year", "-", "month", "-", "day", "T", "hour", ":", "minute", ":", "second", "frac", "zone"),
    ("year", "-", "month", "-", "day", "t", "hour", ":", "minute", ":", "second", "frac", "zone"),
    ("year", "-", "month", "-", "day", " ", "hour", ":", "minute", ":", "second", "frac"),
    ("year", "-", "month", "-", "day"),
)
_FIELD_LIMITS = {"month": (1, 12), "day": (0, 99), "hour": (0, 23), "minute": (0, 59), "second": (0, 59)}


def _is_timestamp(text: str) -> bool:
    lead = len(text) - len(text.lstrip(_DIGITS))
    if lead != 4 or len(text) == 4 or text[4] != "-":
        return False
    return any(_parses_as(text, layout) for layout in _TIME_LAYOUTS)


def _parses_as(value: str, layout: tuple[str, ...]) -> bool:
    """Go's time.Parse for the few layout elements go-yaml uses."""
    fields: dict[str, int] = {}
    for index, element in enumerate(layout):
        if element in ("year", "month", "day", "hour", "minute", "second"):
            parsed = _take_number(value, 4 if element == "year" else 0)
            if parsed is None:
                return False
            fields[element], value = parsed
            low, high = _FIELD_LIMITS.get(element, (0, 9999))
            if not low <= fields[element] <= high:
                return False
            if element == "second" and "frac" not in layout[index + 1:]:
                value = _skip_fraction(value)
        elif element == "frac":
            value = _skip_fraction(value)
        elif element == "zone":
            value = _skip_zone(value)
            if value is None:
                return False
        elif not value.startswith(element):
            return False
        else:
            value = value[len(element):]
    return value == "" and 1 <= fields["day"] <= _days_in(fields["month"], fields["year"])


def _take_number(value: str, width: int) -> tuple[int, str] | None:
    """A fixed 4-digit year, or Go's getnum: one digit, or two when the second is a digit."""
    if width:
        if len(value) < width or not all(c in _DIGITS for c in value[:width]):
            return None
        return int(value[:width]), value[width:]
    if not value or value[0] not in _DIGITS:
        return None
    if len(value) > 1 and value[1] in _DIGITS:
        return int(value[:2]), value[2:]
    return int(value[0]), value[1:]


def _skip_fraction(value: str) -> str:
    if len(value) >= 2 and value[0] in ".," and value[1] in _DIGITS:
        end = 2
        while end < len(value) and value[end] in _DIGITS:
            end += 1
        return value[end:]
    return value


def _skip_zone(value: str) -> str | None:
    """Z07:00: "Z" or ±hh:mm."""
    if value.startswith("Z"):
        return value[1:]
    if len(value) < 6 or value[3] != ":" or value[0] not in "+-":
        return None
    if not all(c in _DIGITS for c in value[1:3] + value[4:6]):
        return None
    if int(value[1:3]) > 24 or int(value[4:6]) > 60:
        return None
    return value[6:]


def _days_in(month: int, year: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


# ---------------------------------------------------------------------------------------------
# Key order (go-yaml sorter.go keyList.Less for string keys).
# ---------------------------------------------------------------------------------------------
def _is_letter(ch: str) -> bool:
    return unicodedata.category(ch) in ("Lu", "Ll", "Lt", "Lm", "Lo")


def _is_digit(ch: str) -> bool:
    return unicodedata.category(ch) == "Nd"


def _wrap64(value: int) -> int:
    value &= (1 << 64) - 1
    return value - (1 << 64) if value >= 1 << 63 else value


def _digit_run(text: str, start: int, seed: int) -> tuple[int, int]:
    end, number = start, seed
    while end < len(text) and _is_digit(text[end]):
        number = _wrap64(number * 10 + ord(text[end]) - ord("0"))
        end += 1
    return number, end


def _key_less(a: str, b: str) -> bool:
    for i in range(min(len(a), len(b))):
        if a[i] == b[i]:
            continue
        a_letter, b_letter = _is_letter(a[i]), _is_letter(b[i])
        if a_letter and b_letter:
            return a[i] < b[i]
        if a_letter or b_letter:
            return b_letter
        seed = 0
        if a[i] == "0" or b[i] == "0":
            j = i - 1
            while j >= 0 and _is_digit(a[j]):
                if a[j] != "0":
                    seed = 1
                    break
                j -= 1
        a_num, a_end = _digit_run(a, i, seed)
        b_num, b_end = _digit_run(b, i, seed)
        if a_num != b_num:
            return a_num < b_num
        if a_end != b_end:
            return a_end < b_end
        return a[i] < b[i]
    return len(a) < len(b)


def _sorted_keys(keys: list[str]) -> list[str]:
    return sorted(keys, key=cmp_to_key(lambda a, b: -1 if _key_less(a, b) else (1 if _key_less(b, a) else 0)))


# ---------------------------------------------------------------------------------------------
# Scalar analysis (emitterc.go yaml_emitter_analyze_scalar).
# ---------------------------------------------------------------------------------------------
_BREAKS = "\r\n\x85\u2028\u2029"


def _is_printable(ch: str) -> bool:
    code = ord(ch)
    return (code == 0x0A or 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xD7FF
            or (0xE000 <= code <= 0xFFFD and code != 0xFEFF))


@dataclass(frozen=True)
class _Analysis:
    multiline: bool
    flow_plain: bool
    block_plain: bool
    single_quoted: bool
    block: bool


def _analyze(value: str) -> _Analysis:
    if not value:
        return _Analysis(False, False, True, True, False)
    flow_ind = block_ind = value.startswith("---") or value.startswith("...")
    line_breaks = special = False
    leading = trailing_space = trailing_break = break_space = space_break = False
    preceded_ws, prev_space, prev_break = True, False, False
    last = len(value) - 1
    for i, ch in enumerate(value):
        followed_ws = i == last or value[i + 1] in " \t"
        if i == 0:
            if ch in "#,[]{}&*!|>'\"%@`" or (ch == "-" and followed_ws):
                flow_ind = block_ind = True
            elif ch in "?:":
                flow_ind = True
                block_ind = block_ind or followed_ws
        elif ch in ",?[]{}":
            flow_ind = True
        elif ch == ":":
            flow_ind = True
            block_ind = block_ind or followed_ws
        elif ch == "#" and preceded_ws:
            flow_ind = block_ind = True
        special = special or not _is_printable(ch)
        if ch == " ":
            leading = leading or i == 0
            trailing_space = trailing_space or i == last
            break_space = break_space or prev_break
            prev_space, prev_break = True, False
        elif ch in _BREAKS:
            line_breaks = True
            leading = leading or i == 0
            trailing_break = trailing_break or i == last
            space_break = space_break or prev_space
            prev_space, prev_break = False, True
        else:
            prev_space = prev_break = False
        preceded_ws = ch in " \t\x00" or ch in _BREAKS
    plain = not (leading or trailing_space or trailing_break or break_space or space_break
                 or special or line_breaks)
    return _Analysis(multiline=line_breaks,
                     flow_plain=plain and not flow_ind,
                     block_plain=plain and not block_ind,
                     single_quoted=not (break_space or space_break or special),
                     block=not (trailing_space or space_break or special))


# ---------------------------------------------------------------------------------------------
# The emitter state machine, reduced to the events JSON-shaped values produce.
# ---------------------------------------------------------------------------------------------
_ESCAPES = {0x00: "0", 0x07: "a", 0x08: "b", 0x09: "t", 0x0A: "n", 0x0B: "v", 0x0C: "f", 0x0D: "r",
            0x1B: "e", 0x22: '"', 0x5C: "\\", 0x85: "N", 0xA0: "_", 0x2028: "L", 0x2029: "P"}


class _Emitter:
    def __init__(self) -> None:
        self.out: list[str] = []
        self.column = 0
        self.indent = -1
        self.indents: list[int] = []
        self.whitespace = True
        self.indention = True
        self.flow_level = 0
        self.mapping_context = False
        self.simple_key_context = False

    # -- low-level writes
    def put(self, text: str) -> None:
        self.out.append(text)
        self.column += len(text)

    def put_break(self) -> None:
        self.out.append("\n")
        self.column = 0

    def write_break(self, ch: str) -> None:
        if ch == "\n":
            self.put_break()
        else:
            self.out.append(ch)
            self.column = 0

    def write_indent(self) -> None:
        indent = max(self.indent, 0)
        if not self.indention or self.column > indent or (self.column == indent and not self.whitespace):
            self.put_break()
        if self.column < indent:
            self.put(" " * (indent - self.column))
        self.whitespace = True
        self.indention = True

    def write_indicator(self, text: str, need_whitespace: bool, is_whitespace: bool, is_indention: bool) -> None:
        if need_whitespace and not self.whitespace:
            self.put(" ")
        self.put(text)
        self.whitespace = is_whitespace
        self.indention = self.indention and is_indention

    def increase_indent(self, flow: bool, indentless: bool) -> None:
        self.indents.append(self.indent)
        if self.indent < 0:
            self.indent = _BEST_INDENT if flow else 0
        elif not indentless:
            self.indent += _BEST_INDENT

    def pop_indent(self) -> None:
        self.indent = self.indents.pop()

    # -- nodes
    def node(self, value: Any, *, root: bool = False, mapping: bool = False, simple_key: bool = False) -> None:
        self.mapping_context = mapping
        self.simple_key_context = simple_key
        if isinstance(value, dict) and value:
            self.block_mapping(value)
        elif isinstance(value, dict):
            self.empty_flow("{", "}")
        elif isinstance(value, (list, tuple)) and value:
            self.block_sequence(value)
        elif isinstance(value, (list, tuple)):
            self.empty_flow("[", "]")
        else:
            self.scalar(*_scalar(value))

    def empty_flow(self, start: str, end: str) -> None:
        self.write_indicator(start, True, True, False)
        self.increase_indent(True, False)
        self.pop_indent()
        self.write_indicator(end, False, False, False)

    def block_sequence(self, items: list | tuple) -> None:
        self.increase_indent(False, self.mapping_context and not self.indention)
        for item in items:
            self.write_indent()
            self.write_indicator("-", True, False, True)
            self.node(item)
        self.pop_indent()

    def block_mapping(self, mapping: dict) -> None:
        self.increase_indent(False, False)
        texts = {_key_text(k): v for k, v in mapping.items()}
        for key in _sorted_keys(list(texts)):
            self.write_indent()
            if "\n" not in key and not any(c in _BREAKS for c in key) and len(key.encode()) <= _MAX_SIMPLE_KEY:
                self.node(key, mapping=True, simple_key=True)
                self.write_indicator(":", False, False, False)
            else:
                self.write_indicator("?", True, False, True)
                self.node(key, mapping=True)
                self.write_indent()
                self.write_indicator(":", True, False, True)
            self.node(texts[key], mapping=True)
        self.pop_indent()

    def scalar(self, text: str, requested: str) -> None:
        analysis = _analyze(text)
        style = self.select_style(text, requested, analysis)
        allow_breaks = not self.simple_key_context
        self.increase_indent(True, False)
        if style == PLAIN:
            self.write_plain(text, allow_breaks)
        elif style == SINGLE:
            self.write_single_quoted(text, allow_breaks)
        elif style == DOUBLE:
            self.write_double_quoted(text, allow_breaks)
        else:
            self.write_literal(text)
        self.pop_indent()

    def select_style(self, text: str, style: str, analysis: _Analysis) -> str:
        if self.simple_key_context and analysis.multiline:
            style = DOUBLE
        if style == PLAIN:
            plain_ok = analysis.flow_plain if self.flow_level else analysis.block_plain
            if not plain_ok or (not text and (self.flow_level or self.simple_key_context)):
                style = SINGLE
        if style == SINGLE and not analysis.single_quoted:
            style = DOUBLE
        if style == LITERAL and (not analysis.block or self.flow_level or self.simple_key_context):
            style = DOUBLE
        return style

    # -- scalar writers
    def write_plain(self, text: str, allow_breaks: bool) -> None:
        if not self.whitespace:
            self.put(" ")
        spaces = breaks = False
        for i, ch in enumerate(text):
            if ch == " ":
                nxt = text[i + 1] if i + 1 < len(text) else ""
                if allow_breaks and not spaces and self.column > _BEST_WIDTH and nxt != " ":
                    self.write_indent()
                else:
                    self.put(ch)
                spaces = True
            elif ch in _BREAKS:
                if not breaks and ch == "\n":
                    self.put_break()
                self.write_break(ch)
                self.indention, breaks = True, True
            else:
                if breaks:
                    self.write_indent()
                self.put(ch)
                self.indention, spaces, breaks = False, False, False
        self.whitespace = self.indention = False

    def write_single_quoted(self, text: str, allow_breaks: bool) -> None:
        self.write_indicator("'", True, False, False)
        spaces = breaks = False
        last = len(text) - 1
        for i, ch in enumerate(text):
            if ch == " ":
                if allow_breaks and not spaces and self.column > _BEST_WIDTH and 0 < i < last and text[i + 1] != " ":
                    self.write_indent()
                else:
                    self.put(ch)
                spaces = True
            elif ch in _BREAKS:
                if not breaks and ch == "\n":
                    self.put_break()
                self.write_break(ch)
                self.indention, breaks = True, True
            else:
                if breaks:
                    self.write_indent()
                self.put("''" if ch == "'" else ch)
                self.indention, spaces, breaks = False, False, False
        self.write_indicator("'", False, False, False)
        self.whitespace = self.indention = False

    def write_double_quoted(self, text: str, allow_breaks: bool) -> None:
        self.write_indicator('"', True, False, False)
        escape_all = text.startswith("\ufeff")      # go-yaml tests the BOM at the value start
        spaces = False
        last = len(text) - 1
        for i, ch in enumerate(text):
            if escape_all or not _is_printable(ch) or ch in _BREAKS or ch in '"\\':
                self.put("\\" + _escape(ord(ch)))
                spaces = False
            elif ch == " ":
                if allow_breaks and not spaces and self.column > _BEST_WIDTH and 0 < i < last:
                    self.write_indent()
                    if text[i + 1] == " ":
                        self.put("\\")
                else:
                    self.put(ch)
                spaces = True
            else:
                self.put(ch)
                spaces = False
        self.write_indicator('"', False, False, False)
        self.whitespace = self.indention = False

    def write_literal(self, text: str) -> None:
        self.write_indicator("|", True, False, False)
        if text and (text[0] == " " or text[0] in _BREAKS):
            self.write_indicator(str(_BEST_INDENT), False, False, False)
        chomp = ""
        if not text or text[-1] not in _BREAKS:
            chomp = "-"
        elif len(text) == 1 or text[-2] in _BREAKS:
            chomp = "+"
        if chomp:
            self.write_indicator(chomp, False, False, False)
        self.put_break()
        self.indention = self.whitespace = True
        breaks = True
        for ch in text:
            if ch in _BREAKS:
                self.write_break(ch)
                self.indention, breaks = True, True
            else:
                if breaks:
                    self.write_indent()
                self.put(ch)
                self.indention, breaks = False, False


def _escape(code: int) -> str:
    if code in _ESCAPES:
        return _ESCAPES[code]
    if code <= 0xFF:
        return f"x{code:02X}"
    if code <= 0xFFFF:
        return f"u{code:04X}"
    return f"U{code:08X}"
