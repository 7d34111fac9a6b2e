#!/usr/bin/env python3
"""A real SMTP server for Convene's mail tests (aiosmtpd, RFC 5321).

    python3 tests/interop/smtp_sink.py PORT_FILE OUT_DIR

Listens on 127.0.0.1 on a free port and writes that port to PORT_FILE once
it accepts connections. Every message it receives is stored in OUT_DIR as
NNNN.eml (the bytes as received) and NNNN.json, a summary made by Python's
own MIME parser (the `email` package), independent of the Rust code that
built the message: decoded subject and addresses, every part's content type,
parameters and disposition, the decoded text, HTML and calendar parts, the
attachments, parser defects, and the longest raw line. The .json file
appears (atomically) after the .eml, so its presence means both are
complete.

Recipients whose address starts with `fail-4xx` get a 451 reply and those
starting with `fail-5xx` a 550 reply to RCPT TO, so tests can see how
temporary and permanent refusals are reported.

Stops when its standard input closes (the test that started it ended,
however it ended) or on SIGTERM.
"""

import asyncio
import email
import email.policy
import json
import os
import signal
import sys
import threading

from aiosmtpd.smtp import SMTP


def summarize(content: bytes, envelope) -> dict:
    message = email.message_from_bytes(content, policy=email.policy.default)
    parts = []
    text = html = calendar = calendar_method = None
    attachments = []
    defects = [str(d) for d in message.defects]
    for part in message.walk():
        defects += [str(d) for d in part.defects]
        content_type = part.get_content_type()
        disposition = part.get_content_disposition()
        params = {k: v for k, v in part.get_params() or []}
        params.pop(content_type, None)
        entry = {
            "content_type": content_type,
            "params": params,
            "disposition": disposition,
            "filename": part.get_filename(),
            "transfer_encoding": part.get("Content-Transfer-Encoding"),
        }
        parts.append(entry)
        if part.is_multipart():
            continue
        body = part.get_content()
        if isinstance(body, bytes):
            body = body.decode("utf-8")
        if disposition == "attachment":
            attachments.append(
                {
                    "filename": part.get_filename(),
                    "content_type": content_type,
                    "content": body,
                }
            )
        elif content_type == "text/plain" and text is None:
            text = body
        elif content_type == "text/html" and html is None:
            html = body
        elif content_type == "text/calendar" and calendar is None:
            calendar = body
            calendar_method = part.get_param("method")
    raw_lines = content.split(b"\r\n")
    return {
        "mail_from": envelope.mail_from,
        "rcpt_tos": list(envelope.rcpt_tos),
        "subject": str(message["subject"]),
        "from": str(message["from"]),
        "to": str(message["to"]),
        "date": str(message["date"]) if message["date"] else None,
        "message_id": str(message["message-id"]) if message["message-id"] else None,
        "mime_version": str(message["mime-version"]) if message["mime-version"] else None,
        "content_language": message.get("content-language"),
        "auto_submitted": message.get("auto-submitted"),
        "content_type": message.get_content_type(),
        "parts": parts,
        "text": text,
        "html": html,
        "calendar": calendar,
        "calendar_method": calendar_method,
        "attachments": attachments,
        "defects": defects,
        "max_line_length": max(len(line) for line in raw_lines),
        "ascii_only": all(b < 128 for b in content),
    }


class Sink:
    def __init__(self, out_dir: str):
        self.out_dir = out_dir
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("fail-4xx"):
            return "451 4.3.0 Mailbox temporarily unavailable, try again later"
        if address.startswith("fail-5xx"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        stem = os.path.join(self.out_dir, f"{self.count:04}")
        content = envelope.original_content or envelope.content
        write_atomically(stem + ".eml", content)
        try:
            summary = summarize(content, envelope)
        except Exception as error:  # a message Python cannot parse is a finding too
            summary = {"parse_error": repr(error)}
        write_atomically(
            stem + ".json",
            json.dumps(summary, ensure_ascii=False, indent=2).encode("utf-8"),
        )
        return "250 2.0.0 Message accepted"


def write_atomically(path: str, data: bytes) -> None:
    temporary = path + ".tmp"
    with open(temporary, "wb") as file:
        file.write(data)
    os.replace(temporary, path)


async def main(port_file: str, out_dir: str) -> None:
    os.makedirs(out_dir, exist_ok=True)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    handler = Sink(out_dir)
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="sink.test", ident="Convene test sink"),
        host="127.0.0.1",
        port=0,
    )
    port = server.sockets[0].getsockname()[1]
    write_atomically(port_file, str(port).encode("ascii"))

    def watch_stdin():
        # Returns at end of file: the parent is gone or closed the pipe.
        sys.stdin.buffer.read()
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=watch_stdin, daemon=True).start()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    server.close()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: smtp_sink.py PORT_FILE OUT_DIR")
    asyncio.run(main(sys.argv[1], sys.argv[2]))
