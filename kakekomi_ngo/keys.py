"""Key files: the NGO's X25519 or MLKEM768-X25519 pair, our Ed25519 signing key, fingerprints.

Every key is PEM. A classic NGO key is one block: PKCS8 ``PRIVATE KEY`` / SubjectPublicKeyInfo
``PUBLIC KEY``. ``cryptography`` has no single encoding for the hybrid MLKEM768-X25519 key (its
``hpke.MLKEM768X25519PrivateKey`` is built from, and cannot give back, its two components), so a
post-quantum key file holds two PEM blocks, the ML-KEM-768 key first (PKCS8 holding the 64-byte
seed / SubjectPublicKeyInfo) and then the X25519 key, exactly as ``cryptography`` (and OpenSSL
3.5+) serialise each component.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hpke, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, mlkem, x25519

from kakekomi_ngo.files import (
    PRIVATE_FILE_MODE,
    PUBLIC_FILE_MODE,
    create_new_file,
    ensure_private_dir,
)

PRIVATE_KEY_NAME = "ngo-private-key.pem"
PUBLIC_KEY_NAME = "ngo-public-key.pem"
# The NGO's own Ed25519 key: it signs the NGO's replies to her mailbox (handoff protocol v2).
SIGNING_PRIVATE_KEY_NAME = "ngo-signing-private-key.pem"
SIGNING_PUBLIC_KEY_NAME = "ngo-signing-public-key.pem"

_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----.+?-----END \1-----", re.DOTALL)


class KeyFileError(ValueError):
    """A key file is missing, unreadable, or holds the wrong kind of key."""


@dataclass(frozen=True)
class PostQuantumPublicKey:
    """The NGO's hybrid MLKEM768-X25519 public key, kept as its two components."""

    mlkem: mlkem.MLKEM768PublicKey
    x25519: x25519.X25519PublicKey

    def hpke_key(self) -> hpke.MLKEM768X25519PublicKey:
        """The key as cryptography's HPKE module takes it."""
        return hpke.MLKEM768X25519PublicKey(self.mlkem, self.x25519)


@dataclass(frozen=True)
class PostQuantumPrivateKey:
    """The NGO's hybrid MLKEM768-X25519 private key, kept as its two components."""

    mlkem: mlkem.MLKEM768PrivateKey
    x25519: x25519.X25519PrivateKey

    def public_key(self) -> PostQuantumPublicKey:
        """The matching public key."""
        return PostQuantumPublicKey(self.mlkem.public_key(), self.x25519.public_key())

    def hpke_key(self) -> hpke.MLKEM768X25519PrivateKey:
        """The key as cryptography's HPKE module takes it."""
        return hpke.MLKEM768X25519PrivateKey(self.mlkem, self.x25519)


NgoPublicKey = x25519.X25519PublicKey | PostQuantumPublicKey
NgoPrivateKey = x25519.X25519PrivateKey | PostQuantumPrivateKey
AnyPublicKey = NgoPublicKey | ed25519.Ed25519PublicKey


def generate_ngo_key(*, post_quantum: bool = False) -> NgoPrivateKey:
    """A fresh NGO private key: X25519, or hybrid MLKEM768-X25519 when post_quantum."""
    if post_quantum:
        return PostQuantumPrivateKey(
            mlkem.MLKEM768PrivateKey.generate(), x25519.X25519PrivateKey.generate()
        )
    return x25519.X25519PrivateKey.generate()


def ngo_public_key_of(key: NgoPrivateKey) -> NgoPublicKey:
    """The public half of an NGO private key."""
    return key.public_key()


def key_kind(key: AnyPublicKey | NgoPrivateKey | ed25519.Ed25519PrivateKey) -> str:
    """A short name for the kind of key: X25519, MLKEM768-X25519 or Ed25519."""
    if isinstance(key, PostQuantumPublicKey | PostQuantumPrivateKey):
        return "MLKEM768-X25519"
    if isinstance(key, ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey):
        return "Ed25519"
    return "X25519"


def _private_pem(key: mlkem.MLKEM768PrivateKey | x25519.X25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _public_der(
    key: mlkem.MLKEM768PublicKey | x25519.X25519PublicKey | ed25519.Ed25519PublicKey,
) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _public_pem(
    key: mlkem.MLKEM768PublicKey | x25519.X25519PublicKey | ed25519.Ed25519PublicKey,
) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def ngo_private_key_pem(key: NgoPrivateKey) -> bytes:
    """PEM text of an NGO private key (two blocks for a post-quantum key)."""
    if isinstance(key, PostQuantumPrivateKey):
        return _private_pem(key.mlkem) + _private_pem(key.x25519)
    return _private_pem(key)


def public_key_pem(key: AnyPublicKey) -> bytes:
    """PEM text of a public key (two blocks for a post-quantum key)."""
    if isinstance(key, PostQuantumPublicKey):
        return _public_pem(key.mlkem) + _public_pem(key.x25519)
    return _public_pem(key)


def public_key_der(key: AnyPublicKey) -> bytes:
    """DER SubjectPublicKeyInfo bytes; ML-KEM-768 then X25519 concatenated for a hybrid key."""
    if isinstance(key, PostQuantumPublicKey):
        return _public_der(key.mlkem) + _public_der(key.x25519)
    return _public_der(key)


def fingerprint(key: AnyPublicKey) -> str:
    """SHA-256 of public_key_der(key), as 16 groups of 4 hex digits."""
    digest = hashlib.sha256(public_key_der(key)).hexdigest()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def _pem_blocks(data: bytes, source: str) -> list[bytes]:
    blocks = [m.group(0) for m in _PEM_BLOCK.finditer(data)]
    if not blocks:
        raise KeyFileError(f"{source}: no PEM block found")
    return blocks


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot read key file ({exc.strerror})") from exc


def _load_private_blocks(data: bytes, source: str) -> list[object]:
    keys: list[object] = []
    for block in _pem_blocks(data, source):
        try:
            keys.append(serialization.load_pem_private_key(block, password=None))
        except (ValueError, TypeError) as exc:
            raise KeyFileError(f"{source}: not an unencrypted PKCS8 private key") from exc
    return keys


def _load_public_blocks(data: bytes, source: str) -> list[object]:
    keys: list[object] = []
    for block in _pem_blocks(data, source):
        try:
            keys.append(serialization.load_pem_public_key(block))
        except (ValueError, TypeError) as exc:
            raise KeyFileError(f"{source}: not a SubjectPublicKeyInfo public key") from exc
    return keys


def parse_ngo_private_key(data: bytes, source: str = "key") -> NgoPrivateKey:
    """An NGO private key from PEM text: one X25519 block, or ML-KEM-768 + X25519 blocks."""
    keys = _load_private_blocks(data, source)
    match keys:
        case [x25519.X25519PrivateKey() as x]:
            return x
        case [mlkem.MLKEM768PrivateKey() as m, x25519.X25519PrivateKey() as x]:
            return PostQuantumPrivateKey(m, x)
    raise KeyFileError(f"{source}: expected an X25519 or an ML-KEM-768 + X25519 private key")


def parse_ngo_public_key(data: bytes, source: str = "key") -> NgoPublicKey:
    """An NGO public key from PEM text: one X25519 block, or ML-KEM-768 + X25519 blocks."""
    keys = _load_public_blocks(data, source)
    match keys:
        case [x25519.X25519PublicKey() as x]:
            return x
        case [mlkem.MLKEM768PublicKey() as m, x25519.X25519PublicKey() as x]:
            return PostQuantumPublicKey(m, x)
    raise KeyFileError(f"{source}: expected an X25519 or an ML-KEM-768 + X25519 public key")


def load_ngo_private_key(path: Path) -> NgoPrivateKey:
    """Read the NGO's private key file."""
    return parse_ngo_private_key(_read(path), str(path))


def load_ngo_public_key(path: Path) -> NgoPublicKey:
    """Read the NGO's public key file."""
    return parse_ngo_public_key(_read(path), str(path))


def load_public_key_any(path: Path) -> AnyPublicKey:
    """The public key in a public or private key file of any kind we use."""
    data, source = _read(path), str(path)
    if b"PRIVATE KEY-----" in data:
        private = _load_private_blocks(data, source)
        if len(private) == 1 and isinstance(private[0], ed25519.Ed25519PrivateKey):
            return private[0].public_key()
        return parse_ngo_private_key(data, source).public_key()
    public = _load_public_blocks(data, source)
    if len(public) == 1 and isinstance(public[0], ed25519.Ed25519PublicKey):
        return public[0]
    return parse_ngo_public_key(data, source)


def _refuse_existing(*paths: Path) -> None:
    for path in paths:
        if path.exists():
            raise KeyFileError(f"{path} already exists; refusing to overwrite a key")


def write_ngo_key_pair(out_dir: Path, key: NgoPrivateKey) -> tuple[Path, Path]:
    """Write the private key (0600) and public key into out_dir; never overwrite."""
    ensure_private_dir(out_dir)
    private_path = out_dir / PRIVATE_KEY_NAME
    public_path = out_dir / PUBLIC_KEY_NAME
    _refuse_existing(private_path, public_path)
    create_new_file(private_path, ngo_private_key_pem(key), PRIVATE_FILE_MODE)
    create_new_file(public_path, public_key_pem(ngo_public_key_of(key)), PUBLIC_FILE_MODE)
    return private_path, public_path


def ngo_signing_key_paths(out_dir: Path) -> tuple[Path, Path]:
    """Where keygen puts the NGO's own signing key pair: (private, public)."""
    return out_dir / SIGNING_PRIVATE_KEY_NAME, out_dir / SIGNING_PUBLIC_KEY_NAME


def write_ngo_signing_key_pair(out_dir: Path, key: ed25519.Ed25519PrivateKey) -> tuple[Path, Path]:
    """Write the NGO's Ed25519 signing key (0600) and its public half; never overwrite."""
    ensure_private_dir(out_dir)
    private_path, public_path = ngo_signing_key_paths(out_dir)
    _refuse_existing(private_path, public_path)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    create_new_file(private_path, pem, PRIVATE_FILE_MODE)
    create_new_file(public_path, public_key_pem(key.public_key()), PUBLIC_FILE_MODE)
    return private_path, public_path


def write_ngo_keys(
    out_dir: Path, key: NgoPrivateKey, signing_key: ed25519.Ed25519PrivateKey
) -> tuple[Path, Path, Path, Path]:
    """All four key files keygen writes, or none if any of them exists already."""
    _refuse_existing(
        out_dir / PRIVATE_KEY_NAME, out_dir / PUBLIC_KEY_NAME, *ngo_signing_key_paths(out_dir)
    )
    return (*write_ngo_key_pair(out_dir, key), *write_ngo_signing_key_pair(out_dir, signing_key))


def load_signing_private_key(path: Path) -> ed25519.Ed25519PrivateKey:
    """An Ed25519 private key file (the NGO's ngo-signing-private-key.pem)."""
    keys = _load_private_blocks(_read(path), str(path))
    if len(keys) != 1 or not isinstance(keys[0], ed25519.Ed25519PrivateKey):
        raise KeyFileError(f"{path}: expected an Ed25519 private key (ngo-signing-private-key.pem)")
    return keys[0]


def signing_public_key_path(private_path: Path) -> Path:
    """Where the public half of a signing key lives: ``<path>.pub``."""
    return private_path.with_name(private_path.name + ".pub")


def load_or_create_signing_key(path: Path) -> ed25519.Ed25519PrivateKey:
    """Our Ed25519 signing key: created 0600 if missing, its public half kept at <path>.pub."""
    if not path.exists():
        ensure_private_dir(path.parent)
        new_key = ed25519.Ed25519PrivateKey.generate()
        pem = new_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            create_new_file(path, pem, PRIVATE_FILE_MODE)
        except FileExistsError:
            pass  # another process created it first; use theirs
    keys = _load_private_blocks(_read(path), str(path))
    if len(keys) != 1 or not isinstance(keys[0], ed25519.Ed25519PrivateKey):
        raise KeyFileError(f"{path}: expected an Ed25519 private key")
    key = keys[0]
    pub_path = signing_public_key_path(path)
    if not pub_path.exists():
        try:
            create_new_file(pub_path, public_key_pem(key.public_key()), PUBLIC_FILE_MODE)
        except FileExistsError:
            pass
    return key


def load_signing_public_key(path: Path) -> ed25519.Ed25519PublicKey:
    """Our pinned Ed25519 public key (the ``.pub`` file we give the NGO)."""
    keys = _load_public_blocks(_read(path), str(path))
    if len(keys) != 1 or not isinstance(keys[0], ed25519.Ed25519PublicKey):
        raise KeyFileError(f"{path}: expected an Ed25519 public key")
    return keys[0]
