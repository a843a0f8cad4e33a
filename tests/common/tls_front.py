"""TLS in front of the tests' fake Bedrock, which speaks plain HTTP.

    python tls_front.py CERT KEY BACKEND_PORT

Listens on a free loopback port, prints it on stdout once listening, and
for each connection completes the TLS handshake, then copies bytes both ways
between the client and 127.0.0.1:BACKEND_PORT until either side closes.
Test-only: the crate itself has no TLS server.
"""

import select
import socket
import ssl
import sys
import threading


def handle(raw, context, backend_port):
    # One thread per connection, reading whichever side is ready: an SSL
    # socket must not be read and written from two threads at once.
    try:
        client = context.wrap_socket(raw, server_side=True)
    except (ssl.SSLError, OSError):
        raw.close()
        return
    backend = socket.create_connection(("127.0.0.1", backend_port))
    try:
        while True:
            if client.pending():
                ready = [client]
            else:
                ready, _, _ = select.select([client, backend], [], [], 120)
            if not ready:
                return
            for src in ready:
                data = src.recv(65536)
                if not data:
                    return
                (backend if src is client else client).sendall(data)
    except OSError:
        pass
    finally:
        backend.close()
        client.close()


def main():
    cert, key, backend_port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = socket.create_server(("127.0.0.1", 0))
    print(server.getsockname()[1], flush=True)
    while True:
        raw, _ = server.accept()
        threading.Thread(
            target=handle, args=(raw, context, backend_port), daemon=True
        ).start()


if __name__ == "__main__":
    main()
