"""Secrets: fetched from where the configuration names them, at the moment they are needed.

The file names secrets, it never holds them: a store says which environment variable
(``token_env``) or Prefect Secret block (``token_secret``) has its token, and a channel names
each secret its type declares (:attr:`ChannelBase.SECRETS`). A message about a secret names the
variable or block, never a value.
"""

from __future__ import annotations

import os
from typing import cast

from pydantic import SecretStr

from connectors.config.channels import ChannelBase
from connectors.config.tree import StoreConfig
from connectors.errors import ConfigError


def resolve_token(store: StoreConfig) -> SecretStr:
    """Fetch a store's API token from where its config says it lives.

    Raises:
        ConfigError: the variable or block is missing; the message names it, never a value.
    """
    return resolve_secret(f"store {store.name!r}", store.token_env, store.token_secret)


def resolve_secret(owner: str, env: str | None, block: str | None) -> SecretStr:
    """The secret in environment variable ``env`` or Prefect Secret block ``block``.

    Raises:
        ConfigError: it is missing; the message names ``owner`` and where it looked, never a value.
    """
    if env is not None:
        value = os.environ.get(env)
        if not value:
            raise ConfigError(f"{owner}: environment variable {env} is not set")
        return SecretStr(value)
    if block is None:
        raise ConfigError(f"{owner}: no secret configured")
    from prefect.blocks.system import Secret  # imported late: only Prefect deployments need it

    try:
        value = cast(Secret, Secret.load(block)).get()
    except ValueError:
        raise ConfigError(f"{owner}: Prefect Secret block {block!r} not found") from None
    return SecretStr(str(value))


def resolve_channel_secrets(channel: ChannelBase) -> dict[str, SecretStr]:
    """Fetch each secret the channel names, by what it is for (``token``, ``url``, …).

    An optional secret the channel does not name (an email relay without a login) is left out.

    Raises:
        ConfigError: a named variable or block is missing; the message names it, never a value.
    """
    return {
        use: resolve_secret(f"channel {channel.name!r}", env, block)
        for use, (env, block) in channel.secrets().items()
        if env is not None or block is not None
    }
