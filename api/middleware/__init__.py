"""The gateway's ASGI middlewares, outermost first as ``api.main`` stacks them.

``mapped_client`` (a local proxy seen through a dual-stack socket is trusted as itself),
``security_headers`` (every answer, a 413 or 429 too, carries them), ``body_limit`` (bodies
capped while they stream in), ``fallback_on_error`` (any crash inside becomes the emergency
numbers). Messages are counted by the chat route, once well-formed (``api.rate_limit``).
"""
