"""A run's parameters (one section per stage) and their loading: YAML read with every key once,
validated, each error said with the file, the key and the fix.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, PrivateAttr, ValidationError, field_validator, model_validator

from seglab import secret
from seglab.config.sections import (
    ENGINE_MOVED,
    Cleaning,
    Engine,
    Features,
    Midas,
    Monitoring,
    Personas,
    Prediction,
    Prioritization,
    Report,
    Segmentation,
)
from seglab.config.source import SECRET_MESSAGE, ParamsError, Source, Strict


class Params(Strict):
    """All parameters of one run."""

    run_name: str = Field(
        "default",
        description="letters, digits, _ . - (starting with a letter or digit, at most "
        "64 characters): it names the run's folders",
    )
    seed: int = Field(42, ge=0)
    source: Source = Field(default_factory=Source)
    cleaning: Cleaning = Field(default_factory=Cleaning)
    features: Features = Field(default_factory=Features)
    segmentation: Segmentation = Field(default_factory=Segmentation)
    personas: Personas = Field(default_factory=Personas)
    midas: Midas = Field(default_factory=Midas)
    prediction: Prediction = Field(default_factory=Prediction)
    prioritization: Prioritization = Field(default_factory=Prioritization)
    monitoring: Monitoring = Field(default_factory=Monitoring)
    engine: Engine = Field(default_factory=Engine)
    report: Report = Field(default_factory=Report)
    #: the parameters read from where they were before (``features.engine``): the lines to move them
    _moved: list[tuple[str, str]] = PrivateAttr(default_factory=list)

    @model_validator(mode="wrap")
    @classmethod
    def _engine_moved(cls, data: Any, handler) -> Params:
        """``features.engine``, ``features.duckdb`` and ``features.spark`` are still read (as
        ``engine.kind``, ``engine.duckdb``, ``engine.spark``); :attr:`moved` says so.
        """
        moved = []
        if isinstance(data, dict) and isinstance(data.get("features"), dict):
            features, engine = dict(data["features"]), data.get("engine")
            engine = dict(engine) if isinstance(engine, dict) else {}
            for old, new in ENGINE_MOVED.items():
                if old in features:
                    value = features.pop(old)
                    if new in engine and engine[new] != value:
                        raise ValueError(
                            f"features.{old} and engine.{new} differ: give engine.{new} only (features.{old} is "
                            "where it was before the engine had a section of its own)"
                        )
                    engine[new] = value
                    moved.append((f"features.{old}", f"engine.{new}"))
            if moved:
                data = {**data, "features": features, "engine": engine}
        params = handler(data)
        params._moved = moved
        return params

    @model_validator(mode="after")
    def _features_on_the_engine(self) -> Params:
        self.features._engine = self.engine
        return self

    @property
    def moved(self) -> list[tuple[str, str]]:
        """(old place, new place) of each parameter read from where it was before."""
        return list(self._moved)

    @field_validator("run_name")
    @classmethod
    def _plain_name(cls, v: str) -> str:
        from seglab.paths import RUN_NAME

        if not RUN_NAME.fullmatch(v):
            raise ValueError(
                "a run name is 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit "
                "(it names folders: data/*/<run>/, reports/<run>/)"
            )
        return v


# --------------------------------------------------------------------------------------------
# loading and error messages
# --------------------------------------------------------------------------------------------
def _model_in(ann) -> type[BaseModel] | None:
    """The pydantic model an annotation holds: the model itself, or the values of a dict or list of them."""
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for a in getattr(ann, "__args__", ()):
        inner = _model_in(a)
        if inner is not None:
            return inner
    return None


def _known_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """Field names of the model reached by following ``loc``: through nested models and the values
    of mappings (``tables.<name>`` is a TableSource).
    """
    current: Any = model
    expect_key = False  # the previous step entered a mapping: this part is one of its keys
    for part in loc:
        if current is None:
            return []
        if expect_key or isinstance(part, int):
            expect_key = False
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return []
        ann = fields[part].annotation
        origin = getattr(ann, "__origin__", None)
        expect_key = origin in (dict, list) or any(
            getattr(a, "__origin__", None) in (dict, list) for a in getattr(ann, "__args__", ())
        )
        current = _model_in(ann)
    return list(getattr(current, "model_fields", {}) or [])


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _format_errors(exc: ValidationError, origin: str) -> str:
    lines = [f"{origin}: invalid parameters"]
    for err in exc.errors():
        loc = tuple(err["loc"])
        key = ".".join(str(p) for p in loc) or "(top level)"
        if err["type"] == "extra_forbidden":
            known = _known_keys(Params, loc[:-1])
            close = difflib.get_close_matches(str(loc[-1]), known, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            lines.append(f"  - key '{key}' is not a known parameter.{hint} Known keys here: {', '.join(known)}")
        else:
            value = err.get("input")
            hidden = isinstance(value, str) and secret.looks_secret(value)
            shown = "" if isinstance(value, dict) or hidden else f" (got {_short(value)})"  # never echo a secret
            lines.append(f"  - key '{key}': {err['msg']}{shown}")
    return "\n".join(lines)


def _secret_keys(data: Any, at: str = "") -> list[str]:
    """The keys (dotted, lists by index) of every text in ``data`` that holds a password, in any
    form :func:`seglab.secret.looks_secret` knows: a password is refused anywhere in parameters.
    """
    if isinstance(data, dict):
        out = []
        for k, v in data.items():
            key = f"{at}.{k}" if at else str(k)
            # a key that is itself the secret is named by where it is, never echoed
            out += [at or "(top level)"] if isinstance(k, str) and secret.looks_secret(k) else _secret_keys(v, key)
        return out
    if isinstance(data, list | tuple):
        return [k for i, v in enumerate(data) for k in _secret_keys(v, f"{at}[{i}]")]
    return [at or "(top level)"] if isinstance(data, str) and secret.looks_secret(data) else []


def validate(data: dict[str, Any] | None, origin: str = "parameters") -> Params:
    """Validate a parameters mapping; raise :class:`ParamsError` naming each bad key."""
    for key in _secret_keys(data or {}):
        raise ParamsError(f"{origin}: invalid parameters\n  - key '{key}': {SECRET_MESSAGE}")
    try:
        return Params.model_validate(data or {})
    except ValidationError as exc:
        raise ParamsError(_format_errors(exc, origin)) from None


class _UniqueKeys(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice in one mapping (the second would silently win)."""


def _unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict = {}
    for key_node, _value in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":  # "<<: *anchor": merged keys may be given again
            continue
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if isinstance(key, str | int | float | bool) and key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"key '{key}' is given twice (lines {seen[key]} and {line}): the second would silently replace the "
                "first; keep one",
                key_node.start_mark,
            )
        if isinstance(key, str | int | float | bool):
            seen[key] = line
    return loader.construct_mapping(node, deep)


_UniqueKeys.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def load(path: str | Path) -> Params:
    """Read and validate a YAML parameters file."""
    path = Path(path)
    if path.exists() and not path.is_file():
        raise ParamsError(f"{path}: not a regular file (a folder, FIFO or device); give the path of a YAML file")
    if not path.is_file():
        raise ParamsError(
            f"{path}: parameters file not found. Give the path of a YAML file such as notebooks/params/default.yaml."
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ParamsError(
            f"{path}: not UTF-8 text (byte {raw[exc.start]:#04x} on line {line}); save the parameters "
            "file as UTF-8 (in most editors: Save with encoding, UTF-8)"
        ) from None
    try:
        data = yaml.load(text, Loader=_UniqueKeys)  # noqa: S506 - a SafeLoader that refuses repeated keys
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path}: not valid YAML: {exc}") from None
    except RecursionError:
        raise ParamsError(
            f"{path}: nested too deeply to be parameters (thousands of levels of lists or mappings); "
            "check the file, a parameters file has a few levels"
        ) from None
    if data is not None and not isinstance(data, dict):
        raise ParamsError(f"{path}: the top level must be a mapping of keys (run_name, seed, source, ...)")
    return validate(data, origin=str(path))


def from_notebook(**sections: Any) -> Params:
    """Validate the values of a notebook's ``parameters`` cell (missing sections take defaults)."""
    return validate(sections, origin="notebook parameters")


def notebook_values(params: Params, keys: list[str]) -> dict[str, Any]:
    """The run's values for the given top-level keys, as plain literals for papermill."""
    dumped = params.model_dump(mode="json")
    return {k: dumped[k] for k in keys}
