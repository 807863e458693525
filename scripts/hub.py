"""A JupyterHub for a class on one teaching machine: student accounts, the hub itself, and `make hub`.

    sudo make hub                                   # five demo students (demo01 ...), passwords printed
    sudo make hub CLASS=/root/students.txt          # your class: one "name password" per line (chmod 600)

Each student becomes a Unix account with a private home folder (mode 700); the hub logs them in
with that account's password (PAM) and runs their Jupyter server as that account, so one student
cannot read or change another's files, even from a kernel. Their copy of the chapters comes from
a bare clone of this repository's current commit through nbgitpuller: the link printed at start
fetches it. The hub only makes and removes accounts it marked as its own; it refuses a name that
belongs to an existing account.

Creating accounts needs root. The hub listens on 127.0.0.1 only; hub/jupyterhub_config.py holds
its settings and scripts/hub_student.py drives it as a student would (tests/test_hub.py).
"""

from __future__ import annotations

import argparse
import os
import pwd
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlencode

import psutil
import requests

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "hub" / "jupyterhub_config.py"
PROXY = ROOT / "hub" / "node_modules" / ".bin" / "configurable-http-proxy"
NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
MARK = "genai-hands-on class hub"  # the comment field of every account the hub makes
BOOK_FOLDER = "genai-hands-on"  # where a student's copy of the book lands in their home folder
BRANCH = "book"  # the branch of the bare clone that students pull: the commit the hub started from


def require_root() -> None:
    if os.geteuid() != 0:
        raise SystemExit(
            "The class hub gives each student their own Unix account, and only root can create "
            "accounts and run servers as them: run it with sudo (sudo make hub)."
        )


def read_class_list(path: Path) -> dict[str, str]:
    """Students from a file with one `name password` per line (blank lines and # comments skipped).

    The file holds passwords, so it must be private (chmod 600): students can read files that are not.
    """
    path = Path(path)
    if path.stat().st_mode & 0o077:
        raise ValueError(f"{path} holds passwords but other accounts can read it: run `chmod 600 {path}`")
    students: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        line = re.sub(r"(^|\s)#.*$", "", line).strip()  # a comment starts a line or follows a space
        if not line:
            continue
        parts = line.split()
        if len(parts) != 2:
            raise ValueError(f"{path}, line {number}: write a name and a password separated by a space, got {line!r}")
        name, password = parts
        check_student(name, password)
        if name in students:
            raise ValueError(f"{path}, line {number}: {name} is listed twice")
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


def demo_class(count: int, prefix: str = "student") -> dict[str, str]:
    """`count` students named student01, student02, ... with random passwords."""
    if count < 1:
        raise ValueError(f"A class needs at least one student, got {count}")
    return {f"{prefix}{i:02d}": secrets.token_urlsafe(12) for i in range(1, count + 1)}


def made_by_hub(name: str) -> bool | None:
    """True if the account `name` was made by the class hub, False if by someone else, None if none exists."""
    try:
        return pwd.getpwnam(name).pw_gecos == MARK
    except KeyError:
        return None


def add_student(name: str, password: str, homes: Path, source: Path) -> Path:
    """Create (or reuse, if the hub made it) the account `name` with a private home under `homes`."""
    check_student(name, password)
    owner = made_by_hub(name)
    if owner is False:
        raise ValueError(f"An account named {name} exists and the class hub did not make it: rename the student")
    if owner is None:
        command = ["useradd", "--create-home", "--home-dir", str(homes / name), "--shell", "/bin/bash"]
        subprocess.run([*command, "--comment", MARK, name], check=True)
    account = pwd.getpwnam(name)
    home = Path(account.pw_dir)
    home.chmod(0o700)
    subprocess.run(["chpasswd"], input=f"{name}:{password}\n", text=True, check=True)
    # git refuses to read a repository owned by someone else unless the reader trusts it; written as
    # the student (never as root, who would follow a link the student planted)
    subprocess.run(
        ["git", "config", "--global", "--replace-all", "safe.directory", str(source)],
        user=account.pw_uid,
        group=account.pw_gid,
        env={"HOME": str(home), "PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        cwd=home,
        check=True,
    )
    return home


def remove_student(name: str) -> None:
    """Stop everything a hub-made account runs, then delete it and its home folder."""
    if not made_by_hub(name):
        return
    uid = pwd.getpwnam(name).pw_uid
    running = [p for p in psutil.process_iter(["uids"]) if p.info["uids"] and p.info["uids"].real == uid]
    for process in running:
        process.kill()
    psutil.wait_procs(running, timeout=10)
    done = subprocess.run(["userdel", "--remove", name], capture_output=True, text=True)
    if done.returncode not in (0, 12):  # 12: the home folder was already gone
        print(f"could not remove the account {name}: {done.stderr.strip()}", file=sys.stderr)


def publish(repository: Path, target: Path) -> Path:
    """Put the repository's current commit on branch BRANCH of a bare clone at `target` for nbgitpuller."""
    if not target.exists():
        subprocess.run(["git", "init", "--quiet", "--bare", str(target)], check=True)
    push = ["git", "-C", str(repository), "push", "--quiet", "--force", str(target), f"HEAD:refs/heads/{BRANCH}"]
    subprocess.run(push, check=True)
    return target


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


def free_ports(count: int) -> list[int]:
    """`count` different free ports on 127.0.0.1 (all held open until all are chosen)."""
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]


class Hub:
    """A running JupyterHub with its proxy; `with Hub(...) as hub:` stops it (and its students' servers)."""

    def __init__(
        self, state: Path, students: dict[str, str], port: int | None = None, threads: int = 1,
        keep_accounts: bool = False,
    ):  # fmt: skip
        if not PROXY.exists():
            raise RuntimeError(f"The hub's proxy is missing: install it with `npm ci --prefix {PROXY.parents[2]}`")
        closed = closed_folders()
        if closed:
            folders = " ".join(str(f) for f in closed)
            raise RuntimeError(
                f"Student accounts cannot pass through {folders}, so their servers cannot start the book's "
                f"Python: install Python and the book where every account may pass (such as /opt), or let "
                f"accounts through (not list) with `chmod o+x {folders}`"
            )
        self.state = Path(state).resolve()
        self.students = dict(students)
        self.port, self.api_port, self.proxy_port = free_ports(3) if port is None else [port, *free_ports(2)]
        self.url = f"http://127.0.0.1:{self.port}"
        self.threads = threads
        self.keep_accounts = keep_accounts  # a real class keeps its accounts (and work) between sessions
        self.process: subprocess.Popen | None = None
        self.made: list[str] = []  # the accounts this hub made or reused, removed by stop()

    @property
    def private(self) -> Path:
        """The hub's own files (database, cookie secret, log), readable by root only."""
        return self.state / "private"

    def start(self, timeout: float = 120.0) -> Hub:
        self.state.mkdir(parents=True, exist_ok=True)
        self.state.chmod(0o711)  # students may pass through to their homes and the book, not list them
        self.private.mkdir(exist_ok=True)
        self.private.chmod(0o700)
        homes = self.state / "home"
        homes.mkdir(exist_ok=True)
        homes.chmod(0o711)
        self.source = publish(ROOT, self.state / "book.git")
        for name, password in self.students.items():
            add_student(name, password, homes, self.source)
            self.made.append(name)
        env = {
            **os.environ,
            "BOOK_HUB_STATE": str(self.private),
            "BOOK_HUB_PORT": str(self.port),
            "BOOK_HUB_API_PORT": str(self.api_port),
            "BOOK_HUB_PROXY_API_PORT": str(self.proxy_port),
            "BOOK_HUB_STUDENTS": ",".join(self.students),
            "BOOK_HUB_THREADS": str(self.threads),
        }
        with open(self.private / "jupyterhub.log", "a") as log:
            self.process = subprocess.Popen(
                [str(Path(sys.executable).parent / "jupyterhub"), "-f", str(CONFIG)],
                cwd=self.private, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterHub exited at start; see {self.private / 'jupyterhub.log'}")
            try:
                if requests.get(f"{self.url}/hub/api/", timeout=5).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"JupyterHub did not answer within {timeout:.0f} s; see {self.private / 'jupyterhub.log'}")

    def pull_link(self, urlpath: str = f"lab/tree/{BOOK_FOLDER}/chapters") -> str:
        """The nbgitpuller link to hand out: each student who opens it gets their own copy of the book."""
        query = urlencode({"repo": f"file://{self.source}", "branch": BRANCH, "targetpath": BOOK_FOLDER,
                           "urlpath": urlpath})  # fmt: skip
        return f"{self.url}/hub/user-redirect/git-pull?{query}"

    def stop(self) -> None:
        """Stop the hub, its proxy and the students' servers; remove the accounts unless they are kept."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # JupyterHub stops the students' servers and the proxy on its way out
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        pid_file = self.private / "proxy.pid"  # the proxy runs in a session of its own
        if pid_file.exists():
            try:
                psutil.Process(int(pid_file.read_text())).kill()
            except (psutil.NoSuchProcess, ValueError):
                pass
            pid_file.unlink()
        if not self.keep_accounts:
            for name in self.made:
                remove_student(name)

    def __enter__(self) -> Hub:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()


def stop_on_sigterm() -> None:
    """Turn SIGTERM (a CI timeout, `kill`) into SystemExit, so that `with Hub(...)` cleans up."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--class-list", type=Path, help="file with one 'name password' per line (chmod 600)")
    parser.add_argument("--students", type=int, default=5, help="demo students to create without a class list")
    parser.add_argument("--port", type=int, default=8800)
    parser.add_argument("--state", type=Path, default=Path("/srv/genai-hands-on-hub"))
    parser.add_argument("--threads", type=int, default=1, help="torch threads per student kernel")
    args = parser.parse_args()
    require_root()
    stop_on_sigterm()
    try:
        students = read_class_list(args.class_list) if args.class_list else demo_class(args.students, prefix="demo")
        hub = Hub(args.state, students, port=args.port, threads=args.threads, keep_accounts=bool(args.class_list))
        hub.__enter__()
    except (ValueError, OSError, RuntimeError) as error:
        raise SystemExit(str(error)) from None
    try:
        print(f"The class hub is up at {hub.url}/ (this machine only). Students:")
        if not args.class_list:
            for name, password in students.items():
                print(f"  {name:12s} {password}")
        print(f"Hand out this link; it gives each student their own copy of the chapters:\n  {hub.pull_link()}")
        print("(Behind a web server with HTTPS, replace http://127.0.0.1:PORT with your public address.)")
        kept = "keeps the accounts and their work" if args.class_list else "removes the demo accounts"
        print(f"Ctrl-C stops the hub and the students' servers, and {kept}.")
        hub.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        hub.stop()


if __name__ == "__main__":
    main()
