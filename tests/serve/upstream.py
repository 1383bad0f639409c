# upstream.py: the origin server the serve tests' outgoing requests go to, on 127.0.0.1:PORT.
#   POST|PUT /count    reads the whole body (content-length or chunked, with trailers) and
#                      answers "got N SHA256-HEX framing[ trailer=VALUE]"
#   GET /partial       promises 100 body bytes, sends 10 and closes (an incomplete response)
#   GET /slow?ms=N     answers "slow" after N ms
# usage: python3 upstream.py PORT   (serves until killed)
import hashlib
import socketserver
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import urlparse, parse_qs


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, text, close=False):
        body = text.encode()
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        if close:
            self.send_header("connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        h = hashlib.sha256()
        n = 0
        trailer = None
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            framing = "chunked"
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    break
                data = self.rfile.read(size)
                h.update(data)
                n += len(data)
                self.rfile.readline()
            while True:
                line = self.rfile.readline().strip()
                if not line:
                    break
                name, _, value = line.decode("latin1").partition(":")
                if name.strip().lower() == "x-trailer":
                    trailer = value.strip()
        else:
            framing = "length"
            left = int(self.headers.get("content-length", "0"))
            while left:
                data = self.rfile.read(min(left, 65536))
                if not data:
                    break
                h.update(data)
                n += len(data)
                left -= len(data)
        return n, h.hexdigest(), framing, trailer

    def do_POST(self):
        if self.path.startswith("/count"):
            n, digest, framing, trailer = self.read_body()
            extra = " trailer=" + trailer if trailer else ""
            self.reply("got %d %s %s%s" % (n, digest, framing, extra))
        else:
            self.send_error(404)

    do_PUT = do_POST

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/partial":
            self.wfile.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789")
            self.wfile.flush()
            self.close_connection = True
        elif url.path == "/slow":
            time.sleep(int(parse_qs(url.query).get("ms", ["100"])[0]) / 1000)
            self.reply("slow")
        else:
            self.send_error(404)


class Server(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass    # clients that give up early (aborted uploads) are part of the tests


Server(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
