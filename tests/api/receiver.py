"""A real HTTP server on loopback that records webhook deliveries (no mocked HTTP)."""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field


@dataclass
class Receiver:
    statuses: list[int] = field(default_factory=list)  # answers to give, then 200
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    server: asyncio.base_events.Server | None = None
    port: int = 0
    host: str = "127.0.0.1"  # any loopback address: 127.0.0.2 too, on Linux
    tls: ssl.SSLContext | None = None  # serve https with this context
    server_names: list[str | None] = field(default_factory=list)  # SNI seen, over https

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/hook"

    async def start(self) -> None:
        if self.tls:
            self.tls.sni_callback = lambda _sock, name, _ctx: self.server_names.append(name)
        self.server = await asyncio.start_server(self._handle, self.host, self.port, ssl=self.tls)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self.server:
            self.server.close()
            await self.server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode().split("\r\n")[1:]
        headers = {k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines if ln)}
        body = await reader.readexactly(int(headers.get("content-length", 0)))
        self.received.append((headers, body))
        status = self.statuses.pop(0) if self.statuses else 200
        writer.write(
            f"HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode()
        )
        await writer.drain()
        writer.close()
