"""POST /uploads: only the pixels of a JPEG, PNG or WebP survive; anything else is a clear 4xx.

The EXIF (GPS position, description, orientation), JPEG comments and PNG text chunks are gone from
both the image and its thumbnail, read back with Pillow; a polyglot (a JPEG with a ZIP appended)
is refused with `trailing_data` rather than cut, so its sender learns the file was not a plain
photo; a GIF/HTML polyglot or an HTML file named .jpg is `not_an_image` (recognised by content,
not by name or claimed type); truncated and decompression-bomb images and oversized uploads are
refused before anything is stored.
"""

from __future__ import annotations

import os

from fastapi.testclient import TestClient

from factories import assert_problem, headers_for, make_org
from factories.images import SECRET, encoded, jpeg_with_gps, opened, png_with_text, upload
from gongjian.models.enums import OrganizationKind, Role


def _admin(client: TestClient) -> dict[str, str]:
    return headers_for(client, Role.community_admin, make_org(OrganizationKind.community))


def test_gps_exif_and_comments_are_gone_and_the_photo_is_upright(client: TestClient) -> None:
    headers = _admin(client)
    original = jpeg_with_gps(800, 600, orientation=6)
    assert opened(original).getexif()  # the test image does carry EXIF, GPS included
    created = upload(client, headers, original, name="../../etc/passwd.html", kind="text/html")
    assert created.status_code == 201, created.text
    body = created.json()
    # Orientation 6 means "rotate 90°": the pixels are turned, the tag dropped.
    assert body | {"id": 0, "created_at": "", "size": 0, "thumbnail_size": 0} == {
        "id": 0,
        "content_type": "image/jpeg",
        "size": 0,
        "width": 600,
        "height": 800,
        "thumbnail_size": 0,
        "content_url": f"/api/v1/uploads/{body['id']}/content",
        "thumbnail_url": f"/api/v1/uploads/{body['id']}/thumbnail",
        "attached": False,
        "created_at": "",
        "created_by_name": "测试用户",
    }
    assert created.headers["location"] == f"/api/v1/uploads/{body['id']}"
    for part, size in (("content", (600, 800)), ("thumbnail", (240, 320))):
        served = client.get(f"uploads/{body['id']}/{part}", headers=headers)
        assert served.status_code == 200
        assert served.headers["content-type"] == "image/jpeg"
        assert served.headers["x-content-type-options"] == "nosniff"
        assert served.headers["cache-control"].startswith("private")
        suffix = "-thumb" if part == "thumbnail" else ""
        assert served.headers["content-disposition"] == f'inline; filename="upload-{body["id"]}{suffix}.jpg"'
        image = opened(served.content)
        assert image.format == "JPEG" and image.size == size
        assert not image.getexif() and "exif" not in image.info and "comment" not in image.info
        assert SECRET.encode() not in served.content and b"Exif" not in served.content
        # The content never changes: its ETag answers If-None-Match with 304.
        again = client.get(f"uploads/{body['id']}/{part}", headers={**headers, "If-None-Match": served.headers["etag"]})
        assert again.status_code == 304 and again.content == b""


def test_png_text_chunks_and_webp_exif_are_gone(client: TestClient) -> None:
    headers = _admin(client)
    png = upload(client, headers, png_with_text(), name="a.jpg", kind="image/jpeg")
    assert png.status_code == 201 and png.json()["content_type"] == "image/png"
    content = client.get(f"uploads/{png.json()['id']}/content", headers=headers)
    assert content.headers["content-type"] == "image/png"
    image = opened(content.content)
    assert image.mode == "RGBA" and image.getpixel((0, 0)) == (0, 120, 0, 128)  # alpha kept
    assert not getattr(image, "text", {}) and SECRET.encode() not in content.content
    exif = opened(jpeg_with_gps()).getexif().tobytes()
    webp = upload(client, headers, encoded("WEBP", exif=exif, xmp=SECRET.encode()), name="x.webp")
    assert webp.status_code == 201 and webp.json()["content_type"] == "image/webp"
    served = client.get(f"uploads/{webp.json()['id']}/content", headers=headers)
    assert served.headers["content-type"] == "image/webp"
    assert not opened(served.content).getexif() and b"EXIF" not in served.content and b"XMP" not in served.content


def test_what_is_not_a_plain_image_is_refused(client: TestClient) -> None:
    headers = _admin(client)
    jpeg = encoded("JPEG")
    zip_tail = (
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"evil.html" + b"<script>alert(1)</script>" + b"PK\x05\x06" + bytes(18)
    )
    assert_problem(upload(client, headers, jpeg + zip_tail), 422, "trailing_data")
    assert_problem(upload(client, headers, jpeg + b"<html><script>alert(1)</script></html>"), 422, "trailing_data")
    png = encoded("PNG")
    assert_problem(
        upload(client, headers, png + b"<html>hi</html>", name="a.png", kind="image/png"), 422, "trailing_data"
    )
    gif_html = b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00;*/=1;<script>alert(1)</script>" + encoded("GIF")[10:]
    assert_problem(upload(client, headers, gif_html, name="a.gif", kind="image/gif"), 422, "not_an_image")
    assert_problem(upload(client, headers, encoded("GIF"), name="a.gif", kind="image/gif"), 422, "not_an_image")
    html = b"<html><body><script>alert(document.cookie)</script></body></html>"
    problem = assert_problem(upload(client, headers, html, name="photo.jpg", kind="image/jpeg"), 422, "not_an_image")
    assert problem["errors"][0]["field"] == "body.file"
    assert_problem(upload(client, headers, b""), 422, "not_an_image")


def test_truncated_images_are_refused(client: TestClient) -> None:
    headers = _admin(client)
    jpeg = jpeg_with_gps(400, 300, orientation=1)
    assert_problem(upload(client, headers, jpeg[: len(jpeg) // 2]), 422, "image_damaged")
    assert_problem(upload(client, headers, jpeg[:-2]), 422, "image_damaged")
    png = encoded("PNG", (300, 300), "RGB")
    assert_problem(upload(client, headers, png[: len(png) - 30], name="a.png"), 422, "image_damaged")


def test_decompression_bombs_are_refused(client: TestClient) -> None:
    headers = _admin(client)
    # 400 megapixels in ~50 KB: past twice the bound, Pillow itself refuses it as it opens.
    huge = encoded("PNG", (20_000, 20_000), "1")
    assert len(huge) < 100_000
    assert_problem(upload(client, headers, huge, name="a.png"), 422, "image_too_large")
    # 49 megapixels: past the bound but under twice it (where Pillow only warns): refused all the same.
    large = encoded("PNG", (7_000, 7_000), "1")
    assert_problem(upload(client, headers, large, name="a.png"), 422, "image_too_large")
    # A small file that claims a huge size in its header (JPEG: SOF with 60000 × 60000).
    assert_problem(upload(client, headers, _claims_huge_jpeg()), 422, "image_too_large")


def _claims_huge_jpeg() -> bytes:
    jpeg = bytearray(encoded("JPEG", (16, 16)))
    at = jpeg.index(b"\xff\xc0")
    jpeg[at + 5 : at + 9] = (60_000).to_bytes(2, "big") * 2
    return bytes(jpeg)


def test_oversized_uploads_are_413(client: TestClient) -> None:
    headers = _admin(client)
    # The file alone is over 5 MiB though the request is within the body limit (which allows for framing).
    just_over = encoded("JPEG") + b"\x00" * (5 * 1024 * 1024)
    problem = assert_problem(upload(client, headers, just_over), 413, "payload_too_large")
    assert problem["detail"] == "请求内容不能超过 5 MiB"
    # A body far over the limit is refused by its declared length before it is read.
    assert_problem(upload(client, headers, os.urandom(6 * 1024 * 1024)), 413, "payload_too_large")


def test_who_may_upload_and_read_an_unattached_upload(client: TestClient) -> None:
    community = make_org(OrganizationKind.community)
    uploader = headers_for(client, Role.member, community)
    created = upload(client, uploader, encoded("JPEG"))
    assert created.status_code == 201
    upload_id = created.json()["id"]
    assert client.get(f"uploads/{upload_id}", headers=uploader).json()["attached"] is False
    # Not attached yet: its uploader's alone (and a platform admin's); others can't tell it exists.
    for other in (headers_for(client, Role.community_admin, community), headers_for(client, Role.member, community)):
        for path in (f"uploads/{upload_id}", f"uploads/{upload_id}/content", f"uploads/{upload_id}/thumbnail"):
            assert_problem(client.get(path, headers=other), 404, "not_found")
        assert_problem(client.get("uploads/99999/content", headers=other), 404, "not_found")
    assert client.get(f"uploads/{upload_id}/content", headers=headers_for(client, Role.admin)).status_code == 200
    assert_problem(client.get(f"uploads/{upload_id}/content"), 401, "unauthorized")
    assert_problem(upload(client, {}, encoded("JPEG")), 401, "unauthorized")
