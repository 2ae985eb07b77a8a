"""The settings that decide where each process listens, read as the gateway reads them."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from api.escalation.settings import SIGNING_KEY_NAME, signing_key_path
from api.settings import Settings, get_settings
from kakekomi_common import env, live_model
from kakekomi_stack import demo_ngo


@dataclass(frozen=True)
class StackSettings:
    """Where the stack's processes listen and keep their data (the KAKEKOMI_* settings)."""

    host: str = env.DEFAULT_HOST
    port: int = env.DEFAULT_PORT
    rasa_port: int = env.DEFAULT_RASA_PORT
    actions_port: int = env.DEFAULT_ACTIONS_PORT
    session_idle_minutes: float = env.DEFAULT_SESSION_IDLE_MINUTES
    data_dir: Path = Path(env.DEFAULT_DATA_DIR)
    # Set: conversations live in this Redis (bot/endpoints-redis.yml), not in the
    # conversation store, so Rasa processes elsewhere can serve them too.
    redis_url: str | None = None
    # Development without a configured NGO: `make run` also runs a local demo NGO.
    demo_ngo: bool = False
    # The gateway's Ed25519 signing key (the demo NGO pins its public half).
    signing_key: Path = Path(env.DEFAULT_DATA_DIR) / SIGNING_KEY_NAME

    @classmethod
    def from_gateway(cls, gateway: Settings) -> StackSettings:
        """The stack's part of the gateway's settings, with the data dir made absolute."""
        redis_url = gateway.redis_url
        return cls(
            host=gateway.host,
            port=gateway.port,
            rasa_port=gateway.rasa_port,
            actions_port=gateway.actions_port,
            session_idle_minutes=gateway.session_idle_minutes,
            data_dir=gateway.data_dir.resolve(),
            redis_url=None if redis_url is None else redis_url.get_secret_value(),
            demo_ngo=demo_ngo.wanted(gateway.environment, gateway.ngo_url),
            signing_key=signing_key_path(gateway).resolve(),
        )

    @classmethod
    def from_env(cls) -> StackSettings:
        """Reads the KAKEKOMI_* environment through the gateway's Settings; exits if invalid."""
        try:
            gateway = get_settings()
        except ValidationError as error:
            # Names the settings and what is wrong with them, never the values (secrets).
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}"
                for e in error.errors(include_input=False, include_url=False)
            )
            print(f"invalid KAKEKOMI_* settings: {problems}", file=sys.stderr)
            raise SystemExit(2) from None
        return cls.from_gateway(gateway)

    @property
    def url(self) -> str:
        """Where a person opens the chat."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def local_url(self) -> str:
        """The gateway's address from this machine (a wildcard bind answers on loopback)."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host  # noqa: S104
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}/"

    @property
    def live_model(self) -> Path:
        """The pointer to the live model: one line, its absolute path."""
        return live_model.pointer(self.data_dir)

    @property
    def pid_file(self) -> Path:
        """Where `promote` finds the process to send SIGHUP to."""
        return env.pid_file(self.data_dir)

    @property
    def endpoints(self) -> str:
        """Rasa's endpoints: the conversation store, or Redis when KAKEKOMI_REDIS_URL is set."""
        return "bot/endpoints.yml" if self.redis_url is None else "bot/endpoints-redis.yml"

    @property
    def conversation_socket(self) -> Path:
        """The conversation store's Unix socket, in a directory only this user may open."""
        return env.conversation_socket(self.data_dir)
