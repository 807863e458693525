"""A JupyterHub for a class on one teaching machine: student accounts, the hub itself, and `make hub`.

    sudo make hub                                   # five demo students, passwords printed
    sudo make hub CLASS=students.txt                # your class: one "name password" per line

Each student becomes a Unix account with a private home folder (mode 700); the hub logs them in
with that account's password (PAM) and runs their Jupyter server as that account, so one student
cannot read or change another's files, even from a kernel. Their copy of the chapters comes from
a bare clone of this repository through nbgitpuller: the link printed at start fetches it.

Creating accounts needs root. The hub listens on 127.0.0.1 only; hub/jupyterhub_config.py holds
its settings and scripts/hub_student.py drives it as a student would (tests/test_hub.py).
"""

from __future__ import annotations

import argparse
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import requests

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "hub" / "jupyterhub_config.py"
PROXY = ROOT / "hub" / "node_modules" / ".bin" / "configurable-http-proxy"
NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
BOOK_FOLDER = "genai-hands-on"  # where a student's copy of the book lands in their home folder


def require_root() -> None:
    if os.geteuid() != 0:
        raise SystemExit(
            "The class hub gives each student their own Unix account, and only root can create "
            "accounts and run servers as them: run it with sudo (sudo make hub)."
        )


def read_class_list(path: Path) -> dict[str, str]:
    """Students from a file with one `name password` per line (blank lines and # comments skipped)."""
    students = {}
    for number, line in enumerate(Path(path).read_text().splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 2:
            raise ValueError(f"{path}, line {number}: write a name and a password separated by a space, got {line!r}")
        name, password = parts
        check_student(name, password)
        students[name] = password
    if not students:
        raise ValueError(f"{path} lists no students: write one 'name password' per line")
    return students


def check_student(name: str, password: str) -> None:
    if not NAME.match(name):
        raise ValueError(
            f"Student name {name!r} cannot be a Unix account: use lower-case letters, digits and '-', "
            "starting with a letter, at most 31 characters"
        )
    if len(password) < 8:
        raise ValueError(f"The password of {name} is {len(password)} characters long: use at least 8")


def demo_class(count: int) -> dict[str, str]:
    """`count` students named student01, student02, ... with random passwords."""
    if count < 1:
        raise ValueError(f"A class needs at least one student, got {count}")
    return {f"student{i:02d}": secrets.token_urlsafe(9) for i in range(1, count + 1)}


def add_student(name: str, password: str, homes: Path, source: Path) -> Path:
    """Create (or reset) the Unix account `name` with a private home under `homes`; return the home."""
    check_student(name, password)
    home = homes / name
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--home-dir", str(home), "--shell", "/bin/bash", name], check=True)
    home = Path(pwd.getpwnam(name).pw_dir)
    home.chmod(0o700)
    subprocess.run(["chpasswd"], input=f"{name}:{password}\n", text=True, check=True)
    # git refuses to read a repository owned by someone else unless the reader says it trusts it
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(f"[safe]\n\tdirectory = {source}\n[user]\n\tname = {name}\n\temail = {name}@localhost\n")
    shutil.chown(gitconfig, name, name)
    return home


def remove_student(name: str) -> None:
    """Stop everything the account runs, then delete it and its home folder."""
    subprocess.run(["pkill", "-KILL", "-u", name], check=False)
    subprocess.run(["userdel", "--remove", name], check=False, capture_output=True)


def bare_clone(repository: Path, target: Path) -> Path:
    """A bare clone of the book for nbgitpuller to fetch from (students cannot read the instructor's tree)."""
    if target.exists():
        subprocess.run(
            ["git", "-C", str(target), "fetch", "--quiet", "origin", "+refs/heads/*:refs/heads/*"], check=True
        )
    else:
        subprocess.run(["git", "clone", "--quiet", "--bare", str(repository), str(target)], check=True)
    return target


def current_branch(repository: Path) -> str:
    out = subprocess.run(["git", "-C", str(repository), "branch", "--show-current"], capture_output=True, text=True)
    return out.stdout.strip() or "main"


def closed_folders() -> list[Path]:
    """Folders that other accounts cannot pass through on the way to the book's Python and code.

    A student's server runs the book's Python as the student: every folder above the
    interpreter, its standard library, the virtual environment and this repository must let
    other accounts through (the x bit for others), though not necessarily list them.
    """
    targets = [Path(os.path.realpath(sys.executable)), Path(sys.base_prefix), Path(sys.prefix), ROOT]
    closed = set()
    for target in targets:
        for folder in [*target.resolve().parents, target.resolve()]:
            if folder.is_dir() and not folder.stat().st_mode & 0o001:
                closed.add(folder)
    return sorted(closed)


@contextmanager
def students_let_through():
    """Let other accounts pass through the closed folders of closed_folders() while the block runs.

    For tests and benchmarks on a machine where Python lives under a private home (root's pyenv):
    the x bit alone lets students reach the files they need without listing the folder.
    """
    opened = {folder: folder.stat().st_mode for folder in closed_folders()}
    for folder, mode in opened.items():
        folder.chmod(mode | 0o001)
    try:
        yield
    finally:
        for folder, mode in opened.items():
            folder.chmod(mode)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Hub:
    """A running JupyterHub with its proxy; `with Hub(...) as hub:` stops it (and its students' servers)."""

    def __init__(
        self, state: Path, students: dict[str, str], port: int | None = None, threads: int = 1, keep_accounts=False
    ):
        if not PROXY.exists():
            raise SystemExit(f"The hub's proxy is missing: install it with `npm ci --prefix {PROXY.parents[2]}`")
        closed = closed_folders()
        if closed:
            folders = " ".join(str(f) for f in closed)
            raise SystemExit(
                f"Student accounts cannot pass through {folders}, so their servers cannot start the book's "
                f"Python: install Python and the book where every account can read them, or let accounts "
                f"through (not list) with `chmod o+x {folders}`"
            )
        self.state = Path(state).resolve()
        self.students = students
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.threads = threads
        self.keep_accounts = keep_accounts  # a real class keeps its accounts (and work) between sessions
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> Hub:
        self.state.mkdir(parents=True, exist_ok=True)
        self.state.chmod(0o711)  # students may pass through to their homes, not list them
        homes = self.state / "home"
        homes.mkdir(exist_ok=True)
        homes.chmod(0o711)
        self.source = bare_clone(ROOT, self.state / "book.git")
        self.branch = current_branch(ROOT)
        for name, password in self.students.items():
            add_student(name, password, homes, self.source)
        env = {
            **os.environ,
            "BOOK_HUB_STATE": str(self.state),
            "BOOK_HUB_PORT": str(self.port),
            "BOOK_HUB_API_PORT": str(free_port()),
            "BOOK_HUB_PROXY_API_PORT": str(free_port()),
            "BOOK_HUB_STUDENTS": ",".join(self.students),
            "BOOK_HUB_THREADS": str(self.threads),
        }
        self.log = open(self.state / "jupyterhub.log", "a")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "jupyterhub"), "-f", str(CONFIG)],
            cwd=self.state,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterHub exited at start; see {self.state / 'jupyterhub.log'}")
            try:
                if requests.get(f"{self.url}/hub/api/", timeout=2).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"JupyterHub did not answer within {timeout:.0f} s; see {self.state / 'jupyterhub.log'}")

    def pull_link(self, urlpath: str = "lab/tree/genai-hands-on/chapters") -> str:
        """The nbgitpuller link to hand out: each student who opens it gets their own copy of the book."""
        query = urlencode(
            {"repo": f"file://{self.source}", "branch": self.branch, "targetpath": BOOK_FOLDER, "urlpath": urlpath}
        )
        return f"{self.url}/hub/user-redirect/git-pull?{query}"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # JupyterHub stops the students' servers and the proxy on its way out
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if not self.keep_accounts:
            for name in self.students:
                remove_student(name)
        if getattr(self, "log", None):
            self.log.close()

    def __enter__(self) -> Hub:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--class-list", type=Path, help="file with one 'name password' per line")
    parser.add_argument("--students", type=int, default=5, help="demo students to create without a class list")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--state", type=Path, default=Path("/srv/genai-hands-on-hub"))
    parser.add_argument("--threads", type=int, default=1, help="torch threads per student kernel")
    args = parser.parse_args()
    require_root()
    try:
        students = read_class_list(args.class_list) if args.class_list else demo_class(args.students)
    except (ValueError, OSError) as error:
        raise SystemExit(str(error)) from None
    hub = Hub(args.state, students, port=args.port, threads=args.threads, keep_accounts=bool(args.class_list))
    with hub:
        print(f"The class hub is up at {hub.url}/ (this machine only). Students:")
        if not args.class_list:
            for name, password in students.items():
                print(f"  {name:12s} {password}")
        print(f"Hand out this link; it gives each student their own copy of the chapters:\n  {hub.pull_link()}")
        kept = "keeps the accounts and their work" if args.class_list else "removes the demo accounts"
        print(f"Ctrl-C stops the hub and the students' servers, and {kept}.")
        try:
            hub.process.wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
