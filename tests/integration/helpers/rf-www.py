#!/usr/bin/python3
"""Test servers and fixtures for the network case files, run on the host.

  rf-www.py serve DIR PORTFILE [CERT KEY]
      serve DIR over HTTP (or HTTPS with CERT/KEY) on 127.0.0.1, a free port
      written to PORTFILE; a path without an extension whose DIR/PATH/index.json
      exists is answered with that JSON (a registry's package document)
  rf-www.py big PORTFILE BYTES
      every request is answered with BYTES bytes (a large download)
  rf-www.py pip DIR BASEURL     a PEP 503 simple index with one wheel, rf-demo
  rf-www.py npm DIR BASEURL     an npm registry stub with one package, rf-demo-pkg
  rf-www.py cargo DIR BASEURL   a cargo registry with one crate, rfdep: DIR/index (to be made a
                                git repository) and DIR/dl (the downloads)
  rf-www.py udp PORTFILE OUTFILE  a UDP sink: writes what it receives to OUTFILE
"""
import base64
import hashlib
import http.server
import io
import json
import os
import socket
import socketserver
import ssl
import sys
import tarfile
import zipfile


class Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send_head(self):
        path = self.translate_path(self.path)
        doc = os.path.join(path, "index.json")
        if not os.path.splitext(self.path.split("?")[0])[1] and os.path.isfile(doc):
            body = open(doc, "rb").read()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return io.BytesIO(body)
        return super().send_head()


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256  # listen backlog: the concurrency tests open 100 at once


def write_port(portfile, port):
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, portfile)


def serve(directory, portfile, cert=None, key=None):
    srv = Server(("127.0.0.1", 0), Handler)
    if cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    os.chdir(directory)
    write_port(os.path.abspath(portfile) if os.path.isabs(portfile) else portfile, srv.server_address[1])
    srv.serve_forever()


def big(portfile, size):
    chunk = b"\0" * (1 << 20)

    class Big(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(size))
            self.send_header("Connection", "close")
            self.end_headers()
            left = size
            while left:
                n = min(left, len(chunk))
                self.wfile.write(chunk[:n])
                left -= n

    srv = Server(("127.0.0.1", 0), Big)
    write_port(portfile, srv.server_address[1])
    srv.serve_forever()


def pip_index(directory, base):
    name, version = "rf_demo", "1.0"
    wheel = "%s-%s-py3-none-any.whl" % (name, version)
    files = {
        "rf_demo/__init__.py": b"MESSAGE = 'installed through the ringfence proxy'\n",
        "%s-%s.dist-info/METADATA" % (name, version): b"Metadata-Version: 2.1\nName: rf-demo\nVersion: 1.0\n",
        "%s-%s.dist-info/WHEEL" % (name, version):
            b"Wheel-Version: 1.0\nGenerator: rf-www\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append("%s,sha256=%s,%d" % (path, digest, len(data)))
    record.append("%s-%s.dist-info/RECORD,," % (name, version))
    files["%s-%s.dist-info/RECORD" % (name, version)] = ("\n".join(record) + "\n").encode()
    os.makedirs(os.path.join(directory, "packages"), exist_ok=True)
    whl = os.path.join(directory, "packages", wheel)
    with zipfile.ZipFile(whl, "w") as z:
        for path, data in files.items():
            z.writestr(path, data)
    sha = hashlib.sha256(open(whl, "rb").read()).hexdigest()
    os.makedirs(os.path.join(directory, "simple", "rf-demo"), exist_ok=True)
    with open(os.path.join(directory, "simple", "index.html"), "w") as f:
        f.write('<html><body><a href="rf-demo/">rf-demo</a></body></html>\n')
    with open(os.path.join(directory, "simple", "rf-demo", "index.html"), "w") as f:
        f.write('<html><body><a href="%s/packages/%s#sha256=%s">%s</a></body></html>\n' % (base, wheel, sha, wheel))


def npm_registry(directory, base):
    name, version = "rf-demo-pkg", "1.0.0"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for path, data in {
            "package/package.json": json.dumps({"name": name, "version": version, "main": "index.js"}).encode(),
            "package/index.js": b"module.exports = 'installed through the ringfence proxy';\n",
        }.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mode = 0o644
            t.addfile(info, io.BytesIO(data))
    tgz = buf.getvalue()
    os.makedirs(os.path.join(directory, name, "-"), exist_ok=True)
    tarball = "%s-%s.tgz" % (name, version)
    with open(os.path.join(directory, name, "-", tarball), "wb") as f:
        f.write(tgz)
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(tgz).digest()).decode()
    doc = {
        "name": name,
        "dist-tags": {"latest": version},
        "versions": {version: {
            "name": name, "version": version, "main": "index.js",
            "dist": {"tarball": "%s/%s/-/%s" % (base, name, tarball),
                     "shasum": hashlib.sha1(tgz).hexdigest(), "integrity": integrity},
        }},
    }
    with open(os.path.join(directory, name, "index.json"), "w") as f:
        json.dump(doc, f)


def cargo_registry(directory, base):
    name, ver = "rfdep", "0.1.0"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for path, text in {"Cargo.toml": '[package]\nname = "%s"\nversion = "%s"\nedition = "2018"\n' % (name, ver),
                           "src/lib.rs": "pub fn triple(x: i32) -> i32 { 3 * x }\n"}.items():
            data = text.encode()
            info = tarfile.TarInfo("%s-%s/%s" % (name, ver, path))
            info.size = len(data)
            info.mode = 0o644
            t.addfile(info, io.BytesIO(data))
    crate = buf.getvalue()
    os.makedirs(os.path.join(directory, "dl", name, ver), exist_ok=True)
    with open(os.path.join(directory, "dl", name, ver, "download"), "wb") as f:
        f.write(crate)
    os.makedirs(os.path.join(directory, "index", "rf", "de"), exist_ok=True)
    with open(os.path.join(directory, "index", "config.json"), "w") as f:
        json.dump({"dl": base + "/dl"}, f)
    with open(os.path.join(directory, "index", "rf", "de", name), "w") as f:
        f.write(json.dumps({"name": name, "vers": ver, "deps": [], "cksum": hashlib.sha256(crate).hexdigest(),
                            "features": {}, "yanked": False}) + "\n")


def udp_sink(portfile, outfile):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    write_port(portfile, s.getsockname()[1])
    while True:
        data, _ = s.recvfrom(65536)
        with open(outfile, "ab") as f:
            f.write(data)


def main(argv):
    cmd = argv[1]
    if cmd == "serve":
        serve(argv[2], argv[3], *(argv[4:6] if len(argv) >= 6 else []))
    elif cmd == "big":
        big(argv[2], int(argv[3]))
    elif cmd == "pip":
        pip_index(argv[2], argv[3])
    elif cmd == "npm":
        npm_registry(argv[2], argv[3])
    elif cmd == "cargo":
        cargo_registry(argv[2], argv[3])
    elif cmd == "udp":
        udp_sink(argv[2], argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
