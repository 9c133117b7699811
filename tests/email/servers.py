"""Throwaway mail servers for tests and benchmarks: a Dovecot IMAP server with its own config,
port and maildir in a temporary directory, and an in-process aiosmtpd SMTP server that keeps
what it receives."""

from __future__ import annotations

import contextlib
import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

DOVECOT = shutil.which("dovecot") or (
    "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
)
USER = "kefu"
PASSWORD = "kefu-test-password"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = 1
mail_fsync = never
maildir_very_dirty_syncs = yes
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  chroot =
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Dovecot:
    root: Path
    port: int
    process: subprocess.Popen[bytes]

    def url(self, folder: str = "INBOX") -> str:
        return f"imap://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{folder}"

    def connect(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=30)
        imap.login(USER, PASSWORD)
        return imap

    def create_folder(self, folder: str) -> None:
        imap = self.connect()
        try:
            typ, data = imap.create(folder)
            assert typ == "OK", data
        finally:
            imap.logout()

    def append(self, folder: str, *mails: bytes) -> None:
        """Deliver mails with IMAP APPEND, in order (UIDs ascend)."""
        imap = self.connect()
        try:
            for raw in mails:
                typ, data = imap.append(folder, "", None, raw)
                assert typ == "OK", data
        finally:
            imap.logout()


@contextlib.contextmanager
def dovecot() -> Iterator[Dovecot]:
    """A Dovecot IMAP server on a free loopback port; stopped and deleted on exit."""
    if DOVECOT is None:
        raise RuntimeError("dovecot is not installed (apt-get install dovecot-imapd)")
    root = Path(tempfile.mkdtemp(prefix="kefu-dovecot-"))
    try:
        if os.getuid() == 0:
            account = pwd.getpwnam("nobody")  # the mail user may not be root
            user, uid, gid = account.pw_name, account.pw_uid, account.pw_gid
        else:
            account = pwd.getpwuid(os.getuid())
            user, uid, gid = account.pw_name, account.pw_uid, account.pw_gid
        group = _group_name(gid)
        root.chmod(0o755)
        (root / "mail").mkdir()
        os.chown(root / "mail", uid, gid)
        (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        port = free_port()
        conf = root / "dovecot.conf"
        conf.write_text(
            CONFIG.format(root=root, port=port, user=user, group=group, uid=uid, gid=gid)
        )
        process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        server = Dovecot(root, port, process)
        _wait_for(server)
        try:
            yield server
        finally:
            _stop(process)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _group_name(gid: int) -> str:
    import grp

    return grp.getgrgid(gid).gr_name


def _wait_for(server: Dovecot) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            log = (
                (server.root / "dovecot.log").read_text()
                if (server.root / "dovecot.log").exists()
                else ""
            )
            err = server.process.stderr.read().decode() if server.process.stderr else ""
            raise RuntimeError(f"dovecot exited: {err}\n{log}")
        try:
            imap = server.connect()
            imap.logout()
            return
        except (OSError, imaplib.IMAP4.error):
            time.sleep(0.05)
    _stop(server.process)
    raise RuntimeError("dovecot did not start in 15 s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@dataclass
class SmtpSink:
    """What an aiosmtpd server received: (envelope sender, recipients, parsed mail)."""

    port: int
    received: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def clear(self) -> None:
        with self.lock:
            self.received.clear()

    def mails(self) -> list[EmailMessage]:
        with self.lock:
            return [mail for _sender, _rcpt, mail in self.received]

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = message_from_bytes(
            envelope.original_content or envelope.content, policy=policy.default
        )
        assert isinstance(mail, EmailMessage)
        with self.lock:
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), mail))
        return "250 OK"


@contextlib.contextmanager
def smtp_sink() -> Iterator[SmtpSink]:
    from aiosmtpd.controller import Controller

    sink = SmtpSink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port, decode_data=False)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
