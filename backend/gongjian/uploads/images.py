"""An uploaded file becomes an image of nothing but pixels, or a 4xx.

The bytes are recognised by their content (never the file name or the claimed type), must be
exactly one JPEG, PNG or WebP image with nothing before or after it (`trailing_data`: a polyglot —
a JPEG with a ZIP or HTML appended — is refused rather than quietly cut, so the uploader learns
its file was not a plain photo), are bounded in pixels before they are decoded (a decompression
bomb is 16 KB of PNG for 1 GB of pixels), are verified and fully decoded (a truncated file fails
here), turned upright by their EXIF orientation, and written anew with no metadata at all: no
EXIF (so no GPS position), no XMP, no comments, no text chunks, no ICC profile. A thumbnail is
made the same way. Only the re-encoded bytes are ever stored or served.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from io import BytesIO

from PIL import Image, ImageOps, UnidentifiedImageError

from gongjian.kit.errors import unprocessable

# 40 megapixels: more than any phone camera; the decoded image is at most ~160 MB (RGBA).
MAX_PIXELS = 40_000_000
THUMBNAIL_EDGE = 320
# Pillow's own guard, process-wide: warns above this, refuses above twice this.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
# The modes each format is written in; anything else is converted first.
_MODES = {"JPEG": ("RGB", "L"), "PNG": ("RGB", "RGBA", "L", "LA"), "WEBP": ("RGB", "RGBA")}


@dataclass(frozen=True, slots=True)
class Clean:
    content: bytes
    thumbnail: bytes
    content_type: str
    width: int
    height: int


def _not_an_image() -> Exception:
    return unprocessable("not_an_image", "文件不是 JPEG、PNG 或 WebP 图片", field="body.file")


def _damaged() -> Exception:
    return unprocessable("image_damaged", "图片文件已损坏或不完整", field="body.file")


def _too_many_pixels() -> Exception:
    return unprocessable(
        "image_too_large", f"图片像素过多（最多 {MAX_PIXELS // 1_000_000} 百万像素）", field="body.file"
    )


def clean(data: bytes) -> Clean:
    # Pillow refuses more than twice MAX_PIXELS as it opens a file (DecompressionBombError) and
    # only warns between once and twice it; `_decoded` refuses those itself, before decoding.
    try:
        image, fmt = _decoded(data)
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels() from exc
    if _end_of_image(data, fmt) != len(data):
        raise unprocessable("trailing_data", "图片文件中夹带了其他内容", field="body.file")
    image = _plain(image, fmt)
    thumbnail = image.copy()
    thumbnail.thumbnail((THUMBNAIL_EDGE, THUMBNAIL_EDGE))
    return Clean(_encoded(image, fmt), _encoded(thumbnail, fmt), FORMATS[fmt], image.width, image.height)


def _decoded(data: bytes) -> tuple[Image.Image, str]:
    try:
        with Image.open(BytesIO(data), formats=list(FORMATS)) as probe:
            # A JPEG with a multi-picture index (some phones) opens as MPO: it is a JPEG all the same.
            fmt = "JPEG" if probe.format == "MPO" else str(probe.format)
            if probe.width * probe.height > MAX_PIXELS:
                raise _too_many_pixels()
            probe.verify()
        image = Image.open(BytesIO(data), formats=[fmt])
        image.load()
    except UnidentifiedImageError as exc:
        raise _not_an_image() from exc
    except (OSError, SyntaxError, ValueError, struct.error, EOFError) as exc:
        raise _damaged() from exc
    return image, fmt


def _plain(image: Image.Image, fmt: str) -> Image.Image:
    """Upright (the EXIF orientation applied to the pixels), in a mode the format writes, and with
    no metadata left to write: `info` emptied, so no format carries EXIF, ICC or text across."""
    upright = ImageOps.exif_transpose(image) or image
    if upright.mode not in _MODES[fmt]:
        has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
        upright = upright.convert("RGBA" if has_alpha and "RGBA" in _MODES[fmt] else "RGB")
    plain = upright.copy()
    plain.info = {}
    return plain


def _encoded(image: Image.Image, fmt: str) -> bytes:
    out = BytesIO()
    if fmt == "JPEG":
        image.save(out, "JPEG", quality=88, exif=b"")
    elif fmt == "WEBP":
        image.save(out, "WEBP", quality=85, exif=b"", xmp=b"", icc_profile=None)
    else:
        image.save(out, "PNG", optimize=False)
    return out.getvalue()


# --- where the image ends: nothing may follow it -------------------------------------------------


def _end_of_image(data: bytes, fmt: str) -> int:
    try:
        if fmt == "PNG":
            return _png_end(data)
        if fmt == "WEBP":
            return 8 + int(struct.unpack_from("<I", data, 4)[0])
        return _jpeg_end(data)
    except (struct.error, IndexError) as exc:
        raise _damaged() from exc


def _png_end(data: bytes) -> int:
    at = 8
    while True:
        length, kind = struct.unpack_from(">I4s", data, at)
        at += 12 + int(length)
        if kind == b"IEND":
            return at


def _jpeg_end(data: bytes) -> int:
    """Walk the markers from SOI: segments carry their length; after SOS the entropy-coded data runs
    to the next marker that is neither a stuffed 0xFF00 nor a restart marker. EOI ends the image
    (an EXIF thumbnail's own EOI sits inside the APP1 segment and is skipped with it)."""
    at = 2
    while True:
        while data[at] == 0xFF and data[at + 1] == 0xFF:  # fill bytes
            at += 1
        if data[at] != 0xFF:
            raise IndexError("not a marker")
        marker = data[at + 1]
        if marker == 0xD9:
            return at + 2
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            at += 2
            continue
        at += 2 + struct.unpack_from(">H", data, at + 2)[0]
        if marker == 0xDA:  # start of scan: skip the entropy-coded data
            while not (data[at] == 0xFF and data[at + 1] != 0x00 and not 0xD0 <= data[at + 1] <= 0xD7):
                at += 1
