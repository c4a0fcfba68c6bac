r"""The words scmap writes on the map, in the report and in the atlas, in the workshop's language.

One YAML file per language (``en.yaml``, ``es.yaml``...) maps a message id to its text; ``{name}``
marks a value scmap fills in. A counted text gives one form per CLDR plural category of its
language (``one``, ``few``, ``many``, ``other``...; ``other`` always), chosen by the number passed
as ``n`` (through Babel's plural rules, on the page through ``Intl.PluralRules``). English is the
reference: every shipped language has every id of ``en.yaml`` (a test checks it), including the
built-in catalogue's labels, descriptions and notes. A city extends or corrects a language with
its own files (``map.translations:``), or adds a language scmap does not ship; ids it leaves out
are English, with a warning. Numbers follow the language's conventions (decimal and group marks from CLDR,
through Babel).

Examples
--------
>>> es = load_messages("es")
>>> es("map.rank_of", rank=5, n=73)
'5 de 73'
>>> es.num(11522400), es.num(0.4567, 2), es.pct(0.42)
('11.522.400', '0,46', '42\xa0%')
>>> load_messages("en").num(1234.5, 1)
'1,234.5'
>>> load_messages("bg")("report.n_rejected", n=1), load_messages("bg")("report.n_rejected", n=2)
('1 входен ред не е използван. По причина:', '2 входни реда не са използвани. По причина:')
"""

from __future__ import annotations

import functools
import re
import string
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scmap.core._yaml import loads_shipped, read_yaml
from scmap.errors import ProjectError, ScmapError, ScmapWarning

if TYPE_CHECKING:
    from scmap.core.catalogue import Catalogue, SolutionType

__all__ = [
    "LANGUAGES",
    "LANGUAGE_TAG",
    "PLURAL_FORMS",
    "Messages",
    "english",
    "language_messages",
    "load_messages",
    "placeholders",
]

LANGUAGES = ("en", "es", "ca", "bg", "nl", "de", "fr", "it")
"""Languages scmap ships a translation file for."""
LANGUAGE_TAG = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
"""An IETF (BCP 47) language tag as map.language takes it: es, ca-ES, nl-BE, sr-Latn."""
_TAG = re.compile(LANGUAGE_TAG)
PLURAL_FORMS = ("zero", "one", "two", "few", "many", "other")
"""CLDR's plural categories: the forms a counted text may give (``other`` is required)."""
Text = str | Mapping[str, str]
"""A message: its text, or its forms by plural category."""


def forms(text: Text) -> list[str]:
    """Every wording of a message (one, or one per plural form)."""
    return [text] if isinstance(text, str) else list(text.values())


def placeholders(text: Text) -> set[str]:
    """The ``{name}`` fields of a message (of all its plural forms)."""
    return {name for form in forms(text) for _, name, _, _ in string.Formatter().parse(form) if name}


@dataclass(frozen=True)
class Messages:
    """A language's texts (message id -> text) and its number marks; call it with an id."""

    language: str
    texts: Mapping[str, Text]
    decimal: str = "."
    group: str = ","
    percent: str = "%"
    """What follows the number in a percentage (``%``, or a no-break space and ``%``)."""

    def __call__(self, key: str, **values: Any) -> str:
        """Return the text of *key* with *values* filled in.

        A number given as ``n`` chooses the plural form
        of a counted text and is written with the language's marks.
        """
        text, count = self.texts[key], values.get("n")
        if isinstance(count, int | float) and not isinstance(count, bool):
            values["n"] = self.num(count, 0 if float(count).is_integer() else 1)
        if not isinstance(text, str):
            text = text.get(self.plural(count), text["other"])
        return text.format(**values) if values else text

    def plural(self, count: object) -> str:
        """The CLDR plural category of *count* in this language (``other`` for what is no number)."""
        from babel import Locale, UnknownLocaleError

        if not isinstance(count, int | float) or isinstance(count, bool):
            return "other"
        try:
            return str(Locale.parse(self.language.replace("-", "_")).plural_form(abs(count)))
        except (UnknownLocaleError, ValueError):
            return "one" if count == 1 else "other"

    def get(self, key: str) -> str | None:
        """The text of *key* (its ``other`` form if it is counted), or None."""
        text = self.texts.get(key)
        return text if text is None or isinstance(text, str) else text["other"]

    def num(self, value: float, digits: int = 0) -> str:
        """*value* with *digits* decimals and the language's decimal and group marks."""
        plain = f"{value:,.{digits}f}"
        if self.decimal == "." and self.group == ",":
            return plain
        return plain.replace(",", "\0").replace(".", self.decimal).replace("\0", self.group)

    def pct(self, share: float) -> str:
        """A share (0-1) as a whole percentage."""
        return f"{self.num(round(share * 100))}{self.percent}"

    def builtin_note(self, text: str) -> str:
        """A built-in rule's note (English, as the overlap tables keep it) in this language; any other text as it is."""
        from scmap.core.catalogue import builtin_texts

        for key, english_text in builtin_texts().items():
            if key.startswith("rule.") and english_text == text:
                mine = self.texts.get(key)
                return mine if isinstance(mine, str) else text
        return text

    def for_page(self) -> dict[str, Any]:
        """Return what the map page needs: its texts and number marks.

        What the map page needs: its texts (ids starting ``map.``) and the number marks (the page
        writes numbers exactly as :meth:`num` does).
        """
        texts = {k: v for k, v in self.texts.items() if k.startswith("map.")}
        marks = {"percent": self.percent, "decimal": self.decimal, "group": self.group}
        return {"lang": self.language, "texts": texts, **marks}

    def catalogue(self, cat: Catalogue) -> Catalogue:
        """Return *cat* with the built-in catalogue's words in this language.

        *cat* with the built-in catalogue's words (labels, descriptions, reference-case and rule
        notes) in this language; words a city wrote itself are kept.
        """
        from scmap.core.catalogue import builtin_texts

        builtin = builtin_texts()

        def own(key: str, text: str | None) -> str | None:
            """*text* in this language when it is still the built-in English of *key*."""
            mine = self.texts.get(key)
            return mine if isinstance(mine, str) and text is not None and builtin.get(key) == text else text

        sectors = {
            k: s.model_copy(
                update={"label": own(f"sector.{k}", s.label), "description": own(f"about.sector.{k}", s.description)}
            )
            for k, s in cat.sectors.items()
        }
        types = {k: self._solution(k, s, own) for k, s in cat.solutions.items()}
        rules = [r.model_copy(update={"note": own(f"rule.{r.a}.{r.b}", r.note)}) for r in cat.rules]
        return cat.model_copy(update={"sectors": sectors, "solutions": types, "rules": rules})

    @staticmethod
    def _solution(key: str, sol: SolutionType, own: Callable[[str, str | None], str | None]) -> SolutionType:
        cases = [
            c.model_copy(update={"note": own(f"case.{key}.{i}", c.note)}) for i, c in enumerate(sol.reference_cases)
        ]
        update = {"label": own(f"type.{key}", sol.label), "description": own(f"about.type.{key}", sol.description)}
        return sol.model_copy(update={**update, "reference_cases": cases})


def _shipped(language: str) -> dict[str, Text]:
    text = resources.files("scmap.core.i18n").joinpath(f"{language}.yaml").read_text(encoding="utf-8")
    return _checked(loads_shipped(text), f"scmap's {language}.yaml")


def _good_text(value: object) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return (
        isinstance(value, dict)
        and "other" in value
        and set(value) <= set(PLURAL_FORMS)
        and all(isinstance(v, str) and v.strip() for v in value.values())
    )


def _checked(raw: object, source: str) -> dict[str, Text]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ProjectError(f"{source}: a translation file maps message ids to texts (id: text)")
    bad = [k for k, v in raw.items() if not isinstance(k, str) or not _good_text(v)]
    if bad:
        raise ProjectError(
            f"{source}: message {bad[0]!r}: the text must be a non-empty string, or for a counted text "
            f"its forms by plural category ({', '.join(PLURAL_FORMS)}; other is required)"
        )
    return dict(raw)


def _problems(texts: Mapping[str, Text], reference: Mapping[str, Text], source: str) -> None:
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
    """The texts for an IETF *language* tag (``es``, ``ca-ES``...) with a city's *extra* files on top.

    Error for a language scmap does not ship unless *extra* files provide it.
    """
    if not isinstance(language, str) or not _TAG.match(language):
        raise ProjectError(f"map.language {language!r}: an IETF language tag such as es, ca, bg or nl-BE")
    return _load(language, tuple(str(p) for p in extra))


def language_messages(tag: str) -> Messages:
    """Return the words of the language *tag*, or English.

    The words of the language *tag*, or English when scmap has no texts for it (a city's own
    language whose translation files are not here).
    """
    try:
        return load_messages(tag)
    except ScmapError:
        return load_messages("en")


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
