"""Photos and documents uploaded for resumption: judged by what they are, not their names;
photos re-encoded without their location; size limited with the size and the limit named;
and a failed write leaves no file behind."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import override
from PIL import ExifTags, Image

from tests.resumption.test_services import (  # noqa: F401 - res_fixture is the fixture
    Res,
    advance,
    fresh,
    local_today,
    res_fixture,
)
from workgate.core.services import ServiceError
from workgate.resumption import services, uploads
from workgate.resumption.models import (
    Application,
    Condition,
    Evidence,
    Indicator,
    StepPhoto,
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def png(size: tuple[int, int] = (40, 30), mode: str = "RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30, 128) if mode == "RGBA" else (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def jpeg_with_gps(size: tuple[int, int] = (64, 48), orientation: int | None = None) -> bytes:
    img = Image.new("RGB", size, (10, 120, 200))
    exif = img.getexif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (29.0, 52.0, 12.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (121.0, 33.0, 4.0)
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>',
        )
        z.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>应急预案</w:t></w:r></w:p>'
            "</w:body></w:document>",
        )
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def up(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


# --- Photos ----------------------------------------------------------------------------------


def test_a_png_is_kept_as_a_jpeg(media: Path) -> None:
    stored = uploads.photo_store(up("门口.png", png()), folder="t", max_mb=10)
    assert stored.kind == "photo"
    assert stored.original_name == "门口.png"
    assert stored.path.endswith(".jpg")
    data = (media / stored.path).read_bytes()
    assert data[:2] == b"\xff\xd8"
    assert stored.size == len(data)
    with Image.open(io.BytesIO(data)) as img:
        assert (img.format, img.size, img.mode) == ("JPEG", (40, 30), "RGB")


def test_a_jpeg_loses_its_gps_position_and_stands_upright(media: Path) -> None:
    original = jpeg_with_gps(orientation=6)  # taken with the phone turned
    with Image.open(io.BytesIO(original)) as img:
        assert img.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the position is there
    stored = uploads.photo_store(up("IMG_0001.JPG", original), folder="t", max_mb=10)
    data = (media / stored.path).read_bytes()
    with Image.open(io.BytesIO(data)) as img:
        exif = img.getexif()
        assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
        assert ExifTags.Base.Make not in exif
        assert "exif" not in img.info
        assert img.size == (48, 64)  # rotated as the orientation said
    assert b"PhoneMaker" not in data
    assert b"Exif" not in data


def test_a_large_photo_is_made_smaller(media: Path) -> None:
    stored = uploads.photo_store(up("big.png", png((3000, 1500), "RGB")), folder="t", max_mb=10)
    with Image.open(media / stored.path) as img:
        assert img.size == (2000, 1000)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("现场.jpg", "这不是照片，是一段文字".encode()),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40),  # a PNG signature and nothing else
        ("scan.jpg", PDF),
    ],
)
def test_what_is_not_a_photo_is_refused(media: Path, name: str, data: bytes) -> None:
    with override("en"), pytest.raises(ServiceError) as refused:
        uploads.photo_store(up(name, data), folder="t", max_mb=10)
    assert refused.value.code == "not_image"
    assert refused.value.field == "file"
    assert f"“{name}” is not a photo" in refused.value.message
    assert files(media) == []


def test_too_large_names_the_size_and_the_limit(media: Path) -> None:
    data = png() + b"\x00" * (1024 * 1024 + 512 * 1024)  # 1.5 MB
    for store in (uploads.photo_store, uploads.document_store):
        with override("en"), pytest.raises(ServiceError) as refused:
            store(up("huge.png", data), folder="t", max_mb=1)
        assert refused.value.code == "too_large"
        assert "“huge.png” is 1.5 MB; files up to 1 MB are accepted." in refused.value.message
    # Without a declared size (a stream), the limit holds all the same.
    stream = io.BytesIO(data)
    stream.name = "stream.png"
    with pytest.raises(ServiceError) as streamed:
        uploads.photo_store(stream, folder="t", max_mb=1)
    assert streamed.value.code == "too_large"
    assert files(media) == []


def test_an_empty_file_is_refused(media: Path) -> None:
    with override("en"), pytest.raises(ServiceError) as refused:
        uploads.photo_store(up("空.jpg", b""), folder="t", max_mb=1)
    assert "“空.jpg” is empty." in refused.value.message


# --- Documents -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "ext"),
    [
        ("应急预案.pdf", PDF, "pdf"),
        ("应急预案.docx", docx(), "docx"),
        ("预案", docx(), "docx"),  # no extension: recognised by content
        ("预案.txt", PDF, "pdf"),  # a wrong extension: recognised by content
        ("旧预案.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "doc"),
    ],
)
def test_documents_are_recognised_by_content(media: Path, name: str, data: bytes, ext: str) -> None:
    stored = uploads.document_store(up(name, data), folder="t", max_mb=10)
    assert stored.kind == "document"
    assert stored.path.endswith(f".{ext}")
    assert (media / stored.path).read_bytes() == data


def test_a_photo_of_the_paper_is_kept_as_a_photo(media: Path) -> None:
    stored = uploads.document_store(up("预案.jpg", jpeg_with_gps()), folder="t", max_mb=10)
    assert stored.kind == "photo"
    assert b"Exif" not in (media / stored.path).read_bytes()


def _zip(**members: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, text in members.items():
            z.writestr(name, text)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("setup.exe", b"MZ\x90\x00" + b"\x00" * 200),
        ("预案.docx", b"MZ\x90\x00" + b"\x00" * 200),  # a program named as a document
        ("资料.zip", _zip(**{"a.txt": "hello"})),
        ("fake.docx", _zip(**{"word/document.xml": "<w/>"})),  # no content types
        ("broken.docx", b"PK\x03\x04" + b"\x00" * 50),
        ("notes.pdf", b"just some text"),
    ],
)
def test_other_files_are_refused_as_documents(media: Path, name: str, data: bytes) -> None:
    with override("en"), pytest.raises(ServiceError) as refused:
        uploads.document_store(up(name, data), folder="t", max_mb=10)
    assert refused.value.code == "bad_format"
    assert f"“{name}” is not a document we can keep" in refused.value.message
    assert files(media) == []


# --- Through the services: nothing half-written ----------------------------------------------


def _cond(res: Res, indicator: str) -> Condition:
    return Condition.objects.get(community=res.world.community, indicator=indicator)


def test_evidence_is_kept_with_its_row(res: Res, media: Path) -> None:
    ev = services.evidence_add(
        actor=res.officer,
        enterprise=res.enterprise,
        condition=_cond(res, Indicator.EMERGENCY_PLAN),
        upload=up("应急预案.docx", docx()),
        kind="document",
    )
    assert (ev.kind, ev.original_name, ev.uploaded_by_label) == (
        "document",
        "应急预案.docx",
        "officer_a",
    )
    assert (media / ev.path).exists()
    assert ev.path.startswith(f"resumption/evidence/{res.enterprise.pk}/")


def test_evidence_size_limit_is_the_communitys_setting(res: Res, media: Path) -> None:
    services.settings_update(actor=res.staff, changes={"photo_max_mb": 1})
    with override("en"), pytest.raises(ServiceError) as refused:
        services.evidence_add(
            actor=res.officer,
            enterprise=res.enterprise,
            condition=_cond(res, Indicator.ISOLATION_ROOM),
            upload=up("room.png", png() + b"\x00" * (2 * 1024 * 1024)),
            kind="photo",
        )
    assert "files up to 1 MB" in refused.value.message
    assert not Evidence.objects.exists()
    assert files(media) == []


def test_a_failing_database_write_removes_the_stored_evidence(
    res: Res, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kw: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "audit_record", broken)
    with pytest.raises(RuntimeError):
        services.evidence_add(
            actor=res.officer,
            enterprise=res.enterprise,
            condition=_cond(res, Indicator.ISOLATION_ROOM),
            upload=up("room.jpg", jpeg_with_gps()),
            kind="photo",
        )
    assert not Evidence.objects.exists()
    assert files(media) == []


def test_a_failing_database_write_removes_the_stored_plan(
    res: Res, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kw: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "audit_record", broken)
    with pytest.raises(RuntimeError):
        services.application_save(
            actor=res.officer,
            enterprise=res.enterprise,
            data=services.ApplicationInput(planned_date=_today(), plan_file=up("plan.pdf", PDF)),
        )
    assert not Application.objects.exists()
    assert files(media) == []


def _today() -> object:
    return local_today()


def test_a_new_plan_replaces_the_old_file(
    res: Res, media: Path, django_capture_on_commit_callbacks
) -> None:
    app = services.application_save(
        actor=res.officer,
        enterprise=res.enterprise,
        data=services.ApplicationInput(planned_date=_today(), plan_file=up("plan.pdf", PDF)),
    )
    first = media / app.plan_path
    assert first.exists()
    with django_capture_on_commit_callbacks(execute=True):
        app = services.application_save(
            actor=res.officer,
            enterprise=res.enterprise,
            application=app,
            data=services.ApplicationInput(planned_date=_today(), plan_file=up("v2.docx", docx())),
        )
    assert fresh(app).plan_name == "v2.docx"
    assert not first.exists()
    assert files(media) == [media / fresh(app).plan_path]


def test_a_plan_that_is_not_a_document_is_refused(res: Res, media: Path) -> None:
    with override("en"), pytest.raises(ServiceError) as refused:
        services.application_save(
            actor=res.officer,
            enterprise=res.enterprise,
            data=services.ApplicationInput(
                planned_date=_today(), plan_file=up("plan.docx", b"random bytes")
            ),
        )
    assert refused.value.code == "bad_format"
    assert not Application.objects.exists()
    assert files(media) == []


def test_survey_photos_are_kept_and_removed_if_the_step_fails(
    res: Res, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = advance(res, Application.State.ASSIGNED)
    photos = [up("a.jpg", jpeg_with_gps()), up("b.png", png())]

    def broken(*args: object, **kw: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(StepPhoto.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        services.application_survey(
            actor=res.staff, application=fresh(app), items=res.checklist(), photos=photos
        )
    assert files(media) == []
    assert fresh(app).state == Application.State.ASSIGNED
    monkeypatch.undo()
    photos = [up("a.jpg", jpeg_with_gps()), up("b.png", png())]
    services.application_survey(
        actor=res.staff, application=fresh(app), items=res.checklist(), photos=photos
    )
    kept = StepPhoto.objects.filter(step__application=app)
    assert sorted(kept.values_list("original_name", flat=True)) == ["a.jpg", "b.png"]
    assert len(files(media)) == 2
    for p in files(media):
        assert b"Exif" not in p.read_bytes()


def test_a_survey_photo_that_is_not_a_photo_stores_nothing(res: Res, media: Path) -> None:
    app = advance(res, Application.State.ASSIGNED)
    photos = [up("a.jpg", jpeg_with_gps()), up("b.jpg", b"not a photo")]
    with override("en"), pytest.raises(ServiceError) as refused:
        services.application_survey(
            actor=res.staff, application=fresh(app), items=res.checklist(), photos=photos
        )
    assert "“b.jpg” is not a photo" in refused.value.message
    assert files(media) == []
    assert fresh(app).state == Application.State.ASSIGNED
    too_many = [up(f"{i}.png", png()) for i in range(services.MAX_PHOTOS_PER_STEP + 1)]
    with pytest.raises(ServiceError) as many:
        services.application_survey(
            actor=res.staff, application=fresh(app), items=res.checklist(), photos=too_many
        )
    assert many.value.field == "photos"


def test_deleting_evidence_removes_its_file_after_commit(
    res: Res, media: Path, django_capture_on_commit_callbacks
) -> None:
    ev = services.evidence_add(
        actor=res.officer,
        enterprise=res.enterprise,
        condition=_cond(res, Indicator.EMERGENCY_PLAN),
        upload=up("plan.pdf", PDF),
        kind="document",
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_delete(actor=res.officer, evidence=ev)
    assert not Evidence.objects.exists()
    assert files(media) == []
