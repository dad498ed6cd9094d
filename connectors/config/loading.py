"""Reading ``storepulse.yaml``: find the file, parse it, check it, and word what is wrong.

Loading refuses what it cannot honour: every problem is a ``ConfigError`` whose message is one
line naming the file, the key and the problem, with a suggestion where a name looks misspelt.
References to stores and timezones are checked here; metric names are checked one floor up
(``tasks/settings.py``), where the metric registry lives.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, TypeGuard, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from connectors.config.channels import ChannelConfig
from connectors.config.fields import quote
from connectors.config.tree import Config, StoreConfig
from connectors.errors import ConfigError

CONFIG_ENV = "STOREPULSE_CONFIG"
DEFAULT_CONFIG = Path("storepulse.yaml")
#: Problems shown in one message; the rest are counted (each is one short clause).
SHOWN_PROBLEMS = 5

#: A problem found in a configuration: the key path (``checks.watch[0].metric``) and what is wrong.
Problem = tuple[str, str]


def config_path(explicit: str | Path | None = None) -> Path:
    """Find the config file: the argument, ``$STOREPULSE_CONFIG``, then ./storepulse.yaml."""
    return Path(explicit or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)


def load_config(explicit: str | Path | None = None) -> Config:
    """Read and validate the configuration file (metric names are checked by ``load_settings``).

    Raises:
        ConfigError: the file is missing, unreadable, not YAML, or breaks a rule; the message
            is one line naming the file, the key and the problem.
    """
    path = config_path(explicit)
    data = read_yaml(path)
    if not isinstance(data, dict):
        found = "empty" if data is None else f"a {_kind(data)}"
        raise ConfigError(f"{path}: is {found}; expected a mapping with a 'stores' list at the top")
    return parse_config(data, source=path)


def read_yaml(path: Path) -> Any:
    """The YAML document in ``path``; a key given twice in one mapping is refused.

    Raises:
        ConfigError: the file cannot be read, is not UTF-8 text or not YAML (with its line).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read configuration {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader)
    except yaml.MarkedYAMLError as exc:
        where = f" at line {exc.problem_mark.line + 1}" if exc.problem_mark else ""
        what = exc.problem or exc.context
        raise ConfigError(_one_line(f"{path}: not valid YAML{where}: {what}")) from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise ConfigError(_one_line(f"{path}: not valid YAML: {exc}")) from None


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, except that a repeated key is an error rather than the last one
    silently winning."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.value == "<<":
                continue
            key = self.construct_object(key_node)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"the key {key!r} is given twice",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse_config(data: dict[str, Any], source: Path | str = "configuration") -> Config:
    """Validate a parsed configuration; relative paths resolve beside ``source``.

    Raises:
        ConfigError: a key breaks a rule, or names a store that does not exist.
    """
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise refusal(source, [_describe(e) for e in exc.errors()]) from None
    refuse(source, list(reference_problems(config)))
    base = Path(source).parent if isinstance(source, Path) else Path.cwd()
    stores = [_beside(s, base) for s in config.stores]
    return config.model_copy(update={"stores": stores})


def _beside(store: StoreConfig, base: Path) -> StoreConfig:
    """The store with its relative file and folder paths resolved beside the configuration."""
    update = {
        key: base / path
        for key in ("traffic_csv", "import_dir")
        if (path := getattr(store, key)) is not None and not path.is_absolute()
    }
    return store.model_copy(update=update) if update else store


def refuse(source: Path | str, problems: list[Problem]) -> None:
    """Raise one ``ConfigError`` line for ``problems``; do nothing when there are none."""
    if problems:
        raise refusal(source, problems)


def refusal(source: Path | str, problems: list[Problem]) -> ConfigError:
    """One ``ConfigError`` line naming ``source`` and each problem's key."""
    shown = "; ".join(f"{key}: {what}" for key, what in problems[:SHOWN_PROBLEMS])
    more = len(problems) - SHOWN_PROBLEMS
    if more > 0:
        shown += f" (and {more} more)"
    return ConfigError(_one_line(f"{source}: {shown}"))


def suggest(name: str, known: Iterable[str], what: str) -> str:
    """``no <what> 'x'`` with the closest known name, or the known names when few are close."""
    choices = sorted(set(known))
    close = difflib.get_close_matches(name, choices, n=1)
    if close:
        return f"no {what} {quote(name)} (did you mean {close[0]}?)"
    if len(choices) <= 8:
        return f"no {what} {quote(name)} (known: {', '.join(choices) or 'none'})"
    return f"no {what} {quote(name)}"


def reference_problems(config: Config) -> Iterator[Problem]:
    """Store names referenced where they are not defined, and names defined twice."""
    stores = [s.name for s in config.stores]
    yield from _twice("stores", stores, "store")
    yield from _twice("channels", [c.name for c in config.channels], "channel")
    named: list[tuple[str, str]] = [
        (f"targets[{i}].store", t.store) for i, t in enumerate(config.targets)
    ]
    named += [(f"budgets[{i}].store", b.store) for i, b in enumerate(config.budgets)]
    named += [
        (f"campaigns[{i}].stores[{j}]", s)
        for i, c in enumerate(config.campaigns)
        for j, s in enumerate(c.stores)
    ]
    named += [
        (f"channels[{i}].stores[{j}]", s)
        for i, c in enumerate(config.channels)
        for j, s in enumerate(c.stores)
    ]
    named += [
        (f"checks.silence[{i}].store", s.store)
        for i, s in enumerate(config.checks.silence)
        if s.store is not None
    ]
    for key, name in named:
        if name not in stores:
            yield key, suggest(name, stores, "store")


def _twice(key: str, names: list[str], what: str) -> Iterator[Problem]:
    for index, name in enumerate(names):
        if name in names[:index]:
            yield f"{key}[{index}].name", f"the {what} name {name!r} is used twice"


def _describe(error: Any) -> Problem:
    """One pydantic error as a key path and words a person reads."""
    key, parent = _locate(error["loc"])
    kind = error["type"]
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind == "extra_forbidden":
        field = str(error["loc"][-1])
        fields = list(parent.model_fields) if _is_model(parent) else []
        close = difflib.get_close_matches(field, fields, n=1)
        message = f"unknown key (did you mean {close[0]}?)" if close else "unknown key"
    elif kind in ("union_tag_invalid", "union_tag_not_found"):
        tags = sorted(_channel_tags())
        given = error.get("ctx", {}).get("tag")
        key = f"{key}.type"
        if given is None:
            message = f"missing; give one of {', '.join(tags)}"
        else:
            message = suggest(str(given), tags, "channel type")
    elif kind == "literal_error" and isinstance(error.get("input"), str):
        expected = re.findall(r"'([^']*)'", str(error.get("ctx", {}).get("expected", "")))
        close = difflib.get_close_matches(error["input"], expected, n=1)
        message += f" (did you mean {close[0]}?)" if close else ""
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        message = "must be a mapping of keys to values"
    elif kind == "list_type":
        message = "must be a list"
    elif kind == "missing":
        message = "missing (this key is required)"
    return key or "top level", re.sub(r"^Input should be ", "must be ", message)


Node = type[BaseModel] | dict[str, type[BaseModel]] | None


def _locate(loc: tuple[Any, ...]) -> tuple[str, Node]:
    """The key path of a pydantic location (without the union tags it inserts), and the model
    the last key belongs to."""
    node: Node = Config
    parent: Node = None
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
            continue
        if isinstance(node, dict) and part in node:
            node = node[part]  # the tag of a discriminated union: not a key of the file
            continue
        path += _key_text(part, first=not path)
        parent = node
        fields = node.model_fields if _is_model(node) else {}
        node = _models_in(fields[part].annotation) if part in fields else None
    return path, parent


def _key_text(part: object, first: bool) -> str:
    """A key as the file's path writes it; an odd one (``to do``, ``:``) quoted in brackets."""
    if isinstance(part, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
        return part if first else f".{part}"
    return f"[{quote(part)}]"


def _is_model(node: object) -> TypeGuard[type[BaseModel]]:
    return isinstance(node, type) and issubclass(node, BaseModel)


def _models_in(annotation: Any) -> Node:
    """The model a field holds (through lists and Optional), or its union's models by tag."""
    origin = get_origin(annotation)
    if origin is Annotated or origin is list:
        return _models_in(get_args(annotation)[0])
    if origin is Union or origin is UnionType:
        members = [m for m in get_args(annotation) if m is not type(None)]
        if len(members) == 1:
            return _models_in(members[0])
        return {_tag(m): m for m in members if _is_model(m) and "type" in m.model_fields}
    return annotation if _is_model(annotation) else None


def _tag(model: type[BaseModel]) -> str:
    return str(get_args(model.model_fields["type"].annotation)[0])


def _channel_tags() -> list[str]:
    return [_tag(m) for m in get_args(get_args(ChannelConfig)[0])]


def _kind(value: object) -> str:
    names: dict[type, str] = {list: "list", str: "string"}
    return names.get(type(value), type(value).__name__)


def _one_line(text: str) -> str:
    return " ".join(text.split())
