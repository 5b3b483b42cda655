"""What every page needs, built once per server: settings, engine, asset store, identifier stack.

The stack (registries + compiled signatures) is expensive to build and cheap to use, so it is
built once, in the background at start-up, and rebuilt only after a registry edit made through
the web (a Provisional entry, a subtype) changed what it must know; the settings are re-read
then too, since the subtype list lives in the configuration file.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from archive.assetstore import AssetStore
from bsfcore.settings import Settings
from formats.stack import IdentifierStack, build_stack
from registries.config import FormatConfig, load_format_config
from registries.loader import load_registry_set
from registries.model import RegistrySet


@dataclass(frozen=True)
class Tools:
    """The configured registries and the stack built over them."""

    config: FormatConfig
    registries: RegistrySet
    stack: IdentifierStack


class WebContext:
    """Shared by every request and by the job runner (thread-safe)."""

    def __init__(self, load_settings: Callable[[], Settings], engine: Engine) -> None:
        self._load_settings = load_settings
        self.engine = engine
        self._lock = threading.Lock()
        self._settings: Settings | None = None
        self._tools: Tools | None = None
        self._generation = 0

    @property
    def settings(self) -> Settings:
        with self._lock:
            if self._settings is None:
                self._settings = self._load_settings()
            return self._settings

    def assets(self) -> AssetStore:
        return AssetStore.from_settings(self.settings)

    def format_config(self) -> FormatConfig:
        return self.tools().config

    def tools(self) -> Tools:
        """The registries and stack, built on first use (and after :meth:`invalidate`)."""
        with self._lock:
            if self._tools is not None:
                return self._tools
            generation = self._generation
            if self._settings is None:
                self._settings = self._load_settings()
            settings = self._settings
        config = load_format_config(settings)
        registries = load_registry_set(config)
        tools = Tools(config, registries, build_stack(config, registries))
        with self._lock:
            if generation == self._generation:
                self._tools = tools
        return tools

    def invalidate(self) -> None:
        """The configuration or a registry document changed: re-read both on next use."""
        with self._lock:
            self._generation += 1
            self._settings = None
            self._tools = None

    def warm(self) -> None:
        """Build the stack now (in a background thread at start-up)."""
        with contextlib.suppress(Exception):  # reported to the page that needs the stack
            self.tools()
