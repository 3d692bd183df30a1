"""Request validation against the Bot API 10.1 specification shipped as `botapi-10.1.json`.

The JSON is generated from Telegram's documentation by PaulSonOfLars/telegram-bot-api-spec
(MIT licence, see README.md in this folder).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from bot.emulator.errors import ApiError, bad_request

SPEC_PATH = Path(__file__).with_name("botapi-10.1.json")
_INTEGER = re.compile(r"^-?\d+$")
_FLOAT = re.compile(r"^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
_CONSTANT = re.compile(r"must be (?:\"|“)?([a-z_]+)")
_MISSING = {
    "chat_id": "chat_id is empty",
    "message_id": "message identifier is not specified",
    "document": "there is no document in the request",
    "photo": "there is no photo in the request",
    "file_id": "wrong file_id specified",
}
_MISSING_BY_METHOD = {("sendMessage", "text"): "message text is empty"}
_JSON_NAMES = {"reply_markup": "reply keyboard markup"}


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Field:
    """One parameter or object field of the specification."""

    name: str
    types: tuple[str, ...]
    required: bool


class Spec:
    """The methods and types of the Bot API, with request coercion and validation."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.version: str = raw.get("version", "")
        self.methods: dict[str, str] = {name.lower(): name for name in raw["methods"]}
        self._fields: dict[str, list[Field]] = {
            name: [_field(f) for f in method.get("fields", [])]
            for name, method in raw["methods"].items()
        }
        self._types: dict[str, list[Field]] = {
            name: [_field(f) for f in t.get("fields", [])] for name, t in raw["types"].items()
        }
        self._subtypes: dict[str, list[str]] = {
            name: list(t["subtypes"]) for name, t in raw["types"].items() if "subtypes" in t
        }
        self._constants: dict[str, str] = {}
        for name, t in raw["types"].items():
            for f in t.get("fields", []):
                match = _CONSTANT.search(f.get("description", ""))
                if f["name"] in ("type", "source", "status") and match:
                    self._constants[name] = match.group(1)

    def canonical(self, method: str) -> str | None:
        """Returns the method's canonical name (Telegram matches names case-insensitively)."""
        return self.methods.get(method.lower())

    def fields(self, method: str) -> list[Field]:
        """Returns the parameters of a method."""
        return self._fields[method]

    def type_fields(self, type_name: str) -> list[Field]:
        """Returns the fields of an object type (empty for unknown or abstract types)."""
        return self._types.get(type_name, [])

    def validate(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Checks required parameters and types; returns the parameters coerced to Python values."""
        result: dict[str, Any] = {}
        for f in self._fields[method]:
            value = params.get(f.name)
            if value is None or (value == "" and f.name in _MISSING_BY_METHOD_NAMES):
                if f.required:
                    detail = _MISSING_BY_METHOD.get((method, f.name)) or _MISSING.get(f.name)
                    raise bad_request(detail or f'parameter "{f.name}" is required')
                continue
            result[f.name] = self.coerce(f.name, f.types, value)
        return result

    def coerce(self, name: str, types: tuple[str, ...], value: Any) -> Any:
        """Converts a raw request value to one of the allowed types, or raises a 400."""
        if isinstance(value, Upload):
            if "InputFile" in types:
                return value
            raise bad_request(f"invalid {name} specified")
        last_error: ApiError | None = None
        for t in types:
            try:
                return self._coerce_one(name, t, value)
            except ApiError as err:
                last_error = err
        assert last_error is not None
        raise last_error

    def _coerce_one(self, name: str, t: str, value: Any) -> Any:
        if t == "Integer":
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            if isinstance(value, str) and _INTEGER.match(value.strip()):
                return int(value.strip())
            raise bad_request(f"invalid {name} specified")
        if t == "Float":
            if isinstance(value, int | float) and not isinstance(value, bool):
                return float(value)
            if isinstance(value, str) and _FLOAT.match(value.strip()):
                return float(value)
            raise bad_request(f"invalid {name} specified")
        if t == "Boolean":
            if isinstance(value, bool):
                return value
            if isinstance(value, int) and value in (0, 1):
                return bool(value)
            if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
                return value.strip().lower() in ("true", "1")
            raise bad_request(f"invalid {name} specified")
        if t == "String":
            if isinstance(value, str):
                return value
            if isinstance(value, int | float) and not isinstance(value, bool):
                return str(value)
            raise bad_request(f"invalid {name} specified")
        if t == "InputFile":
            raise bad_request(f"invalid {name} specified")
        parsed = _parse_json(name, value)
        if name == "reply_markup":
            return parsed
        self.check(name, t, parsed)
        return parsed

    def check(self, name: str, t: str, value: Any) -> None:
        """Checks a decoded JSON value against a spec type such as `Array of BotCommand`."""
        if t.startswith("Array of "):
            if not isinstance(value, list):
                raise bad_request(f'field "{name}" must be an Array of {t[len("Array of ") :]}')
            for item in value:
                self.check(name, t[len("Array of ") :], item)
            return
        if t in ("Integer", "Float", "Boolean", "String"):
            scalar = {"Integer": int, "Float": int | float, "Boolean": bool, "String": str}[t]
            if not isinstance(value, scalar) or (t != "Boolean" and isinstance(value, bool)):
                raise bad_request(f'can\'t parse {name}: field "{name}" must be of type {t}')
            return
        if t == "InputFile":
            return
        if not isinstance(value, dict):
            raise bad_request(f"can't parse {name}: object expected as {t}")
        if t in self._subtypes:
            self.check(name, self._pick_subtype(name, t, value), value)
            return
        for f in self._types.get(t, []):
            if f.name not in value:
                if f.required:
                    raise bad_request(f'can\'t parse {t}: field "{f.name}" must be specified')
                continue
            errors: list[ApiError] = []
            for field_type in f.types:
                try:
                    self.check(f.name, field_type, value[f.name])
                    break
                except ApiError as err:
                    errors.append(err)
            else:
                raise errors[0]

    def _pick_subtype(self, name: str, t: str, value: dict[str, Any]) -> str:
        for sub in self._subtypes[t]:
            constant = self._constants.get(sub)
            if constant is not None and constant in (value.get("type"), value.get("source")):
                return sub
        raise bad_request(f"can't parse {name}: unsupported {t} type")


_MISSING_BY_METHOD_NAMES = frozenset({"text", "chat_id", "document", "photo"})


def _field(raw: dict[str, Any]) -> Field:
    return Field(raw["name"], tuple(raw["types"]), bool(raw.get("required", False)))


def _parse_json(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise bad_request(f"can't parse {_JSON_NAMES.get(name, name)} JSON object") from None


@cache
def load_spec() -> Spec:
    """Loads the bundled specification once."""
    return Spec(json.loads(SPEC_PATH.read_text(encoding="utf-8")))
