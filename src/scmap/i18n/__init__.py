"""The words scmap writes on the map, in the report and in the atlas, in the workshop's language.

One YAML file per language (``en.yaml``, ``es.yaml``...) maps a message id to its text; ``{name}``
marks a value scmap fills in. English is the reference: every shipped language has every id of
``en.yaml`` (a test checks it). A city extends or corrects a language with its own files
(``map.translations:``), or adds a language scmap does not ship; ids it leaves out are English,
with a warning. Numbers follow the language's conventions (decimal and group marks from CLDR,
through Babel).

Examples
--------
>>> es = load_messages("es")
>>> es("map.rank_of", rank=5, n=73)
'5 de 73'
>>> es.num(11522400), es.num(0.4567, 2), es.pct(0.42)
('11.522.400', '0,46', '42\\xa0%')
>>> load_messages("en").num(1234.5, 1)
'1,234.5'
"""

from __future__ import annotations

import functools
import re
import string
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scmap._yaml import loads, read_yaml
from scmap.errors import ProjectError, ScmapWarning

if TYPE_CHECKING:
    from scmap.catalogue import Catalogue

__all__ = ["LANGUAGES", "Messages", "english", "load_messages", "placeholders"]

LANGUAGES = ("en", "es", "ca", "bg", "nl", "de", "fr", "it")
"""Languages scmap ships a translation file for."""
_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def placeholders(text: str) -> set[str]:
    """The ``{name}`` fields of a message."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@dataclass(frozen=True)
class Messages:
    """A language's texts (message id -> text) and its number marks; call it with an id."""

    language: str
    texts: Mapping[str, str]
    decimal: str = "."
    group: str = ","
    percent: str = "%"
    """What follows the number in a percentage (``%``, or a no-break space and ``%``)."""

    def __call__(self, key: str, **values: Any) -> str:
        text = self.texts[key]
        return text.format(**values) if values else text

    def get(self, key: str) -> str | None:
        return self.texts.get(key)

    def num(self, value: float, digits: int = 0) -> str:
        """*value* with *digits* decimals and the language's decimal and group marks."""
        plain = f"{value:,.{digits}f}"
        if self.decimal == "." and self.group == ",":
            return plain
        return plain.replace(",", "\0").replace(".", self.decimal).replace("\0", self.group)

    def pct(self, share: float) -> str:
        """A share (0-1) as a whole percentage."""
        return f"{self.num(round(share * 100))}{self.percent}"

    def for_page(self) -> dict[str, Any]:
        """What the map page needs: its texts (ids starting ``map.``) and the number marks."""
        texts = {k: v for k, v in self.texts.items() if k.startswith("map.")}
        return {"lang": self.language, "texts": texts, "percent": self.percent}

    def catalogue(self, cat: Catalogue) -> Catalogue:
        """*cat* with the built-in types' and sectors' labels in this language (labels a city set
        itself are kept)."""
        from scmap.catalogue import builtin_labels

        builtin = builtin_labels()
        sectors = {
            k: s.model_copy(update={"label": self.texts[f"sector.{k}"]})
            if builtin.get(f"sector.{k}") == s.label and f"sector.{k}" in self.texts
            else s
            for k, s in cat.sectors.items()
        }
        types = {
            k: s.model_copy(update={"label": self.texts[f"type.{k}"]})
            if builtin.get(f"type.{k}") == s.label and f"type.{k}" in self.texts
            else s
            for k, s in cat.solutions.items()
        }
        return cat.model_copy(update={"sectors": sectors, "solutions": types})


def _shipped(language: str) -> dict[str, str]:
    text = resources.files("scmap.i18n").joinpath(f"{language}.yaml").read_text(encoding="utf-8")
    return _checked(loads(text), f"scmap's {language}.yaml")


def _checked(raw: object, source: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ProjectError(f"{source}: a translation file maps message ids to texts (id: text)")
    bad = [k for k, v in raw.items() if not isinstance(k, str) or not isinstance(v, str) or not v.strip()]
    if bad:
        raise ProjectError(f"{source}: message {bad[0]!r}: the text must be a non-empty string")
    return dict(raw)


def _problems(texts: Mapping[str, str], reference: Mapping[str, str], source: str) -> None:
    """Unknown ids and placeholders that English does not have are errors (a typo would show raw)."""
    for key, text in texts.items():
        if key not in reference:
            near = [k for k in reference if k.split(".")[0] == key.split(".")[0]][:3]
            raise ProjectError(f"{source}: unknown message id {key!r} (ids look like: {', '.join(near)})")
        try:
            extra = placeholders(text) - placeholders(reference[key])
        except ValueError as exc:
            raise ProjectError(f"{source}: message {key!r}: {exc} (write {{{{ for a literal brace)") from None
        if extra:
            allowed = ", ".join(sorted("{" + p + "}" for p in placeholders(reference[key]))) or "none"
            raise ProjectError(f"{source}: message {key!r} uses {sorted(extra)}; it may use {allowed}")


@functools.cache
def english() -> Messages:
    """The reference texts."""
    return Messages("en", _shipped("en"))


def _number_marks(language: str) -> dict[str, str]:
    from babel import Locale, UnknownLocaleError
    from babel.numbers import format_percent, get_decimal_symbol, get_group_symbol

    try:
        locale = str(Locale.parse(language.replace("-", "_")))
    except (UnknownLocaleError, ValueError):
        return {}
    return {
        "decimal": get_decimal_symbol(locale),
        "group": get_group_symbol(locale),
        "percent": format_percent(0, locale=locale).removeprefix("0"),
    }


def load_messages(language: str = "en", extra: Iterable[str | Path] = ()) -> Messages:
    """The texts for an IETF *language* tag (``es``, ``ca-ES``...) with a city's *extra* files
    on top. Error for a language scmap does not ship unless *extra* files provide it."""
    if not isinstance(language, str) or not _TAG.match(language):
        raise ProjectError(f"map.language {language!r}: an IETF language tag such as es, ca, bg or nl-BE")
    return _load(language, tuple(str(p) for p in extra))


@functools.lru_cache(maxsize=32)
def _load(language: str, extra: tuple[str, ...]) -> Messages:
    reference = english().texts
    base = language.split("-")[0].lower()
    if base not in LANGUAGES and not extra:
        raise ProjectError(
            f"map.language {language!r}: scmap has {', '.join(LANGUAGES)}; for another language give its "
            "texts in a file (map.translations), starting from a copy of scmap's en.yaml"
        )
    texts = dict(reference)
    if base in LANGUAGES:
        texts.update(_shipped(base))
    for path in extra:
        own = _checked(read_yaml(Path(path), what="translation file"), path)
        _problems(own, reference, path)
        texts.update(own)
    missing = sum(1 for k in reference if texts[k] is reference[k]) if base not in LANGUAGES else 0
    if missing:
        warnings.warn(
            f"map.language {language}: {missing} of {len(reference)} texts are not translated and show in English",
            ScmapWarning,
            stacklevel=3,
        )
    marks = _number_marks(language)
    return Messages(language, texts, marks.get("decimal", "."), marks.get("group", ","), marks.get("percent", "%"))
