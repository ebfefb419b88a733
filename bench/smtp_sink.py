#!/usr/bin/env python3
"""A mail relay for the benchmark: accepts every message, keeps none.

Folio's production settings send mail through an SMTP relay. Without one, the
write scenario's comment notices fail to connect and are retried with backoff
for an hour, so the scenarios after it would share the machine with retries
that never succeed. This answers the few commands a relay must (RFC 5321:
EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), accepts each message and, when
stopped (SIGTERM), prints how many it accepted. Standard library only.

    python3 bench/smtp_sink.py --port 2525
"""

from __future__ import annotations

import argparse
import asyncio
import signal


class Sink:
    def __init__(self) -> None:
        self.accepted = 0

    async def session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        def reply(*lines: str) -> None:
            writer.write(b"".join(line.encode() + b"\r\n" for line in lines))

        reply("220 bench-sink ESMTP")
        try:
            while line := await reader.readline():
                verb = line[:4].upper()
                if verb == b"EHLO":
                    reply("250-bench-sink", "250-8BITMIME", "250 SMTPUTF8")
                elif verb == b"DATA":
                    reply("354 end with <CRLF>.<CRLF>")
                    await writer.drain()
                    # Dot-stuffing doubles a leading dot, so only the end marker is a lone dot.
                    while (content := await reader.readline()) not in (b".\r\n", b""):
                        pass
                    if not content:
                        return
                    self.accepted += 1
                    reply("250 accepted")
                elif verb == b"QUIT":
                    reply("221 bye")
                    await writer.drain()
                    return
                else:
                    reply("250 ok")
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()


async def serve(port: int) -> None:
    sink = Sink()
    server = await asyncio.start_server(sink.session, "127.0.0.1", port)
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopped.set)
    async with server:
        await stopped.wait()
    print(sink.accepted, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=2525)
    asyncio.run(serve(parser.parse_args().port))


if __name__ == "__main__":
    main()
