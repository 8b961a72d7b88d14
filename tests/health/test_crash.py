"""A batch killed mid-request leaves all or nothing: a real gunicorn worker is SIGKILLed while
its batch transaction has written every row but not committed; nothing of the batch is stored,
and the device's retry then stores each check exactly once.

How the worker is caught mid-batch without touching the code under test: the batch's last item
is a fever for a person whose open incident row this test holds locked, so the worker blocks
in `incident_open` after inserting the checks and before committing.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from tests.health.conftest import Health
from workgate.health import services
from workgate.health.models import Check, Incident

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="needs a server database a second process can share while the test holds a lock",
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - local test server
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the test server did not start")


def _post(url: str, token: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 - local test server
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


@pytest.fixture
def server(health: Health):
    port = _free_port()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "WORKGATE_LOCAL": "1",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "workgate.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--timeout",
            "120",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_up(f"{base}/login/")
        yield proc, base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def _workers(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True)
    return [int(pid) for pid in out.stdout.split()]


def test_a_batch_killed_mid_request_stores_nothing_and_its_retry_stores_it_once(
    health: Health, server
) -> None:
    proc, base = server
    person = health.a[0]
    (fever,) = services.checks_record(
        actor=health.gate_actor,
        items=[
            services.CheckItem(
                uuid=uuid.uuid4(),
                temperature="38.3",
                pass_code=health.code(person),
                gate_id=health.gate.pk,
            )
        ],
        source="station",
    )
    incident_id = fever.incident_id
    before = Check.objects.count()

    now = timezone.now().isoformat()
    people = health.a[1:] * 100  # 400 checks, then the fever that will wait for the lock
    checks = [
        {
            "id": str(uuid.uuid4()),
            "pass_code": health.code(p),
            "temperature": "36.5",
            "taken_at": now,
            "gate": health.gate.pk,
        }
        for p in people
    ]
    checks.append(
        {
            "id": str(uuid.uuid4()),
            "pass_code": health.code(person),
            "temperature": "38.6",
            "taken_at": now,
            "gate": health.gate.pk,
        }
    )
    ids = [c["id"] for c in checks]

    db = connection.settings_dict
    holder = psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], autocommit=False
    )
    holder.execute("SELECT id FROM health_incident WHERE id = %s FOR UPDATE", [incident_id])

    answer: dict[str, object] = {}

    def upload() -> None:
        try:
            answer["result"] = _post(
                f"{base}/api/v1/checks/batch", health.token, {"checks": checks}
            )
        except OSError as exc:  # the connection dies with the worker
            answer["error"] = exc

    thread = threading.Thread(target=upload)
    thread.start()
    # Wait until the worker's transaction has written the checks and waits for the lock.
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], autocommit=True
    ) as watcher:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            waiting = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                "AND wait_event_type = 'Lock'",
                [db["NAME"]],
            ).fetchone()[0]
            if waiting:
                break
            time.sleep(0.05)
        assert waiting, "the batch never reached the lock"
        for pid in _workers(proc.pid):
            os.kill(pid, signal.SIGKILL)
        thread.join(timeout=30)
        assert "result" not in answer, "the killed worker must not have answered"
        holder.rollback()
        holder.close()
        # The killed worker's backend notices its client is gone and rolls back.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            busy = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND state <> 'idle' "
                "AND pid <> pg_backend_pid() AND query LIKE '%%health_%%'",
                [db["NAME"]],
            ).fetchone()[0]
            if not busy:
                break
            time.sleep(0.1)

    assert Check.objects.count() == before
    assert not Check.objects.filter(uuid__in=ids).exists()

    # The device retries the same batch: the master has started a new worker.
    _wait_up(f"{base}/login/")
    status, body = _post(f"{base}/api/v1/checks/batch", health.token, {"checks": checks})
    assert status == 200
    assert (body["created"], body["duplicate"], body["rejected"]) == (401, 0, 0)
    status, body = _post(f"{base}/api/v1/checks/batch", health.token, {"checks": checks})
    assert (body["created"], body["duplicate"]) == (0, 401)
    assert Check.objects.filter(uuid__in=ids).count() == 401
    assert Incident.objects.filter(employee=person).count() == 1
