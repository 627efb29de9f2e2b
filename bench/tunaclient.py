"""tunaclient.py: one request to tunad over its Unix socket (for the benchmark scripts)."""
import json
import socket


def request(path, req, timeout=30):
    """Send one JSON request line to the daemon at path; return its JSON reply."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    s.sendall((json.dumps(req) + "\n").encode())
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    s.close()
    return json.loads(buf)
