"""Build-time hooks for the teaching site (``hooks:`` in mkdocs.yml), so that it works with no network.

* Formulas: pymdownx.arithmatex (``generic: true``) leaves ``\\( ... \\)`` and ``\\[ ... \\]`` in
  ``<span class="arithmatex">``/``<div class="arithmatex">``; :func:`on_page_content` renders each one to
  MathML at build time (latex2mathml), which the browser draws itself: no MathJax, no CDN, and the search
  index (built from the rendered page) holds the formula's symbols, not its TeX.
* Numpydoc roles: the docstrings cross-reference with Sphinx roles (``:func:`conv_transpose```), which
  mkdocstrings shows raw.  :class:`NumpydocRoles` is a griffe extension (mkdocstrings' ``extensions:``
  option) that rewrites each role, once the package is loaded, into an autorefs cross-reference to the
  object's full path (a link where that object is documented on the site, code where it is not), or into
  plain code for names outside the package (``numpy.ndarray``) and private ones.

This file is not a page: mkdocs.yml's ``exclude_docs`` keeps it out of the site.  Only the standard
library is imported at module level, so that pytest's ``--doctest-modules`` can import it without the
docs extra.
"""

from __future__ import annotations

import html
import re
from typing import Any

try:  # the docs extra; absent, the module still imports (pytest collects it for doctests)
    from griffe import Alias, Extension, Object
except ImportError:  # pragma: no cover
    Extension = object  # type: ignore[assignment,misc]

ARITHMATEX = re.compile(r'<(?P<tag>span|div) class="arithmatex">(?P<tex>.*?)</(?P=tag)>', re.DOTALL)
ROLE = re.compile(r":(?:py:)?(?P<role>func|class|mod|data|meth|attr|obj|exc|const):`(?P<tilde>~?)(?P<target>[^`]+?)`")


def tex_to_mathml(tex: str, *, display: bool) -> str:
    """MathML for one formula, as the browser draws it (``display`` for a block formula).

    >>> tex_to_mathml("o = s(i - 1) + k", display=False).startswith('<math xmlns=')
    True
    """
    from latex2mathml.converter import convert

    return str(convert(tex, display="block" if display else "inline"))


def render_formulas(page_html: str) -> str:
    """Replace each arithmatex span or div of ``page_html`` by its MathML (the TeX kept as the alt text).

    >>> render_formulas('<p><span class="arithmatex">\\\\(k\\\\)</span></p>').count('<mi>k</mi>')
    1
    """

    def render(match: re.Match[str]) -> str:
        tex = html.unescape(match["tex"]).strip()
        display = match["tag"] == "div" or tex.startswith("\\[")
        for opening, closing in (("\\(", "\\)"), ("\\[", "\\]"), ("$$", "$$")):
            if tex.startswith(opening) and tex.endswith(closing):
                tex = tex[len(opening) : -len(closing)].strip()
                break
        mathml = tex_to_mathml(tex, display=display)
        mathml = mathml.replace("<math ", f'<math alttext="{html.escape(tex)}" ', 1)
        kind = "arithmatex arithmatex-block" if display else "arithmatex"
        return f'<{match["tag"]} class="{kind}">{mathml}</{match["tag"]}>'

    return ARITHMATEX.sub(render, page_html)


def on_page_content(html: str, **kwargs: Any) -> str:
    """mkdocs event: the page's HTML, formulas rendered (before the search plugin indexes it)."""
    return render_formulas(html)


def role_to_markdown(target: str, title: str, path: str | None) -> str:
    """The Markdown for one role: an optional autorefs link to ``path``, or plain code when there is none.

    >>> role_to_markdown("conv", "conv", None)
    '`conv`'
    >>> role_to_markdown("conv", "conv", "transposed_conv.conv.conv")
    '<autoref identifier="transposed_conv.conv.conv" optional><code>conv</code></autoref>'
    """
    if path is None:
        return f"`{title}`"
    return f'<autoref identifier="{path}" optional><code>{html.escape(title)}</code></autoref>'


class NumpydocRoles(Extension):  # type: ignore[misc]
    """Griffe extension: rewrite the numpydoc roles of every docstring of the package into cross-references."""

    def on_package(self, *, pkg: Object, **kwargs: Any) -> None:
        """Once the whole package is loaded (so that every name resolves), rewrite every docstring."""
        for obj in _walk(pkg):
            if obj.docstring is not None and ":`" in obj.docstring.value:
                obj.docstring.value = ROLE.sub(lambda match, obj=obj: _rewrite(match, obj, pkg), obj.docstring.value)


def _walk(obj: Object) -> list[Object]:
    found = [obj]
    for member in obj.members.values():
        if not isinstance(member, Alias):
            found.extend(_walk(member))
    return found


def _rewrite(match: re.Match[str], obj: Object, pkg: Object) -> str:
    target = match["target"].strip()
    title = target.rsplit(".", 1)[-1] if match["tilde"] else target.lstrip(".")
    return role_to_markdown(target, title, _resolve(target, obj, pkg, match["role"]))


def _resolve(target: str, obj: Object, pkg: Object, role: str) -> str | None:
    """The full path of the public package object ``target`` names from ``obj``'s scope, or None."""
    module = obj if obj.is_module else obj.module
    candidates: list[str] = []
    if target.startswith("."):  # relative to the docstring's package (``:mod:`._transforms```)
        base = module if module.is_init_module else module.parent
        candidates.append(f"{base.path}{target}" if base is not None else target)
    else:
        head, _, rest = target.partition(".")
        for scope in (obj, module):
            try:
                resolved = scope.resolve(head)
            except Exception:  # griffe's NameResolutionError, or an alias it cannot follow: try the next scope
                continue
            candidates.append(f"{resolved}.{rest}" if rest else resolved)
        candidates.append(target)
    for candidate in candidates:
        if not candidate.startswith(f"{pkg.path}.") and candidate != pkg.path:
            continue
        try:
            found = pkg.modules_collection[candidate]
        except KeyError:
            continue
        if isinstance(found, Alias):
            found = found.final_target
        if found.is_module and role != "mod":  # ``:func:`transposed_conv.conv```: the function, not its module
            found = found.members.get(found.name, found)
            if isinstance(found, Alias):
                found = found.final_target
        path = str(found.path)
        if any(part.startswith("_") for part in path.split(".")):
            return None
        return path
    return None
