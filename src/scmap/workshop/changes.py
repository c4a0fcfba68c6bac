"""What a browser may send to the room.

Each change checked for type and size by pydantic before
anything else looks at it (every text is plain data, its length capped; ids have one form).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter

__all__ = ["CHANGE", "Change", "Join"]

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,64}$")]
Key = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]
Words = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]


class _Change(BaseModel):
    model_config = ConfigDict(extra="forbid")
    change_id: Id = Field(description="made by the browser; a change sent twice is applied once")


class Propose(_Change):
    kind: Literal["propose"]
    type: Key
    title: Title
    reason: Reason = ""
    geometry: dict[str, Any]


class Edit(_Change):
    kind: Literal["edit"]
    site: Id
    type: Key | None = None
    title: Title | None = None
    reason: Reason | None = None
    geometry: dict[str, Any] | None = None


class Withdraw(_Change):
    kind: Literal["withdraw"]
    site: Id


class Comment(_Change):
    kind: Literal["comment"]
    site: Id
    text: Words
    reply_to: Id | None = None


class Vote(_Change):
    kind: Literal["vote"]
    site: Id
    value: Literal[-1, 0, 1] = Field(description="1 support, -1 oppose, 0 take the vote back")


class Weights(_Change):
    kind: Literal["weights"]
    model: Key
    weights: Annotated[dict[Key, Annotated[float, Field(ge=0, le=1e6)]], Field(max_length=64)]


class Round(_Change):
    kind: Literal["round"]
    state: Literal["open", "paused", "closed"]


class Hide(_Change):
    kind: Literal["hide"]
    site: Id
    hidden: bool = True


class Merge(_Change):
    kind: Literal["merge"]
    site: Id
    into: Id


class Join(BaseModel):
    """The join form: the workshop code, a name and an organisation."""

    model_config = ConfigDict(extra="forbid")
    code: Annotated[str, StringConstraints(max_length=64)]
    name: Name
    organisation: Name


Change = Annotated[
    Propose | Edit | Withdraw | Comment | Vote | Weights | Round | Hide | Merge, Field(discriminator="kind")
]
CHANGE: TypeAdapter[Any] = TypeAdapter(Change)
FACILITATOR_ONLY = ("round", "hide", "merge")
