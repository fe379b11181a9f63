"""A Text Embeddings Inference stand-in on loopback: TEI's HTTP routes, backed by the bundled model.

Speaks the routes docbot uses: GET /info, POST / and /embed (`{"inputs": str | [str]}` → vectors),
POST /tokenize. `dimension` below 384 keeps the first dimensions, so a test can use another size.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np


class TEIStandIn:
    def __init__(self, embedder, model_id: str = "sentence-transformers/all-MiniLM-L6-v2", dimension: int | None = None):
        self.embedder = embedder
        self.model_id = model_id
        self.dimension = dimension
        self.requests: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self) -> "TEIStandIn":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def embed(self, texts: list[str]) -> list[list[float]]:
        vectors = self.embedder.embed_documents(texts)
        if self.dimension:
            vectors = vectors[:, : self.dimension]
        return np.asarray(vectors, dtype=np.float32).tolist()

    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _reply(self, status: int, body) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                standin.requests.append(f"GET {self.path}")
                if self.path == "/info":
                    self._reply(200, {"model_id": standin.model_id, "max_input_length": 256, "model_type": {"embedding": {}}})
                else:
                    self._reply(404, {"error": "not found"})

            def do_POST(self) -> None:
                standin.requests.append(f"POST {self.path}")
                payload = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                inputs = payload.get("inputs")
                texts = [inputs] if isinstance(inputs, str) else list(inputs or [])
                if self.path in ("/", "/embed"):
                    self._reply(200, standin.embed(texts))
                elif self.path == "/tokenize":
                    counts = [standin.embedder.count_tokens(text) for text in texts]
                    self._reply(200, [[{"id": 0, "text": "", "special": False}] * count for count in counts])
                else:
                    self._reply(404, {"error": "not found"})

        return Handler
