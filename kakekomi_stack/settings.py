"""The settings that decide where each process listens, read as the gateway reads them."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from api.settings import Settings, get_settings


@dataclass(frozen=True)
class StackSettings:
    """Where the stack's processes listen and keep their data (the KAKEKOMI_* settings)."""

    host: str = "127.0.0.1"
    port: int = 8000
    rasa_port: int = 5005
    actions_port: int = 5055
    session_idle_minutes: float = 30
    data_dir: Path = Path("var")
    # Set: conversations live in this Redis (bot/endpoints-redis.yml), not in the
    # conversation store, so Rasa processes elsewhere can serve them too.
    redis_url: str | None = None

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
    def live_model(self) -> Path:
        """The pointer to the live model: one line, its absolute path."""
        return self.data_dir / "live-model"

    @property
    def pid_file(self) -> Path:
        """Where `promote` finds the process to send SIGHUP to."""
        return self.data_dir / "stack.pid"

    @property
    def endpoints(self) -> str:
        """Rasa's endpoints: the conversation store, or Redis when KAKEKOMI_REDIS_URL is set."""
        return "bot/endpoints.yml" if self.redis_url is None else "bot/endpoints-redis.yml"

    @property
    def conversation_socket(self) -> Path:
        """The conversation store's Unix socket, in a directory only this user may open."""
        return self.data_dir / "run" / "conversations.sock"
