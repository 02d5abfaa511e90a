import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.core.management.base import BaseCommand

from studio.llm.offline.engine import handle_chat, handle_models, latency_s


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path.rstrip("/").endswith("/models"):
            reply = handle_models()
            self._send(reply.status, reply.body)
        else:
            self._send(404, {"error": {"message": "not found"}})

    def do_POST(self):
        from studio.llm.offline import responders  # noqa: F401

        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send(404, {"error": {"message": "not found"}})
            return
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except json.JSONDecodeError:
            self._send(400, {"error": {"message": "body is not JSON"}})
            return
        time.sleep(latency_s(body))
        reply = handle_chat(body, {k.lower(): v for k, v in self.headers.items()})
        if reply.hang_s:
            time.sleep(reply.hang_s)
            self.close_connection = True
            return
        self._send(reply.status, reply.body, reply.headers)


class Command(BaseCommand):
    help = "Serve the offline engine over HTTP at /v1 (point any OpenAI client at it)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, port, host, **options):
        server = ThreadingHTTPServer((host, port), _Handler)
        server.daemon_threads = True
        self.stdout.write(f"offline engine listening on http://{host}:{port}/v1")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            server.shutdown()
