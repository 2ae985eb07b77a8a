"""Print the version-2 worked example for docs/handoff-protocol.md (run by hand, not a test).

.venv/bin/python tests/ngo/make_reply_vectors.py > /tmp/reply-vectors.md
"""

from __future__ import annotations

import base64
import json

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from api.mailbox.code import derive
from kakekomi_ngo import protocol, replies
from kakekomi_ngo.keys import public_key_pem

TIMESTAMP = 1767225600  # 2026-01-01T00:00:00Z
CODE = "4096 1024 2048 8192"
REPLY_ID = "3c2b1a09-8f7e-4d6c-9b5a-a1b2c3d4e5f6"
TEXT = "明日10時に事務所に来てください。パスポートは取り戻せます。"


def block(name: str, text: str, lang: str = "text") -> str:
    return f"<!-- vector: {name} -->\n```{lang}\n{text.rstrip()}\n```\n"


def main() -> None:
    keys = derive(CODE.replace(" ", ""))
    public = replies.encode_public_key(keys.public_key)
    print(block("v2-code", CODE))
    print(block("v2-mailbox", keys.mailbox))
    print(block("v2-public-key", public))
    signing = ed25519.Ed25519PrivateKey.generate()
    signing_pem = signing.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    print(block("v2-ngo-signing-private-key", signing_pem.decode()))
    print(block("v2-ngo-signing-public-key", public_key_pem(signing.public_key()).decode()))
    target = replies.ReplyTarget(mailbox=keys.mailbox, public_key=public)
    message = {
        "id": REPLY_ID,
        "mailbox": keys.mailbox,
        "text": TEXT,
        "sent_at": "2026-01-01T00:00:00Z",
    }
    print(
        block(
            "v2-plaintext", json.dumps(message, ensure_ascii=False, separators=(",", ":")), "json"
        )
    )
    print(block("v2-info-hex", replies.reply_info(keys.mailbox, REPLY_ID).hex()))
    _, body = replies.make_reply(target, TEXT, REPLY_ID, "2026-01-01T00:00:00Z")
    headers = protocol.sign_headers(REPLY_ID, body, signing, TIMESTAMP)
    print(block("v2-headers", "\n".join(f"{k}: {v}" for k, v in headers.items())))
    print(block("v2-body", body.decode(), "json"))
    sealed = base64.b64decode(json.loads(body)["ciphertext"])
    print(f"enc {len(sealed[:32])} bytes, ct {len(sealed) - 32} bytes")


if __name__ == "__main__":
    main()
