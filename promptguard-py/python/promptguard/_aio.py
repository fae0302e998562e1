"""The coroutine behind ``Engine.scan_async``: runs a scan on the event loop's default executor.

The scan itself releases the GIL, so several ``scan_async`` calls run in parallel while the
event loop keeps serving other tasks.
"""

import asyncio
from typing import Callable, TypeVar

T = TypeVar("T")


async def run_in_executor(job: Callable[[], T]) -> T:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, job)
