"""JupyterHub for a class on one teaching machine, started by `make hub` (scripts/hub.py).

Each student is a Unix account on the machine: they log in with that account's password
(PAM, JupyterHub's default authenticator), and their Jupyter server runs as that account
(the local process spawner), so a student's files are theirs alone. Students get their own
copy of the chapters through nbgitpuller, from a local clone of the book.

scripts/hub.py starts JupyterHub with this file and sets the environment variables read below.
"""

import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821 (JupyterHub provides get_config when it loads this file)

STATE = Path(os.environ["BOOK_HUB_STATE"])  # the hub's database, cookie secret and log; root only
VENV_BIN = Path(sys.executable).parent  # the book's environment: torch, the package, JupyterLab
PROXY = Path(__file__).resolve().parent / "node_modules" / ".bin" / "configurable-http-proxy"

# Only this machine can reach the hub; put a TLS-terminating proxy in front of it to serve a real class.
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = int(os.environ["BOOK_HUB_PORT"])
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ["BOOK_HUB_API_PORT"])
c.ConfigurableHTTPProxy.command = [str(PROXY)]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ['BOOK_HUB_PROXY_API_PORT']}"
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")

# Who may log in: the class list (scripts/hub.py made each student a Unix account with a password).
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = set(os.environ["BOOK_HUB_STUDENTS"].split(","))
c.Authenticator.allow_existing_users = False  # a student taken off the class list can no longer log in

# Each student's server runs as their own account, in their home folder, with the book's environment.
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(VENV_BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.environment = {
    "PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",
    # Many kernels share the machine's cores: one thread each keeps them from slowing one another down.
    "OMP_NUM_THREADS": os.environ.get("BOOK_HUB_THREADS", "1"),
    "MKL_NUM_THREADS": os.environ.get("BOOK_HUB_THREADS", "1"),
}
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120

# Students who leave their server running get it stopped after an hour without activity.
c.JupyterHub.services = [
    {"name": "idle-culler", "command": [sys.executable, "-m", "jupyterhub_idle_culler", "--timeout=3600"]}
]
c.JupyterHub.load_roles = [
    {
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    }
]
