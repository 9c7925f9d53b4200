"""Parameter types that plugins share, with JSON schemas LLMs understand."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import WithJsonSchema

#: An exact decimal number; shown to models as a plain JSON ``number``.
Number = Annotated[Decimal, WithJsonSchema({"type": "number"})]
