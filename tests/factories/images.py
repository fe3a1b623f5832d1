"""Test images made with Pillow: with GPS EXIF, with text chunks, polyglots, bombs."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image, PngImagePlugin

SECRET = "BUILDING-7-ROOM-302"


def jpeg_with_gps(width: int = 800, height: int = 600, orientation: int = 6) -> bytes:
    """A JPEG carrying GPS coordinates, a camera comment and an orientation tag (6: rotate 90°)."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    exif = image.getexif()
    exif[0x0112] = orientation
    exif[0x010E] = SECRET  # ImageDescription
    exif.get_ifd(0x8825).update({1: "N", 2: (30.0, 12.0, 5.5), 3: "E", 4: (115.0, 2.0, 1.25)})
    out = BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), comment=SECRET.encode())
    return out.getvalue()


def png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SECRET)
    info.add_itxt("Location", SECRET)
    out = BytesIO()
    Image.new("RGBA", (64, 48), (0, 120, 0, 128)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def encoded(fmt: str, size: tuple[int, int] = (64, 48), mode: str = "RGB", **options: Any) -> bytes:
    out = BytesIO()
    Image.new(mode, size).save(out, fmt, **options)
    return out.getvalue()


def opened(content: bytes) -> Image.Image:
    image = Image.open(BytesIO(content))
    image.load()
    return image


def upload(
    client: TestClient, headers: dict[str, str], content: bytes, name: str = "photo.jpg", kind: str = "image/jpeg"
) -> Any:
    return client.post("uploads", files={"file": (name, content, kind)}, headers=headers)
