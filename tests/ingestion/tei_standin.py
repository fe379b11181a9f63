"""A Text Embeddings Inference stand-in on loopback: TEI's HTTP routes, backed by the bundled model.

Speaks the routes docbot uses: GET /info, POST / and /embed (`{"inputs": str | [str]}` → vectors),
POST /tokenize (→ one list of tokens per input, each `{id, text, special, start, stop}` with character
offsets, as TEI's router writes them). `dimension` below 384 keeps the first dimensions, so a test can use
another size. `payloads` keeps each request's JSON body, so a test can see what was asked.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
from tokenizers import Tokenizer

from bot.embeddings import bundled_model_path


class TEIStandIn:
    def __init__(self, embedder, model_id: str = "sentence-transformers/all-MiniLM-L6-v2", dimension: int | None = None):
        self.embedder = embedder
        self.model_id = model_id
        self.dimension = dimension
        self.requests: list[str] = []
        self.payloads: list[tuple[str, dict]] = []
        self.tokenizer = Tokenizer.from_file(str(bundled_model_path() / "tokenizer.json"))
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
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

    def tokenize(self, text: str, add_special_tokens: bool) -> list[dict]:
        encoding = self.tokenizer.encode(text, add_special_tokens=add_special_tokens)
        tokens = []
        for token_id, token, (start, stop), special in zip(encoding.ids, encoding.tokens, encoding.offsets, encoding.special_tokens_mask):
            if special:
                tokens.append({"id": token_id, "text": token, "special": True, "start": None, "stop": None})
            else:
                tokens.append({"id": token_id, "text": text[start:stop], "special": False, "start": start, "stop": stop})
        return tokens

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
                standin.payloads.append((self.path, payload))
                inputs = payload.get("inputs")
                texts = [inputs] if isinstance(inputs, str) else list(inputs or [])
                if self.path in ("/", "/embed"):
                    self._reply(200, standin.embed(texts))
                elif self.path == "/tokenize":
                    special = payload.get("add_special_tokens", True)
                    self._reply(200, [standin.tokenize(text, special) for text in texts])
                else:
                    self._reply(404, {"error": "not found"})

        return Handler
