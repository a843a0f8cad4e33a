"""The gateway's cost, measured against one loopback upstream, direct and
through `bedrock-token proxy`, interleaved: added latency per request
(median, p99), added time to the first streamed byte, 100 concurrent
streams, and the gateway's RSS idle and under that load. Prints markdown.

    python proxy_bench.py BEDROCK_TOKEN_BINARY

Run by bench/proxy.sh. The upstream answers any key (it is not Bedrock):
this measures the gateway, not the key check.
"""

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REQUESTS = int(os.environ.get("REQUESTS", "2000"))
STREAMS = int(os.environ.get("STREAMS", "100"))
STREAM_CHUNKS, STREAM_GAP = 20, 0.1  # a 2 s stream
REPLY = json.dumps({"content": [{"type": "text", "text": "pong"}]}).encode()


class Upstream(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        # As real servers do: no Nagle wait between a head and its body.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path.endswith("/invoke"):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(REPLY)))
            self.send_header("x-amzn-RequestId", "bench")
            self.end_headers()
            self.wfile.write(REPLY)
            return
        chunks = 1 if self.path.endswith("/first-byte") else STREAM_CHUNKS
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.amazon.eventstream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i in range(chunks):
            if i:
                time.sleep(STREAM_GAP)
            self.wfile.write(b"40\r\n" + b"e" * 64 + b"\r\n")
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def rss_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class Client:
    """A keep-alive HTTP/1.1 connection, as SDKs hold one."""

    def __init__(self, port, headers):
        self.conn = http.client.HTTPConnection("127.0.0.1", port)
        self.conn.connect()
        self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.headers = headers

    def invoke(self, op="invoke"):
        started = time.perf_counter()
        self.conn.request("POST", f"/model/m/{op}", body=b'{"x":1}', headers=self.headers)
        response = self.conn.getresponse()
        first = response.read(1)
        ttfb = time.perf_counter() - started
        rest = response.read()
        assert response.status == 200, (response.status, first + rest)
        return time.perf_counter() - started, ttfb, len(first) + len(rest)


def main():
    binary = sys.argv[1]
    server = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    upstream = f"http://127.0.0.1:{server.server_address[1]}"

    work = tempfile.mkdtemp()
    run_dir = os.path.join(work, "run")
    os.mkdir(run_dir, 0o700)
    env = dict(os.environ)
    env.update(
        {
            "HOME": work,
            "XDG_RUNTIME_DIR": run_dir,
            "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": upstream,
            "AWS_ENDPOINT_URL_BEDROCK": upstream,
            "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
            "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "AWS_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )
    log = open(os.path.join(work, "gateway.log"), "w")
    gateway = subprocess.Popen(
        [binary, "proxy", "--listen", "127.0.0.1:0"], env=env, stdout=subprocess.PIPE, stderr=log
    )
    try:
        port = int(gateway.stdout.readline().decode().strip().rsplit(":", 1)[1])
        with open(os.path.join(run_dir, "bedrock-token", f"proxy-{port}.credential")) as f:
            credential = f.read().strip()
        host = {"Content-Type": "application/json"}
        direct = Client(server.server_address[1], dict(host, Authorization="Bearer k"))
        through = Client(port, dict(host, Authorization=f"Bearer {credential}"))
        for _ in range(50):  # warm both paths: connections, the key
            direct.invoke()
            through.invoke()
        idle = rss_kib(gateway.pid)

        d, g = [], []
        for _ in range(REQUESTS):
            d.append(direct.invoke()[0])
            g.append(through.invoke()[0])
        dt, gt = [], []
        for _ in range(200):
            dt.append(direct.invoke("first-byte")[1])
            gt.append(through.invoke("first-byte")[1])

        # STREAMS streams at once, each 2 s long, through the gateway.
        done, peak = [], [0]
        def stream():
            c = Client(port, dict(host, Authorization=f"Bearer {credential}"))
            total, _, size = c.invoke("invoke-with-response-stream")
            done.append(size == STREAM_CHUNKS * 64)
        threads = [threading.Thread(target=stream) for _ in range(STREAMS)]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            peak[0] = max(peak[0], rss_kib(gateway.pid))
            time.sleep(0.05)
        load_hwm = rss_kib(gateway.pid, "VmHWM")

        ms = lambda s: f"{s * 1000:.3f} ms"
        print("| figure | direct | through the gateway | added |")
        print("| --- | --- | --- | --- |")
        print(f"| InvokeModel-shaped request, median of {REQUESTS} | {ms(statistics.median(d))} | {ms(statistics.median(g))} | {ms(statistics.median(g) - statistics.median(d))} |")
        print(f"| the same, p99 | {ms(percentile(d, 0.99))} | {ms(percentile(g, 0.99))} | {ms(percentile(g, 0.99) - percentile(d, 0.99))} |")
        print(f"| time to the first streamed byte, median of 200 | {ms(statistics.median(dt))} | {ms(statistics.median(gt))} | {ms(statistics.median(gt) - statistics.median(dt))} |")
        print(f"| {STREAMS} concurrent 2 s streams, complete | | {sum(done)} of {STREAMS} | |")
        print(f"| gateway RSS idle (after warm-up) | | {idle / 1024:.1f} MiB | |")
        print(f"| gateway RSS under the {STREAMS} streams (peak seen / high-water mark) | | {peak[0] / 1024:.1f} / {load_hwm / 1024:.1f} MiB | |")
    finally:
        gateway.terminate()
        gateway.wait(timeout=20)
        server.shutdown()


if __name__ == "__main__":
    main()
