"""A WSGI wrapper between the browser and the app that plays the network's faults for any engine:
refuse the next push whole (4xx), or cut a media upload's connection partway."""
import socket
import threading


class Wire:
    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()
        self.refuse_pushes = 0
        self.cut_chunk_at = None  # the Upload-Offset of the PATCH to cut, once
        self.cut = []
        self.chunks = []  # Upload-Offset of every PATCH that reached the wire

    def __call__(self, environ, start_response):
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD")
        if path == "/api/sync/push" and method == "POST" and self.take_refusal():
            start_response("422 UNPROCESSABLE CONTENT", [("Content-Type", "application/json")])
            return [b'{"code": 422, "message": "Unprocessable Content", "description": "Some fields are not valid."}']
        if path.startswith("/api/media/") and method == "PATCH":
            offset = int(environ.get("HTTP_UPLOAD_OFFSET", "-1"))
            with self.lock:
                self.chunks.append(offset)
                cut = offset == self.cut_chunk_at and not self.cut
                if cut:
                    self.cut.append(offset)
            if cut:
                return self.hang_up(environ, start_response)
        return self.app(environ, start_response)

    def take_refusal(self):
        with self.lock:
            if self.refuse_pushes <= 0:
                return False
            self.refuse_pushes -= 1
            return True

    @staticmethod
    def hang_up(environ, start_response):
        """Read half the chunk, then drop the connection: the phone sees a reset, the app saw nothing."""
        length = int(environ.get("CONTENT_LENGTH") or 0)
        environ["wsgi.input"].read(length // 2)
        connection = environ.get("werkzeug.socket")
        if connection is not None:
            connection.shutdown(socket.SHUT_RDWR)
            connection.close()
        start_response("500 INTERNAL SERVER ERROR", [("Content-Type", "text/plain")])
        return [b""]
