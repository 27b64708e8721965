"""The workspace's logo through the JSON API and in the database: what is accepted (by
its bytes), its limits, who may change it, its audit trail, its export, and the wall
around its rows."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import psycopg
import pytest

from atlas.db.ids import uuid7
from atlas.errors import AtlasError
from atlas.workspaces.logo import LOGO_MAX_BYTES, LOGO_MAX_SIDE, read_logo
from tests.access import error_code
from tests.audit.helpers import events
from tests.citus import refused_move
from tests.exports.helpers import read_archive, rows_of
from tests.factories import Actor, Factory
from tests.sql import Sql
from tests.workspaces import images

URL = "/api/v1/workspace/logo"

ACCEPTED = [
    pytest.param(images.png(3, 2), "image/png", (3, 2), id="png"),
    pytest.param(images.jpeg(5, 4), "image/jpeg", (5, 4), id="jpeg"),
    pytest.param(images.webp_lossy(7, 6), "image/webp", (7, 6), id="webp-lossy"),
    pytest.param(images.webp_lossless(9, 8), "image/webp", (9, 8), id="webp-lossless"),
    pytest.param(images.webp_extended(11, 10), "image/webp", (11, 10), id="webp-extended"),
]
REFUSED = [
    pytest.param(images.SVG, "logo_type_unsupported", "SVG", id="svg"),
    pytest.param(b"\xef\xbb\xbf  " + images.SVG, "logo_type_unsupported", "SVG", id="svg-bom"),
    pytest.param(images.GIF, "logo_type_unsupported", "GIF", id="gif"),
    pytest.param(images.HTML, "logo_type_unsupported", "known kind", id="html"),
    pytest.param(b"", "logo_missing", "Choose", id="empty"),
    pytest.param(images.png()[:-5], "logo_unreadable", "PNG", id="png-truncated"),
    pytest.param(images.png()[:20], "logo_unreadable", "PNG", id="png-header-only"),
    pytest.param(
        images.png()[:40] + b"\x00" + images.png()[41:], "logo_unreadable", "PNG", id="png-bad-crc"
    ),
    pytest.param(images.jpeg()[:-2], "logo_unreadable", "JPEG", id="jpeg-truncated"),
    pytest.param(b"\xff\xd8\xff\xd9", "logo_unreadable", "JPEG", id="jpeg-no-frame"),
    pytest.param(images.webp_lossy()[:-4], "logo_unreadable", "WebP", id="webp-truncated"),
    pytest.param(
        images.png(LOGO_MAX_SIDE + 1, 1), "logo_dimensions_out_of_range", "4001", id="wide"
    ),
    pytest.param(
        images.jpeg(1, LOGO_MAX_SIDE + 1), "logo_dimensions_out_of_range", "4001", id="tall"
    ),
    pytest.param(images.png(0, 1), "logo_dimensions_out_of_range", "0 by 1", id="zero-width"),
]


@pytest.fixture
def owner(factory: Factory) -> Actor:
    return factory.user()


@pytest.fixture
def ws(factory: Factory, owner: Actor) -> dict[str, Any]:
    return factory.workspace(owner)


def put(actor: Actor, ws: dict[str, Any], content: bytes, **headers: str) -> httpx.Response:
    return actor.put(URL, ws=ws, content=content, headers=headers)


def stored_logo(sql: Sql, ws: dict[str, Any]) -> list[dict[str, Any]]:
    return sql.owner(
        "SELECT content, content_type, size_bytes, sha256, width, height FROM workspace_logos"
        " WHERE workspace_id = %s",
        ws["id"],
        workspace=ws["id"],
    )


# --- what an image is ---------------------------------------------------------------------


@pytest.mark.parametrize(("content", "content_type", "size"), ACCEPTED)
def test_an_image_is_known_by_its_bytes(
    content: bytes, content_type: str, size: tuple[int, int]
) -> None:
    image = read_logo(content)
    assert (image.content_type, (image.width, image.height)) == (content_type, size)


@pytest.mark.parametrize(("content", "code", "said"), REFUSED)
def test_what_is_not_an_accepted_image_is_refused_with_its_reason(
    content: bytes, code: str, said: str
) -> None:
    with pytest.raises(AtlasError) as refused:
        read_logo(content)
    assert (refused.value.status, refused.value.code) == (422, code)
    assert said in refused.value.message


def test_the_largest_side_is_accepted() -> None:
    assert read_logo(images.png(LOGO_MAX_SIDE, LOGO_MAX_SIDE)).width == LOGO_MAX_SIDE
    assert read_logo(images.webp_extended(LOGO_MAX_SIDE, 1)).width == LOGO_MAX_SIDE


# --- the API ------------------------------------------------------------------------------


@pytest.mark.parametrize(("content", "content_type", "size"), ACCEPTED)
def test_uploading_each_kind_stores_it_as_its_bytes_say(
    sql: Sql,
    owner: Actor,
    ws: dict[str, Any],
    content: bytes,
    content_type: str,
    size: tuple[int, int],
) -> None:
    # The client's content type is not believed, whatever it says.
    resp = put(owner, ws, content, **{"Content-Type": "text/html"})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    digest = hashlib.sha256(content).hexdigest()
    extension = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}[content_type]
    assert body["content_type"] == content_type
    assert (body["width"], body["height"]) == size
    assert (body["size_bytes"], body["sha256"]) == (len(content), digest)
    assert body["url"] == f"/w/{ws['slug']}/settings/logo/{digest}.{extension}"
    assert stored_logo(sql, ws) == [
        {
            "content": content,
            "content_type": content_type,
            "size_bytes": len(content),
            "sha256": digest,
            "width": size[0],
            "height": size[1],
        }
    ]
    assert owner.get(URL, ws=ws).json() == body


@pytest.mark.parametrize(("content", "code", "said"), REFUSED)
def test_a_refused_upload_stores_nothing(
    sql: Sql, owner: Actor, ws: dict[str, Any], content: bytes, code: str, said: str
) -> None:
    resp = put(owner, ws, content, **{"Content-Type": "image/png"})
    assert resp.status_code == 422, resp.text
    assert error_code(resp) == code
    assert resp.json()["error"]["details"][0]["field"] == "logo"
    assert stored_logo(sql, ws) == []


def test_the_size_limit_holds_at_its_edge_and_one_byte_past(
    sql: Sql, owner: Actor, ws: dict[str, Any]
) -> None:
    largest = images.png_of_size(LOGO_MAX_BYTES)
    assert put(owner, ws, largest).status_code == 200
    too_large = images.png_of_size(LOGO_MAX_BYTES + 1)
    resp = put(owner, ws, too_large)
    assert resp.status_code == 413
    assert error_code(resp) == "logo_too_large"
    assert "524288" in resp.json()["error"]["message"]
    assert stored_logo(sql, ws)[0]["size_bytes"] == LOGO_MAX_BYTES


def test_a_new_logo_replaces_the_old_one_whose_address_stops_working(
    owner: Actor, ws: dict[str, Any]
) -> None:
    first = put(owner, ws, images.png()).json()
    second = put(owner, ws, images.jpeg()).json()
    assert second["sha256"] != first["sha256"]
    assert owner.get(URL, ws=ws).json() == second


def test_removing_the_logo(sql: Sql, owner: Actor, ws: dict[str, Any]) -> None:
    assert put(owner, ws, images.png()).status_code == 200
    assert owner.delete(URL, ws=ws).status_code == 204
    assert stored_logo(sql, ws) == []
    for resp in (owner.get(URL, ws=ws), owner.delete(URL, ws=ws)):
        assert resp.status_code == 404
        assert error_code(resp) == "logo_not_found"


def test_access_to_the_logo_routes(
    client: httpx.Client, factory: Factory, sql: Sql, owner: Actor, ws: dict[str, Any]
) -> None:
    assert put(owner, ws, images.png()).status_code == 200
    before = stored_logo(sql, ws)
    headers = {"X-Workspace-Id": str(ws["id"])}
    stranger = factory.user()
    admin, member, viewer = (factory.member(ws, role) for role in ("admin", "member", "viewer"))
    for method in ("GET", "PUT", "DELETE"):
        anonymous = client.request(method, URL, headers=headers, content=images.jpeg())
        assert (anonymous.status_code, error_code(anonymous)) == (401, "unauthenticated")
        outside = stranger.request(method, URL, ws=ws, content=images.jpeg())
        assert (outside.status_code, error_code(outside)) == (404, "workspace_not_found")
    for method in ("PUT", "DELETE"):
        for denied in (member, viewer):
            refused = denied.request(method, URL, ws=ws, content=images.jpeg())
            assert (refused.status_code, error_code(refused)) == (403, "permission_denied")
    assert stored_logo(sql, ws) == before
    assert viewer.get(URL, ws=ws).json()["sha256"] == before[0]["sha256"]
    assert put(admin, ws, images.jpeg()).status_code == 200
    assert admin.delete(URL, ws=ws).status_code == 204


def test_each_workspace_sees_its_own_logo(
    factory: Factory, owner: Actor, ws: dict[str, Any]
) -> None:
    other_owner = factory.user()
    other = factory.workspace(other_owner)
    put(owner, ws, images.png())
    resp = other_owner.get(URL, ws=other)
    assert (resp.status_code, error_code(resp)) == (404, "logo_not_found")


# --- audit and export ---------------------------------------------------------------------


def test_upload_and_removal_are_audited_without_the_image(
    sql: Sql, owner: Actor, ws: dict[str, Any]
) -> None:
    content = images.png(3, 2)
    logo = put(owner, ws, content).json()
    put(owner, ws, images.jpeg(5, 4))
    owner.delete(URL, ws=ws)
    trail = events(owner, ws, entity_type="workspace_logo", sort="occurred_at")["items"]
    assert [e["action"] for e in trail] == [
        "workspace_logo.created",
        "workspace_logo.updated",
        "workspace_logo.deleted",
    ]
    created = trail[0]["changes"]
    assert created["sha256"] == {"old": None, "new": logo["sha256"]}
    assert created["content_type"] == {"old": None, "new": "image/png"}
    assert trail[1]["changes"]["width"] == {"old": 3, "new": 5}
    rows = sql.owner(
        "SELECT changes::text AS changes FROM audit_events"
        " WHERE workspace_id = %s AND entity_type = 'workspace_logo'",
        ws["id"],
        workspace=ws["id"],
    )
    assert len(rows) == 3
    for row in rows:
        assert "content" not in row["changes"].replace("content_type", "")
        assert content.hex() not in row["changes"]


def test_the_export_holds_the_logo_and_its_bytes(owner: Actor, ws: dict[str, Any]) -> None:
    content = images.webp_lossless()
    put(owner, ws, content)
    resp = owner.get("/api/v1/workspace/export", ws=ws)
    assert resp.status_code == 200
    manifest, files = read_archive(resp.content)
    assert "workspace_logos" in {t["name"] for t in manifest["tables"]}
    [row] = rows_of(files, "workspace_logos")
    assert bytes.fromhex(row["content"]) == content
    assert row["content_type"] == "image/webp"


# --- the database wall --------------------------------------------------------------------


def _insert_logo(sql: Sql, ws: dict[str, Any], content: bytes) -> None:
    sql.owner(
        """INSERT INTO workspace_logos
               (workspace_id, id, content, content_type, size_bytes, sha256, width, height)
           VALUES (%s, %s, %s, 'image/png', %s, %s, 2, 1)""",
        ws["id"],
        uuid7(),
        content,
        len(content),
        hashlib.sha256(content).hexdigest(),
        workspace=ws["id"],
    )


def test_the_app_role_can_neither_read_nor_move_another_workspaces_logo(
    factory: Factory, sql: Sql, ws: dict[str, Any]
) -> None:
    other = factory.workspace(factory.user())
    _insert_logo(sql, ws, images.png())
    _insert_logo(sql, other, images.png(3, 3))
    assert (
        sql.app(
            "SELECT * FROM workspace_logos WHERE workspace_id = %s", other["id"], workspace=ws["id"]
        )
        == []
    )
    assert [
        r["workspace_id"]
        for r in sql.app("SELECT workspace_id FROM workspace_logos", workspace=ws["id"])
    ] == [ws["id"]]
    with refused_move():
        sql.app("UPDATE workspace_logos SET workspace_id = %s", other["id"], workspace=ws["id"])
    sql.app(
        "UPDATE workspace_logos SET width = 9 WHERE workspace_id = %s",
        other["id"],
        workspace=ws["id"],
    )
    sql.app("DELETE FROM workspace_logos WHERE workspace_id = %s", other["id"], workspace=ws["id"])
    assert [r["width"] for r in stored_logo(sql, other)] == [2]  # not 9, not gone
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        sql.app(
            """INSERT INTO workspace_logos
                   (workspace_id, id, content, content_type, size_bytes, sha256, width, height)
               VALUES (%s, %s, '\\x01', 'image/png', 1, encode(sha256('\\x01'), 'hex'), 1, 1)""",
            other["id"],
            uuid7(),
            workspace=ws["id"],
        )


def test_the_database_holds_size_and_hash_to_the_bytes(sql: Sql, ws: dict[str, Any]) -> None:
    content = images.png()
    with pytest.raises(psycopg.errors.CheckViolation, match="ck_workspace_logos_sha256"):
        sql.app(
            """INSERT INTO workspace_logos
                   (workspace_id, id, content, content_type, size_bytes, sha256, width, height)
               VALUES (%s, %s, %s, 'image/png', %s, %s, 2, 1)""",
            ws["id"],
            uuid7(),
            content,
            len(content),
            "0" * 64,
            workspace=ws["id"],
        )
    with pytest.raises(psycopg.errors.CheckViolation, match="ck_workspace_logos_size"):
        sql.app(
            """INSERT INTO workspace_logos
                   (workspace_id, id, content, content_type, size_bytes, sha256, width, height)
               VALUES (%s, %s, %s, 'image/png', 1, %s, 2, 1)""",
            ws["id"],
            uuid7(),
            content,
            hashlib.sha256(content).hexdigest(),
            workspace=ws["id"],
        )
