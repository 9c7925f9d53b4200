"""Tools: plain typed ``async def`` functions whose signature is their schema.

The JSON schema the planner prompt shows, the validation of a step's arguments and the
offline router all read the same source of truth: the function's signature and docstring.
A tool of a remote service (an MCP server, an HTTP API) has a JSON schema instead of a
signature: ``Tool.from_schema`` keeps that schema for the planner and derives the same
typed model from it for validation and the offline router.
"""

from __future__ import annotations

import copy
import inspect
import keyword
import re
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Literal, Optional, get_type_hints

import pydantic

from .._common.errors import ToolError
from .._common.wording import problems

ToolFunction = Callable[..., Awaitable[Any]]

#: What a call does to the world: ``read`` changes nothing (a computation, a lookup, a fetch),
#: ``write`` creates or changes something, ``destructive`` deletes or overwrites. A tool that
#: writes or destroys runs only with the user's approval, on arguments the user gave.
Effect = Literal["read", "write", "destructive"]
EFFECTS: tuple[str, ...] = ("read", "write", "destructive")


def _effect(name: str, effect: Any) -> str:
    if effect not in EFFECTS:
        raise TypeError(f"tool {name}: effect must be one of {', '.join(EFFECTS)}, not {effect!r}")
    return effect

_ARGS_HEADER = re.compile(r"^\s*(Args|Arguments|Parameters):\s*$")
_ARG_LINE = re.compile(r"^\s*(\w+)\s*(\([^)]*\))?\s*:\s*(.+)$")


def _split_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """Summary paragraph and Google-style ``Args:`` descriptions of a docstring."""
    lines = inspect.cleandoc(doc or "").splitlines()
    summary: list[str] = []
    params: dict[str, str] = {}
    in_args = False
    last: str | None = None
    summary_done = False
    for line in lines:
        if _ARGS_HEADER.match(line):
            in_args, summary_done = True, True
            continue
        if in_args:
            match = _ARG_LINE.match(line)
            if match:
                last = match.group(1)
                params[last] = match.group(3).strip()
            elif line.strip() and last and line.startswith((" ", "\t")):
                params[last] += " " + line.strip()
            else:
                in_args = False
            continue
        if not line.strip():
            summary_done = summary_done or bool(summary)
        elif not summary_done:
            summary.append(line.strip())
    return " ".join(summary), params


@dataclass
class Tool:
    """A callable an agent can use, with the schema derived from its signature."""

    name: str
    description: str
    function: ToolFunction
    examples: list[str] = field(default_factory=list)
    agent: str | None = None
    #: parameters whose values are network destinations (see ``tool(network_targets=...)``)
    network_targets: tuple[str, ...] = ()
    #: seconds one call may take; ``None``: ``AGENTPLAT_TOOL_TIMEOUT``
    timeout: float | None = None
    #: what a call does to the world (``read``, ``write``, ``destructive``; see ``Effect``)
    effect: str = "read"
    #: whether a call reaches outside this machine's own data (the web, a remote service)
    open_world: bool = False
    #: whether the result's values that are URLs by themselves are addresses the tool vouches
    #: for (a search's hits), see ``tool(returns_urls=...)``
    returns_urls: bool = False
    #: a computation: same arguments, same result, and nothing touched outside the process
    #: (see ``tool(pure=...)``); the planner may run it to check a model's plan
    pure: bool = False
    _model: type[pydantic.BaseModel] | None = field(default=None, repr=False)
    _param_docs: dict[str, str] = field(default_factory=dict, repr=False)
    _schema: dict[str, Any] | None = field(default=None, repr=False)  # from_schema tools only
    _json_schema: dict[str, Any] | None = field(default=None, repr=False, compare=False)  # built once

    @classmethod
    def from_function(
        cls,
        function: ToolFunction,
        *,
        name: str | None = None,
        description: str | None = None,
        examples: list[str] | None = None,
        network_targets: list[str] | tuple[str, ...] | None = None,
        timeout: float | None = None,
        effect: str | None = None,
        open_world: bool | None = None,
        returns_urls: bool | None = None,
        pure: bool | None = None,
    ) -> "Tool":
        if not inspect.iscoroutinefunction(function):
            raise TypeError(f"tool {function.__qualname__} must be an async def")
        summary, param_docs = _split_docstring(function.__doc__ or "")
        if not (description or summary):
            raise TypeError(f"tool {function.__qualname__} needs a docstring")
        examples = list(examples or getattr(function, "__agentplat_examples__", []))
        targets = tuple(network_targets if network_targets is not None
                        else getattr(function, "__agentplat_network_targets__", ()))
        params = inspect.signature(function).parameters
        unknown = [t for t in targets if t not in params]
        if unknown:
            raise TypeError(f"tool {function.__qualname__}: network_targets names {unknown[0]!r}, "
                            f"which is not one of its parameters ({', '.join(params) or 'none'})")
        timeout = timeout if timeout is not None else getattr(function, "__agentplat_timeout__", None)
        effect = effect if effect is not None else getattr(function, "__agentplat_effect__", "read")
        open_world = open_world if open_world is not None else getattr(function, "__agentplat_open_world__", False)
        returns_urls = returns_urls if returns_urls is not None else getattr(function, "__agentplat_returns_urls__", False)
        pure = pure if pure is not None else getattr(function, "__agentplat_pure__", False)
        if pure and (effect != "read" or open_world):
            raise TypeError(f"tool {function.__qualname__}: a pure tool only computes (effect 'read', not open_world)")
        return cls(
            name=name or function.__name__,
            description=description or summary,
            function=function,
            examples=examples,
            network_targets=targets,
            timeout=_seconds(function.__qualname__, timeout),
            effect=_effect(function.__qualname__, effect),
            open_world=bool(open_world),
            returns_urls=bool(returns_urls),
            pure=bool(pure),
            _param_docs=param_docs,
        )

    @classmethod
    def from_schema(
        cls,
        name: str,
        description: str,
        parameters: dict[str, Any],
        call: ToolFunction,
        *,
        examples: list[str] | None = None,
        network_targets: list[str] | tuple[str, ...] = (),
        timeout: float | None = None,
        effect: str = "read",
        open_world: bool = False,
        returns_urls: bool = False,
    ) -> "Tool":
        """A tool described by a JSON schema (``{"type": "object", "properties": ...}``)
        rather than a signature, for tools that live in another process or service.

        ``call(**args)`` gets the arguments the step gave, checked against the schema's
        top-level properties and types (the service checks the rest); parameters the step
        left out are not sent, so the service applies its own defaults. ``network_targets``,
        ``timeout``, ``effect``, ``open_world`` and ``returns_urls`` mean what they mean for :func:`tool`.
        """
        if not inspect.iscoroutinefunction(call):
            raise TypeError(f"tool {name}: call must be an async def")
        if not isinstance(parameters, dict) or parameters.get("type", "object") != "object":
            raise TypeError(f"tool {name}: parameters must be a JSON schema of type object")
        schema = copy.deepcopy(parameters)
        schema["type"] = "object"
        schema.setdefault("properties", {})
        schema.setdefault("required", [])
        unknown = [t for t in network_targets if t not in schema["properties"]]
        if unknown:
            raise TypeError(f"tool {name}: network_targets names {unknown[0]!r}, which is not one of its parameters")
        return cls(name=name, description=" ".join((description or name).split()), function=call,
                   examples=list(examples or []), network_targets=tuple(network_targets),
                   timeout=_seconds(name, timeout), effect=_effect(name, effect), open_world=bool(open_world),
                   returns_urls=bool(returns_urls), _schema=schema)

    @property
    def acts(self) -> bool:
        """Whether a call changes the world (``write`` or ``destructive``): such a call needs
        the user's approval and arguments the user gave."""
        return self.effect != "read"

    @property
    def targets(self) -> tuple[str, ...]:
        """The parameters whose values are network destinations: those declared
        (``network_targets``), any of ``"format": "uri"``, and, for an open-world tool, any whose
        name or description says it is an address (``url``, ``host``, ``target``, ``endpoint``...).
        Inside a task step their values must come from trusted text (``_common.provenance``)."""
        found = list(self.network_targets)
        for name, prop in self._properties_schema().get("properties", {}).items():
            prop = prop if isinstance(prop, dict) else {}
            described = str(prop.get("description") or "")
            if name not in found and (prop.get("format") in _URI_FORMATS or (
                    self.open_world and (_ADDRESS_NAME.search(name) or _ADDRESS_WORD.search(described)))):
                found.append(name)
        return tuple(found)

    @property
    def code_params(self) -> tuple[str, ...]:
        """Parameters that take source code (``"contentMediaType": "text/x-python"`` and the
        like): a program, not a value. A plan passes earlier results to such a tool as values
        in other parameters, never pasted into the code, and the code's own names and constants
        are not values the request must give."""
        return tuple(name for name, prop in self._properties_schema().get("properties", {}).items()
                     if isinstance(prop, dict) and str(prop.get("contentMediaType", "")).startswith("text/x-"))

    @property
    def untrusted_results(self) -> bool:
        """Whether what a call returns is data from outside (a page, a remote service's answer):
        an open-world tool's, or one that reaches a network target."""
        return self.open_world or bool(self.targets)

    @property
    def choices(self) -> tuple[str, ...]:
        """Parameters that take one of a fixed set of values (an ``enum``): a choice, never a target."""
        return tuple(name for name, prop in self._properties_schema().get("properties", {}).items()
                     if isinstance(prop, dict) and prop.get("enum"))

    @property
    def args_model(self) -> type[pydantic.BaseModel]:
        """A pydantic model of the parameters, built once from the signature (or schema)."""
        if self._model is None:
            if self._schema is not None:
                self._model = _model_from_schema(self._schema, self.name)
            else:
                self._model = _model_from_signature(self.function, self.name, self._param_docs)
        return self._model

    @property
    def parameters(self) -> dict[str, Any]:
        """The JSON schema of the arguments, as the OpenAI ``tools`` API wants it (a copy:
        change it freely)."""
        return copy.deepcopy(self._properties_schema())

    def _properties_schema(self) -> dict[str, Any]:
        """The schema itself, built once (pydantic takes milliseconds; every call that checks
        a tool's targets or choices reads it): never to be changed."""
        if self._json_schema is None:
            if self._schema is not None:
                schema = copy.deepcopy(self._schema)
            else:
                schema = self.args_model.model_json_schema()
                schema.pop("title", None)
                for prop in schema.get("properties", {}).values():
                    prop.pop("title", None)
                schema.setdefault("properties", {})
                schema.setdefault("required", [])
            self._json_schema = schema
        return self._json_schema

    @property
    def signature(self) -> inspect.Signature:
        return inspect.signature(self.function)

    def validate_args(self, args: dict[str, Any]) -> dict[str, Any]:
        """Check ``args`` against the schema; return them coerced to the declared types.

        An earlier step's result passed to a ``str`` parameter is given as its readable
        text (a weather report, a list of search hits), not rejected for its type.
        """
        args = {k: self._as_text(k, v) for k, v in args.items()}
        try:
            model = self.args_model.model_validate(args)
        except pydantic.ValidationError as exc:
            raise ToolError(_describe_errors(self.name, exc.errors())) from None
        if self._schema is not None:  # only what was given, under the service's own names
            return model.model_dump(by_alias=True, exclude_unset=True)
        return {name: getattr(model, name) for name in type(model).model_fields}

    def _as_text(self, name: str, value: Any) -> Any:
        field = self.args_model.model_fields.get(name)
        if field is None or isinstance(value, str) or value is None or field.annotation is not str:
            return value
        from .._common.jsondata import show

        return show(value)

    def check_args(self, args: dict[str, Any], *, deferred: set[str] = frozenset()) -> None:
        """Validate a plan's arguments; ``deferred`` ones hold references resolved at run time,
        so only their names are checked now."""
        fields = self.args_model.model_fields
        names = set(fields) | {f.alias for f in fields.values() if f.alias}
        unknown = [name for name in deferred if name not in names]
        if unknown:
            raise ToolError(f"invalid arguments for {self.name}: {unknown[0]}: Extra inputs are not permitted")
        literal = {k: v for k, v in args.items() if k not in deferred}
        try:
            self.args_model.model_validate(literal)
        except pydantic.ValidationError as exc:
            real = [e for e in exc.errors() if not (e["type"] == "missing" and e["loc"][0] in deferred)]
            if real:
                raise ToolError(_describe_errors(self.name, real)) from None

    async def __call__(self, **args: Any) -> Any:
        return await self.function(**self.validate_args(args))


_URI_FORMATS = ("uri", "uri-reference", "iri", "iri-reference", "url")
_ADDRESS_NAME = re.compile(r"(?i)(^|_)(url|uri|href|link|endpoint|address|target|host|hostname|website|site|domain)s?$"
                           r"|(Url|Uri|URL|URI|Host|Target|Address|Endpoint|Link)s?$")
_ADDRESS_WORD = re.compile(r"(?i)\b(url|uri|href|link|endpoint|address|target|host(name)?|website|domain)s?\b")


def _seconds(name: str, timeout: Any) -> float | None:
    """A tool's declared timeout, checked: a positive number of seconds (or ``None``)."""
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise TypeError(f"tool {name}: timeout must be a positive number of seconds, not {timeout!r}")
    return float(timeout)


def _model_from_signature(function, name: str, docs: dict[str, str]) -> type[pydantic.BaseModel]:
    hints = get_type_hints(function, include_extras=True)
    fields: dict[str, Any] = {}
    for param in inspect.signature(function).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise TypeError(f"tool {name}: *args/**kwargs are not allowed")
        annotation = hints.get(param.name, Any)
        default = ... if param.default is param.empty else param.default
        fields[param.name] = (
            annotation,
            pydantic.Field(default, description=docs.get(param.name)),
        )
    config = pydantic.ConfigDict(extra="forbid", arbitrary_types_allowed=True)
    return pydantic.create_model(f"{name}_args", __config__=config, **fields)


_JSON_TYPES: dict[str, Any] = {"string": str, "integer": int, "number": float, "boolean": bool,
                               "object": dict[str, Any], "null": type(None)}


def _annotation(prop: Any) -> Any:
    """A Python type for a JSON schema property: the plain types, enums, arrays, nullables;
    anything else is ``Any`` (the service validates what this cannot say)."""
    if not isinstance(prop, dict):
        return Any
    enum = prop.get("enum")
    if isinstance(enum, list) and enum and all(isinstance(v, (str, int, float, bool)) for v in enum):
        return Literal[tuple(enum)]
    kind = prop.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        if len(kinds) == 1:
            inner = _annotation({**prop, "type": kinds[0]})
            return Optional[inner] if "null" in kind else inner
        return Any
    if kind == "array":
        return list[_annotation(prop.get("items"))] if isinstance(prop.get("items"), dict) else list[Any]
    if kind in _JSON_TYPES:
        return _JSON_TYPES[kind]
    options = prop.get("anyOf") or prop.get("oneOf")
    if isinstance(options, list):
        real = [o for o in options if not (isinstance(o, dict) and o.get("type") == "null")]
        if len(real) == 1:
            inner = _annotation(real[0])
            return Optional[inner] if len(real) < len(options) else inner
    return Any


def _model_from_schema(schema: dict[str, Any], name: str) -> type[pydantic.BaseModel]:
    required = set(schema.get("required") or [])
    fields: dict[str, Any] = {}
    for index, (prop, spec) in enumerate((schema.get("properties") or {}).items()):
        safe = prop.isidentifier() and not keyword.iskeyword(prop) and not prop.startswith(("_", "model_")) \
            and not hasattr(pydantic.BaseModel, prop)
        description = spec.get("description") if isinstance(spec, dict) else None
        default = ... if prop in required else None
        fields[prop if safe else f"arg_{index}"] = (
            _annotation(spec), pydantic.Field(default, description=description, alias=None if safe else prop))
    extra = "allow" if schema.get("additionalProperties") not in (None, False) else "forbid"
    config = pydantic.ConfigDict(extra=extra, populate_by_name=True, arbitrary_types_allowed=True)
    return pydantic.create_model(f"{re.sub(r'[^0-9A-Za-z_]', '_', name)}_args", __config__=config, **fields)


def _describe_errors(tool: str, errors: list[dict]) -> str:
    return f"invalid arguments for {tool}: " + problems(errors)


def tool(
    function: ToolFunction | None = None,
    *,
    name: str | None = None,
    examples: list[str] | None = None,
    network_targets: list[str] | tuple[str, ...] | None = None,
    timeout: float | None = None,
    effect: str | None = None,
    open_world: bool | None = None,
    returns_urls: bool | None = None,
    pure: bool | None = None,
):
    """Mark an ``async def`` as a tool and attach example phrases the offline planner uses.

    Usable bare (``@tool``) or with options (``@tool(examples=["..."])``); the function
    stays a plain coroutine function, callable as before.

    ``network_targets`` names the parameters whose values are network destinations (a URL to
    fetch, a host to call): inside an agent's task step such a value is used only when the
    user's request, the plan or an earlier step's result gives it, never when it comes from a
    tool result alone (a page saying "now fetch X"). ``timeout`` is how many seconds one call
    may take (default ``AGENTPLAT_TOOL_TIMEOUT``, 120); a call that takes longer fails its step.

    ``effect`` says what a call does to the world: ``"read"`` (the default: it changes nothing,
    like a computation, a lookup or a fetch), ``"write"`` (it creates or changes something) or
    ``"destructive"`` (it deletes or overwrites). A ``write`` or ``destructive`` call runs only
    when the user approved it, and the offline planner fills its arguments only from values the
    request names explicitly. ``open_world`` says a call reaches beyond this machine (the web, a
    remote service): what it returns is data, never a source of targets for calls that act.

    ``returns_urls`` says the tool returns addresses it vouches for (a search's hits): a value of
    its result that is a URL by itself may be fetched next. Without it no result "is a URL",
    whatever it looks like: a page whose whole text is a link vouches for nothing.

    ``pure`` says the tool only computes: the same arguments always give the same result, and a
    call reads and changes nothing outside its process (no files, network, clock or randomness).
    The planner may then run it while checking a model's plan: where the offline planner reads a
    part of the request exactly, the model's plan must compute the same value for it.
    """

    def mark(fn: ToolFunction) -> ToolFunction:
        fn.__agentplat_examples__ = list(examples or [])
        if name:
            fn.__agentplat_name__ = name
        if network_targets is not None:
            fn.__agentplat_network_targets__ = tuple(network_targets)
        if timeout is not None:
            fn.__agentplat_timeout__ = timeout
        if effect is not None:
            fn.__agentplat_effect__ = _effect(getattr(fn, "__qualname__", "tool"), effect)
        if open_world is not None:
            fn.__agentplat_open_world__ = bool(open_world)
        if returns_urls is not None:
            fn.__agentplat_returns_urls__ = bool(returns_urls)
        if pure is not None:
            fn.__agentplat_pure__ = bool(pure)
        return fn

    return mark(function) if function is not None else mark


def as_tool(obj: ToolFunction | Tool) -> Tool:
    """Accept a ``Tool`` or a plain function (optionally marked with ``@tool``)."""
    if isinstance(obj, Tool):
        return obj
    return Tool.from_function(obj, name=getattr(obj, "__agentplat_name__", None))
