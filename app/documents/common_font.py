"""A smaller copy of the document font for the common case: the characters of GB 2312.

Parsing the CJK font is most of what a document costs to render: WenQuanYi Micro Hei has
49,531 glyphs, about 0.4 s of CPU a document, and the renderer takes one document at a
time per process. Its subset to GB 2312 (the 6,763 hanzi of the national standard with its
symbols, ASCII and the punctuation blocks, about 7,900 characters) renders in a third of
that. A document with any character outside it (a rare character in a name, 生僻字) is
rendered with the whole font, so no document ever misses a glyph the font has.
"""

import hashlib
import os
import tempfile
from functools import cache
from pathlib import Path

import structlog
from fontTools import subset, ttLib  # type: ignore[import-untyped]

log = structlog.get_logger(__name__)
# Part of the cached file's name: a change to what goes into the subset builds a new one.
SUBSET_VERSION = "1"
BLOCKS = (
    range(0x20, 0x7F),  # ASCII
    range(0xA0, 0x100),  # Latin-1 (×, ·, ° …)
    range(0x2000, 0x2070),  # general punctuation: — … ‰ “ ”
    range(0x3000, 0x3040),  # CJK symbols and punctuation: 、。〔〕《》
    range(0xFF00, 0xFFF0),  # fullwidth forms: （）：；
)


def gb2312() -> frozenset[int]:
    """GB 2312's characters, as Python's codec decodes its two-byte rows."""
    characters: set[int] = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                characters.add(ord(bytes((high, low)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return frozenset(characters)


def _cached_path(full: Path) -> Path:
    stat = full.stat()
    identity = f"{full.resolve()}:{stat.st_size}:{stat.st_mtime_ns}:{SUBSET_VERSION}"
    key = hashlib.sha256(identity.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / "govflow-fonts" / f"common-{key}.ttf"


def _build(full: Path, target: Path) -> None:
    options = subset.Options(notdef_outline=True, recommended_glyphs=True, glyph_names=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=gb2312().union(*BLOCKS))
    font = ttLib.TTFont(full, fontNumber=0)
    try:
        subsetter.subset(font)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Several processes may build it at once: each writes its own file, the last
        # rename wins, and a reader never sees half a font.
        partial = target.with_suffix(f".{os.getpid()}.partial")
        font.save(partial)
        os.replace(partial, target)
    finally:
        font.close()


@cache
def common_font(full: Path) -> tuple[Path, frozenset[int]] | None:
    """The subset's file (built once per font file and machine, in the temporary folder)
    and the characters it draws; None when it cannot be made, and documents use the
    whole font."""
    target = _cached_path(full)
    try:
        if not target.is_file():
            _build(full, target)
        font = ttLib.TTFont(target, lazy=True)
        try:
            drawn = frozenset(font.getBestCmap())
        finally:
            font.close()
    # The subset only saves time: whatever fails in fontTools or on the disk, the whole
    # font still renders every document.
    except Exception as error:
        log.warning("document_font_subset_failed", font=str(full), error=str(error))
        return None
    return target, drawn


def font_for(full: Path, text: str) -> Path:
    """The subset when it draws every character of ``text``, else the whole font."""
    common = common_font(full)
    if common is None:
        return full
    path, drawn = common
    if all(ord(character) in drawn for character in set(text) if character >= " "):
        return path
    return full
