"""Print fresh worked-example vectors for docs/handoff-protocol.md (run by hand, not a test).

.venv/bin/python tests/ngo/make_protocol_vectors.py > /tmp/vectors.md
"""

from __future__ import annotations

import base64
import json

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from kakekomi_ngo import protocol
from kakekomi_ngo.keys import fingerprint, generate_ngo_key, ngo_private_key_pem, public_key_pem

TIMESTAMP = 1767225600  # 2026-01-01T00:00:00Z


def block(name: str, text: str, lang: str = "text") -> str:
    return f"<!-- vector: {name} -->\n```{lang}\n{text.rstrip()}\n```\n"


def main() -> None:
    signing = ed25519.Ed25519PrivateKey.generate()
    signing_pem = signing.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    print(block("signing-private-key", signing_pem.decode()))
    print(block("signing-public-key", public_key_pem(signing.public_key()).decode()))
    for prefix, post_quantum, handoff_id in (
        ("x25519", False, "9f1c2d3e-4b5a-4c6d-8e7f-001122334455"),
        ("pq", True, "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f70819"),
    ):
        key = generate_ngo_key(post_quantum=post_quantum)
        handoff = {
            "id": handoff_id,
            "created_at": "2026-01-01T00:00:00Z",
            "language": "ja",
            "urgency": "normal",
            "topics": ["request_help", "ask_visa"],
            "words": ["パスポートを取られた", "ここから出たい"],
            "contact": {"method": "email", "value": "someone@example.org"},
        }
        plaintext = json.dumps(handoff, ensure_ascii=False, separators=(",", ":"))
        body = protocol.encrypt_handoff(handoff, key.public_key())
        sealed = base64.b64decode(json.loads(body)["ciphertext"])
        headers = protocol.sign_headers(handoff_id, body, signing, TIMESTAMP)
        print(f"### Suite {protocol.suite_for(key)}\n")
        print(block(f"{prefix}-ngo-private-key", ngo_private_key_pem(key).decode()))
        print(block(f"{prefix}-ngo-public-key", public_key_pem(key.public_key()).decode()))
        print(block(f"{prefix}-fingerprint", fingerprint(key.public_key())))
        print(block(f"{prefix}-plaintext", plaintext, "json"))
        padded = len(protocol.pad(plaintext.encode()))
        print(f"The plaintext is {len(plaintext.encode())} bytes of UTF-8, padded to {padded}.\n")
        print(block(f"{prefix}-info-hex", protocol.info_for(handoff_id).hex()))
        enc_len = 32 if not post_quantum else 1120
        ct_len = len(sealed) - enc_len
        print(f"`enc` is {enc_len} bytes and `ct` {ct_len} bytes ({padded} + a 16-byte tag).\n")
        if not post_quantum:
            print(block(f"{prefix}-enc-hex", sealed[:enc_len].hex()))
        print(block(f"{prefix}-signed-prefix", f"{handoff_id}.{TIMESTAMP}."))
        print(block(f"{prefix}-headers", "\n".join(f"{k}: {v}" for k, v in headers.items())))
        print(block(f"{prefix}-body", body.decode(), "json"))


if __name__ == "__main__":
    main()
