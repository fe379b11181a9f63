"""A git host on loopback: bare repositories served by git's own smart-HTTP server (`git http-backend`, run as
CGI per request, as Apache or nginx would), behind HTTP Basic auth when given a token.

It records each request's path and Authorization header, so a test can check what git sent.
"""

import base64
import os
import subprocess
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from tests.fakes.loopback_server import LoopbackServer


class GitHttpStandIn(LoopbackServer):
    def __init__(self, root: Path, token: str | None = None) -> None:
        self.root = root
        self.token = token
        self.requests: list[tuple[str, str | None]] = []  # (path with query, Authorization)
        self.fetches = 0  # upload-pack requests that asked for objects (a clone or fetch), not just for refs
        host = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                self._serve(b"")

            def do_POST(self) -> None:
                self._serve(self._body())

            def _body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    parts = []
                    while True:
                        size = int(self.rfile.readline().split(b";", 1)[0], 16)
                        if size == 0:
                            self.rfile.readline()
                            return b"".join(parts)
                        parts.append(self.rfile.read(size))
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _serve(self, body: bytes) -> None:
                authorization = self.headers.get("Authorization")
                host.requests.append((self.path, authorization))
                if host.token and not _carries(authorization, host.token):
                    return self._reply(401, {"WWW-Authenticate": 'Basic realm="git"'}, b"")
                path, _, query = self.path.partition("?")
                if b"command=fetch" in body or b"want " in body:
                    host.fetches += 1
                env = {
                    "PATH": os.environ["PATH"], "GIT_PROJECT_ROOT": str(host.root), "GIT_HTTP_EXPORT_ALL": "1",
                    "PATH_INFO": path, "QUERY_STRING": query, "REQUEST_METHOD": self.command,
                    "CONTENT_TYPE": self.headers.get("Content-Type", ""), "CONTENT_LENGTH": str(len(body)),
                    "REMOTE_ADDR": "127.0.0.1", "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(host.root),
                }
                if self.headers.get("Content-Encoding"):
                    env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
                if self.headers.get("Git-Protocol"):
                    env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
                done = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True, check=False)
                head, _, payload = done.stdout.partition(b"\r\n\r\n")
                status, headers = 200, {}
                for line in head.decode("latin-1").split("\r\n"):
                    name, _, value = line.partition(":")
                    if name.lower() == "status":
                        status = int(value.split()[0])
                    elif name:
                        headers[name] = value.strip()
                self._reply(status, headers, payload)

            def _reply(self, status: int, headers: dict[str, str], payload: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self._listen(Handler)



def _carries(authorization: str | None, token: str) -> bool:
    if not authorization or not authorization.startswith("Basic "):
        return False
    _, _, password = base64.b64decode(authorization[6:]).decode().partition(":")
    return password == token


class WorkingRepository:
    """A repository a test commits to and pushes to a bare one under the stand-in's root."""

    def __init__(self, folder: Path, bare: Path) -> None:
        self.folder = folder
        self.bare = bare
        self._git_in(bare.parent, "init", "--quiet", "--bare", "--initial-branch=main", str(bare))
        self._git_in(folder.parent, "init", "--quiet", "--initial-branch=main", str(folder))

    def write(self, path: str, text: str) -> None:
        target = self.folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    def remove(self, path: str) -> None:
        (self.folder / path).unlink()

    def push(self, message: str, branch: str = "main") -> None:
        self._git("add", "--all")
        self._git("-c", "user.name=Tester", "-c", "user.email=tester@example.com", "commit", "--quiet", "-m", message)
        self._git("push", "--quiet", str(self.bare), f"HEAD:refs/heads/{branch}")

    def head(self) -> str:
        return self._git("rev-parse", "HEAD").strip()

    def _git(self, *args: str) -> str:
        return self._git_in(self.folder, *args)

    @staticmethod
    def _git_in(folder: Path, *args: str) -> str:
        env = {"PATH": os.environ["PATH"], "HOME": str(folder), "GIT_CONFIG_NOSYSTEM": "1"}
        folder.mkdir(parents=True, exist_ok=True)
        return subprocess.run(["git", *args], cwd=folder, env=env, capture_output=True, text=True, check=True).stdout
