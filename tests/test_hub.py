"""The class hub, started for real: students log in, get their own server and copy of the book, run Chapter 1.

The tests marked `hub` need root (each student is a Unix account) and the npm proxy. `make test`
runs them with 2 students; `make check-hub` with 5 (BOOK_HUB_CLASS=5). benchmarks/hub.py reports
memory and time per student. The other tests (class lists, the Kubernetes values) run anywhere.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests
import yaml

from scripts.book import run_times
from scripts.hub import (
    BOOK_FOLDER,
    BRANCH,
    Hub,
    add_student,
    check_student,
    demo_class,
    made_by_hub,
    read_class_list,
    remove_student,
    students_let_through,
)
from scripts.hub_student import LoginRefused, Student, attend_together, execute

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = "01_ai_vs_genai.ipynb"
CLASS_SIZE = int(os.environ.get("BOOK_HUB_CLASS", "2"))


def test_class_list_is_read_and_checked(tmp_path):
    good = tmp_path / "class.txt"
    good.write_text("# week 1\nada lovelace-1843\n\nalan  turing#1936  # section B\n")
    good.chmod(0o600)
    assert read_class_list(good) == {"ada": "lovelace-1843", "alan": "turing#1936"}
    for text, message in [
        ("ada\n", "line 1: write a name and a password"),
        ("Ada lovelace-1843\n", "cannot be a Unix account"),
        ("ada short\n", "use at least 8"),
        ("ada lovelace-1843\nada lovelace-1844\n", "line 2: ada is listed twice"),
        ("# nobody yet\n", "lists no students"),
    ]:
        bad = tmp_path / "bad.txt"
        bad.write_text(text)
        bad.chmod(0o600)
        with pytest.raises(ValueError, match=message):
            read_class_list(bad)
    good.chmod(0o644)
    with pytest.raises(ValueError, match="other accounts can read it: run `chmod 600"):
        read_class_list(good)
    with pytest.raises(ValueError, match="cannot be a Unix account"):
        check_student("../etc", "long-enough")
    assert list(demo_class(3)) == ["student01", "student02", "student03"]
    assert len(set(demo_class(2).values())) == 2  # random passwords
    with pytest.raises(ValueError, match="at least one student"):
        demo_class(0)


def test_the_hub_never_takes_over_an_account_it_did_not_make():
    existing = pwd.getpwuid(os.getuid()).pw_name  # root in CI: an account the hub must leave alone
    assert made_by_hub(existing) is False
    with pytest.raises(ValueError, match=f"An account named {existing} exists"):
        add_student(existing, "long-enough", Path("/nonexistent"), Path("/nonexistent"))
    remove_student(existing)  # does nothing to an account the hub did not make
    assert pwd.getpwnam(existing)


@pytest.fixture(scope="module")
def hub():
    if os.geteuid() != 0:
        pytest.skip("the class hub creates Unix accounts: run as root (CI does)")
    state = Path(tempfile.mkdtemp(prefix="book-hub-", dir="/tmp"))
    students = demo_class(CLASS_SIZE, prefix=f"hubtest{secrets.token_hex(2)}-")
    try:
        with students_let_through(), Hub(state, students) as running:
            yield running
    finally:
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture(scope="module")
def class_run(hub):
    """Every student logs in at once, starts a server, pulls the book and runs Chapter 1."""
    students = [Student(hub.url, name, password) for name, password in hub.students.items()]
    runs = attend_together(students, f"file://{hub.source}", BRANCH, BOOK_FOLDER, CHAPTER)
    return students, runs


@pytest.mark.hub
def test_every_student_runs_chapter_1_on_their_own_server(class_run, hub):
    students, runs = class_run
    committed = json.loads(_committed_chapter())
    code_cells = sum(c["cell_type"] == "code" for c in committed["cells"])
    assert [run["student"] for run in runs] == list(hub.students)
    for student, run in zip(students, runs, strict=True):
        assert run["cells"] == code_cells  # every cell ran without an error (an error raises)
        assert run["peak_memory_mb"] > 200  # a server and a kernel with torch loaded
        home = Path(pwd.getpwnam(student.name).pw_dir)
        copy = home / BOOK_FOLDER / "chapters" / CHAPTER
        assert copy.stat().st_uid == pwd.getpwnam(student.name).pw_uid  # the student owns their copy
        assert home.stat().st_mode & 0o777 == 0o700  # and nobody else may enter their home


def _committed_chapter() -> str:
    """Chapter 1 as committed: what nbgitpuller hands out."""
    return subprocess.run(["git", "-C", str(ROOT), "show", f"HEAD:chapters/{CHAPTER}"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip


@pytest.mark.hub
def test_the_handed_out_link_leads_to_nbgitpuller_on_the_students_own_server(class_run, hub):
    student = class_run[0][0]
    reply = student.session.get(hub.pull_link(), timeout=60)  # follows the hub's redirects, as a browser would
    assert reply.status_code == 200
    assert urlparse(reply.url).path == f"/user/{student.name}/git-pull"
    assert "nbgitpuller" in reply.text.lower()


@pytest.mark.hub
def test_wrong_password_and_accounts_off_the_class_list_are_refused(hub):
    name, password = next(iter(hub.students.items()))
    with pytest.raises(LoginRefused):
        Student(hub.url, name, password + "x").login()
    outsider = f"hubout{secrets.token_hex(2)}"  # a real account with a password, not on the class list
    outsider_password = secrets.token_urlsafe(12)
    add_student(outsider, outsider_password, hub.state / "home", hub.source)
    try:
        with pytest.raises(LoginRefused):
            Student(hub.url, outsider, outsider_password).login()
    finally:
        remove_student(outsider)
    assert made_by_hub(outsider) is None


@pytest.mark.hub
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


@pytest.mark.hub
def test_students_cannot_read_or_change_each_others_files(hub, class_run):
    if CLASS_SIZE < 2:
        pytest.skip("needs two students")
    first, second = class_run[0][:2]
    notebook = f"{first.server_url}/api/contents/{BOOK_FOLDER}/chapters/{CHAPTER}"
    new_file = f"{first.server_url}/api/contents/{BOOK_FOLDER}/new.txt"
    # through the hub: the first student's own token opens these; the second student's does not
    assert first.api("GET", notebook).status_code == 200
    assert second.api("GET", notebook).status_code == 403
    assert second.api("PUT", new_file, json={"type": "file"}).status_code == 403
    assert first.api("PUT", new_file, json={"type": "file"}).status_code == 201
    # from a kernel: the operating system keeps the second student out of the first one's home
    theirs = f"{pwd.getpwnam(first.name).pw_dir}/{BOOK_FOLDER}/chapters/{CHAPTER}"
    with second.kernel() as channel:
        read = execute(channel, f"open({theirs!r}).read()")
        write = execute(channel, f"open({theirs!r}, 'a').write('x')")
        own = execute(channel, "import pathlib; pathlib.Path('mine.txt').write_text('ok')")
    assert read["status"] == "error" and read["ename"] == "PermissionError"
    assert write["status"] == "error" and write["ename"] == "PermissionError"
    assert own["status"] == "ok"  # their own home is theirs to write


@pytest.mark.hub
def test_a_second_login_reuses_the_running_server(hub, class_run):
    first = class_run[0][0]
    before = first.server()
    again = Student(hub.url, first.name, first.password)
    again.login()
    after = again.start_server()
    assert before["ready"] and after["ready"]
    assert after["started"] == before["started"]  # the same server, not a new one
    assert again.api("GET", f"{again.server_url}/api/kernels").status_code == 200


def _measured(label: str) -> float:
    """A number from the hub measurement that benchmarks/hub.py wrote into the instructor guide."""
    guide = (ROOT / "book" / "teaching" / "instructor_guide.md").read_text()
    block = guide.split("<!-- hub:start -->")[1].split("<!-- hub:end -->")[0]
    row = next(line for line in block.splitlines() if line.startswith(f"| {label}"))
    return float(row.split("|")[2].split()[0].replace(",", ""))


def test_kubernetes_values_cover_the_measured_student_with_headroom():
    values = yaml.safe_load((ROOT / "hub" / "z2jh-values.yaml").read_text())
    user = values["singleuser"]
    largest_kernel_gb = max(float(gb) for _, gb in run_times().values())
    need_gb = (_measured("Memory of a started server") / 1000 + largest_kernel_gb) * 1.2  # the guide's fifth more
    assert float(user["memory"]["guarantee"].rstrip("G")) >= need_gb
    assert float(user["memory"]["limit"].rstrip("G")) >= float(user["memory"]["guarantee"].rstrip("G"))
    assert user["cpu"]["guarantee"] >= _measured("CPU time per student for Chapter 1") / 60 * 1.2
    assert values["cull"]["enabled"] and values["cull"]["timeout"] == 3600  # as on the single-machine hub
    assert user["extraEnv"]["OMP_NUM_THREADS"] == "1"
    assert values["hub"]["config"]["Authenticator"].get("allowed_users") or values["hub"]["config"][
        "Authenticator"
    ].get("allow_all"), "someone besides the admins must be allowed to log in"
