"""Shared set-up of the examples' tests: async tests run on asyncio.

The fixtures ``fake_cluster``, ``fake_client`` and ``async_fake_client`` come from rawkube's
pytest plugin, which installing rawkube registers.
"""

import pytest


@pytest.fixture
def anyio_backend() -> str:
    """``@pytest.mark.anyio`` tests run on asyncio, the loop ``rawkube.AsyncClient`` targets."""
    return "asyncio"
