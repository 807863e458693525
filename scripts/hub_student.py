"""A simulated student on the class hub: logs in, starts a server, pulls the book, runs a chapter.

Everything goes through the hub's public HTTP interface, as a browser would: the login form, the
hub's REST API for a token and a server, nbgitpuller's endpoint for the copy of the book, the
Jupyter server's contents API, and a kernel's websocket to run each code cell in turn.
Used by tests/test_hub.py and benchmarks/hub.py.
"""

from __future__ import annotations

import json
import pwd
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from urllib.parse import urlencode

import psutil
import requests
import websocket


class LoginRefused(Exception):
    """The hub turned the login down (wrong password, or not on the class list)."""


class Student:
    def __init__(self, hub_url: str, name: str, password: str):
        self.hub_url, self.name, self.password = hub_url, name, password
        self.session = requests.Session()
        self.token: str | None = None

    @property
    def server_url(self) -> str:
        return f"{self.hub_url}/user/{self.name}"

    def login(self) -> None:
        """Fill in the hub's login form; raise LoginRefused if the hub turns it down (403)."""
        self.session.get(f"{self.hub_url}/hub/login", timeout=30).raise_for_status()
        form = {"username": self.name, "password": self.password, "_xsrf": self.session.cookies["_xsrf"]}
        reply = self.session.post(f"{self.hub_url}/hub/login", data=form, allow_redirects=False, timeout=60)
        if reply.status_code == 403:
            raise LoginRefused(f"{self.name}: the hub refused the login")
        if reply.status_code != 302:
            raise RuntimeError(f"{self.name}: the hub answered {reply.status_code} to the login")
        made = self.session.post(
            f"{self.hub_url}/hub/api/users/{self.name}/tokens",
            json={"note": "simulated student", "expires_in": 3600},
            headers={"X-XSRFToken": self.session.cookies["_xsrf"]},
            timeout=30,
        )
        made.raise_for_status()
        self.token = made.json()["token"]

    def api(self, method: str, url: str, **kwargs) -> requests.Response:
        """A request with this student's token (a fresh session: no login cookie)."""
        headers = {"Authorization": f"token {self.token}"} if self.token else {}
        return requests.request(method, url, headers=headers, timeout=kwargs.pop("timeout", 60), **kwargs)

    def server(self) -> dict:
        """What the hub knows of this student's server ({} when none runs)."""
        reply = self.api("GET", f"{self.hub_url}/hub/api/users/{self.name}")
        reply.raise_for_status()
        return reply.json()["servers"].get("", {})

    def start_server(self, timeout: float = 120.0) -> dict:
        """Ask for a server (the hub keeps a running one) and wait until it answers."""
        reply = self.api("POST", f"{self.hub_url}/hub/api/users/{self.name}/server")
        if reply.status_code not in (201, 202, 400):  # 400: it is already running
            reply.raise_for_status()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            server = self.server()
            if server.get("ready"):
                return server
            time.sleep(0.5)
        raise TimeoutError(f"{self.name}'s server did not start within {timeout:.0f} s")

    def pull(self, repo: str, branch: str, target: str) -> None:
        """Fetch this student's own copy of the book with nbgitpuller (its event stream ends the sync)."""
        query = urlencode({"repo": repo, "branch": branch, "targetpath": target})
        headers = {"Authorization": f"token {self.token}"}
        with requests.get(f"{self.server_url}/git-pull/api?{query}", headers=headers, stream=True, timeout=300) as r:
            r.raise_for_status()
            for line in r.iter_lines(decode_unicode=True):
                if line.startswith("data:"):
                    event = json.loads(line[5:])
                    if event.get("phase") == "error":
                        raise RuntimeError(f"{self.name}: nbgitpuller failed: {event.get('message')}")
                    if event.get("phase") == "finished":
                        return
        raise RuntimeError(f"{self.name}: nbgitpuller's stream ended before the copy finished")

    def read_notebook(self, path: str) -> dict:
        reply = self.api("GET", f"{self.server_url}/api/contents/{path}")
        reply.raise_for_status()
        return reply.json()["content"]

    @contextmanager
    def kernel(self, folder: str = ""):
        """A new kernel on this student's server, started in `folder`; yields its websocket."""
        kernel = self.api("POST", f"{self.server_url}/api/kernels", json={"name": "python3", "path": folder})
        kernel.raise_for_status()
        kernel_id = kernel.json()["id"]
        ws_url = self.server_url.replace("http", "ws", 1) + f"/api/kernels/{kernel_id}/channels"
        channel = websocket.create_connection(ws_url, header=[f"Authorization: token {self.token}"], timeout=600)
        try:
            yield channel
        finally:
            channel.close()
            self.api("DELETE", f"{self.server_url}/api/kernels/{kernel_id}")

    def run_notebook(self, path: str, started: float | None = None, timeout: float = 600.0) -> dict:
        """Run every code cell of the notebook at `path` in a new kernel; return timings.

        `started` (a time.monotonic() value) dates the first result; by default, now.
        Raises RuntimeError naming the cell when one fails, TimeoutError after `timeout` seconds.
        """
        started = time.monotonic() if started is None else started
        deadline = time.monotonic() + timeout
        cells = [c for c in self.read_notebook(path)["cells"] if c["cell_type"] == "code"]
        first = None
        with self.kernel(path.rsplit("/", 1)[0] if "/" in path else "") as channel:
            for number, cell in enumerate(cells, start=1):
                source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
                reply = execute(channel, source, deadline)
                if reply["status"] != "ok":
                    raise RuntimeError(f"{self.name}: code cell {number} of {path} ended {reply['status']}: "
                                       f"{reply.get('ename', '')} {reply.get('evalue', '')}")  # fmt: skip
                first = first or time.monotonic() - started
        return {"cells": len(cells), "first_result_s": first, "total_s": time.monotonic() - started}


def execute(channel: websocket.WebSocket, code: str, deadline: float | None = None) -> dict:
    """Send one execute_request on the kernel's shell channel and return its execute_reply content.

    Raises TimeoutError when no reply comes by `deadline` (a time.monotonic() value; default 10 minutes)
    and RuntimeError when the kernel dies.
    """
    deadline = time.monotonic() + 600 if deadline is None else deadline
    msg_id = uuid.uuid4().hex
    request = {
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "student", "session": msg_id,
                   "version": "5.3"},
        "parent_header": {},
        "metadata": {},
        "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True},
        "channel": "shell",
        "buffers": [],
    }  # fmt: skip
    channel.send(json.dumps(request))
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the kernel did not answer in time")
        channel.settimeout(left)
        try:
            frame = channel.recv()
        except websocket.WebSocketTimeoutException:
            raise TimeoutError("the kernel did not answer in time") from None
        if isinstance(frame, bytes):  # a message with binary buffers (a widget's state): not the reply
            continue
        message = json.loads(frame)
        if message["msg_type"] == "status" and message["content"].get("execution_state") == "dead":
            raise RuntimeError("the kernel died (out of memory?)")
        if message["msg_type"] == "execute_reply" and message["parent_header"].get("msg_id") == msg_id:
            return message["content"]


class MemoryWatch:
    """What one account's processes (its server and kernels) use: peak resident bytes, CPU seconds."""

    def __init__(self, name: str, every: float = 0.25):
        self.uid, self.every, self.peak = pwd.getpwnam(name).pw_uid, every, 0
        self._cpu: dict[int, float] = {}  # the last CPU time seen per process (kernels end before we look)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            total = 0
            for process in psutil.process_iter(["uids", "memory_info", "cpu_times"]):
                info = process.info
                if info["uids"] is None or info["uids"].real != self.uid:
                    continue
                if info["memory_info"] is not None:
                    total += info["memory_info"].rss
                if info["cpu_times"] is not None:
                    self._cpu[process.pid] = info["cpu_times"].user + info["cpu_times"].system
            self.peak = max(self.peak, total)
            self._stop.wait(self.every)

    @property
    def cpu_seconds(self) -> float:
        return sum(self._cpu.values())

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def attend(student: Student, source: str, branch: str, target: str, chapter: str) -> dict:
    """One student's first class: log in, start a server, pull the book, run `chapter` top to bottom."""
    with MemoryWatch(student.name) as watch:
        started = time.monotonic()
        student.login()
        student.start_server()
        server_s = time.monotonic() - started
        time.sleep(4 * watch.every)  # let the watch see the idle server before the kernel starts
        server_mb = watch.peak / 1e6
        student.pull(source, branch, target)
        pull_s = time.monotonic() - started - server_s
        run = student.run_notebook(f"{target}/chapters/{chapter}", started=started)
    return {
        "student": student.name,
        "server_start_s": server_s,
        "pull_s": pull_s,
        **run,
        "server_memory_mb": server_mb,
        "peak_memory_mb": watch.peak / 1e6,
        "cpu_s": watch.cpu_seconds,
    }


def attend_together(students: list[Student], source: str, branch: str, target: str, chapter: str) -> list[dict]:
    """Every student attends at the same moment, each in their own thread; results in the same order."""
    with ThreadPoolExecutor(max_workers=len(students)) as pool:
        runs = [pool.submit(attend, s, source, branch, target, chapter) for s in students]
        return [run.result() for run in runs]
