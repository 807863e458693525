"""The class hub, started for real: students log in, get their own server and copy of the book, run Chapter 1.

Needs root (each student is a Unix account). `make test` runs it with 2 students; `make check-hub`
with 5 (BOOK_HUB_CLASS=5). benchmarks/hub.py reports memory and time per student.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
import requests
import yaml

from scripts.hub import BOOK_FOLDER, Hub, check_student, demo_class, read_class_list, students_let_through
from scripts.hub_student import LoginRefused, Student, attend_together, execute

pytestmark = pytest.mark.hub
ROOT = Path(__file__).resolve().parents[1]
CHAPTER = "01_ai_vs_genai.ipynb"
CLASS_SIZE = int(os.environ.get("BOOK_HUB_CLASS", "2"))


def test_class_list_is_read_and_checked(tmp_path):
    good = tmp_path / "class.txt"
    good.write_text("# week 1\nada lovelace-1843\n\nalan  turing-1936  # section B\n")
    assert read_class_list(good) == {"ada": "lovelace-1843", "alan": "turing-1936"}
    for text, message in [
        ("ada\n", "line 1: write a name and a password"),
        ("Ada lovelace-1843\n", "cannot be a Unix account"),
        ("ada short\n", "use at least 8"),
        ("# nobody yet\n", "lists no students"),
    ]:
        bad = tmp_path / "bad.txt"
        bad.write_text(text)
        with pytest.raises(ValueError, match=message):
            read_class_list(bad)
    with pytest.raises(ValueError, match="cannot be a Unix account"):
        check_student("../etc", "long-enough")
    assert list(demo_class(3)) == ["student01", "student02", "student03"]
    with pytest.raises(ValueError, match="at least one student"):
        demo_class(0)


@pytest.fixture(scope="module")
def hub():
    if os.geteuid() != 0:
        pytest.skip("the class hub creates Unix accounts: run as root (CI does)")
    state = Path(tempfile.mkdtemp(prefix="book-hub-", dir="/tmp"))
    students = {name: f"{name}-pass-{i}" for i, name in enumerate(demo_class(CLASS_SIZE))}
    with students_let_through(), Hub(state, students) as running:
        yield running
    shutil.rmtree(state, ignore_errors=True)


@pytest.fixture(scope="module")
def class_run(hub):
    """Every student logs in at once, starts a server, pulls the book and runs Chapter 1."""
    students = [Student(hub.url, name, password) for name, password in hub.students.items()]
    runs = attend_together(students, f"file://{hub.source}", hub.branch, BOOK_FOLDER, CHAPTER)
    report = ROOT / "_build" / "hub_test.json"
    report.parent.mkdir(exist_ok=True)
    report.write_text(json.dumps(runs, indent=2) + "\n")
    return students, runs


def test_every_student_runs_chapter_1_on_their_own_server(class_run, hub):
    students, runs = class_run
    code_cells = sum(c["cell_type"] == "code" for c in json.loads((ROOT / "chapters" / CHAPTER).read_text())["cells"])
    assert [run["student"] for run in runs] == list(hub.students)
    for student, run in zip(students, runs, strict=True):
        assert run["cells"] == code_cells  # every cell ran without an error (an error raises)
        assert 0 < run["first_result_s"] < run["total_s"]
        assert run["peak_memory_mb"] > 100  # a server and a kernel with torch loaded
        copy = Path(f"{hub.state}/home/{student.name}/{BOOK_FOLDER}/chapters/{CHAPTER}")
        assert copy.stat().st_uid == os.stat(copy.parents[2]).st_uid  # the student owns their copy
        assert copy.parents[2].stat().st_mode & 0o777 == 0o700  # and nobody else may enter their home


def test_wrong_password_and_strangers_are_refused(hub):
    name, password = next(iter(hub.students.items()))
    with pytest.raises(LoginRefused):
        Student(hub.url, name, password + "x").login()
    with pytest.raises(LoginRefused):
        Student(hub.url, "stranger", password).login()  # not on the class list


def test_unauthenticated_requests_are_refused(hub, class_run):
    name = next(iter(hub.students))
    for url in (
        f"{hub.url}/hub/api/users",
        f"{hub.url}/hub/api/users/{name}",
        f"{hub.url}/user/{name}/api/contents/{BOOK_FOLDER}/chapters/{CHAPTER}",
    ):
        reply = requests.get(url, allow_redirects=False, timeout=30)
        assert reply.status_code in (302, 403), f"{url} answered {reply.status_code} without a login"
        if reply.status_code == 302:
            assert "/hub/login" in reply.headers["Location"] or "/hub/api/oauth2" in reply.headers["Location"]


def test_students_cannot_read_or_change_each_others_files(hub, class_run):
    if CLASS_SIZE < 2:
        pytest.skip("needs two students")
    first, second = class_run[0][:2]
    # through the hub: the second student's token does not open the first student's server
    reply = second.api("GET", f"{first.server_url}/api/contents/{BOOK_FOLDER}/chapters/{CHAPTER}")
    assert reply.status_code in (403, 404)
    reply = second.api("PUT", f"{first.server_url}/api/contents/{BOOK_FOLDER}/new.txt", json={"type": "file"})
    assert reply.status_code in (403, 404)
    # from a kernel: the operating system keeps the second student out of the first one's home
    theirs = f"{hub.state}/home/{first.name}/{BOOK_FOLDER}/chapters/{CHAPTER}"
    with second.kernel() as channel:
        read = execute(channel, f"open({theirs!r}).read()")
        write = execute(channel, f"open({theirs!r}, 'a').write('x')")
        own = execute(channel, "import pathlib; pathlib.Path('mine.txt').write_text('ok')")
    assert read["status"] == "error" and read["ename"] == "PermissionError"
    assert write["status"] == "error" and write["ename"] == "PermissionError"
    assert own["status"] == "ok"  # their own home is theirs to write


def test_a_second_login_reuses_the_running_server(hub, class_run):
    first = class_run[0][0]
    before = first.server()
    again = Student(hub.url, first.name, first.password)
    again.login()
    after = again.start_server()
    assert before["ready"] and after["ready"]
    assert after["started"] == before["started"]  # the same server, not a new one
    reply = again.api("GET", f"{again.server_url}/api/kernels")
    assert reply.status_code == 200


def _measured(label: str) -> float:
    """A number from the hub measurement that benchmarks/hub.py wrote into the instructor guide."""
    guide = (ROOT / "book" / "teaching" / "instructor_guide.md").read_text()
    block = guide.split("<!-- hub:start -->")[1].split("<!-- hub:end -->")[0]
    row = next(line for line in block.splitlines() if line.startswith(f"| {label}"))
    return float(row.split("|")[2].split()[0].replace(",", ""))


def test_kubernetes_values_cover_the_measured_student():
    values = yaml.safe_load((ROOT / "hub" / "z2jh-values.yaml").read_text())
    user = values["singleuser"]
    run_times = (ROOT / "book" / "run_times.md").read_text()
    largest_kernel_gb = max(float(gb) for gb in re.findall(r"^\| \d\d_\w+ \| [\d.]+ \| ([\d.]+) \|", run_times, re.M))
    need_gb = _measured("Memory of a started server") / 1024 + largest_kernel_gb
    assert float(user["memory"]["guarantee"].rstrip("G")) >= need_gb
    assert float(user["memory"]["limit"].rstrip("G")) >= float(user["memory"]["guarantee"].rstrip("G"))
    assert user["cpu"]["guarantee"] >= _measured("CPU time per student for Chapter 1") / 60
    assert values["cull"]["enabled"] and values["cull"]["timeout"] == 3600  # as on the single-machine hub
    assert user["extraEnv"]["OMP_NUM_THREADS"] == "1"
