"""Sending the agenda: the body's members (a list in configuration) get it as a PDF by e-mail
through the municipality's SMTP server, and the register records what went to whom.

The members file (TOML; default ``<plan folder>-udvalg.toml`` next to the plan folder, or
``$KOMPETENCEPLAN_UDVALG``) lists the recipients per body (a plan level id)::

    [udvalg.visitationsudvalg]
    medlemmer = [{ navn = "Anne Andersen", email = "anne.andersen@nyborg.example" }]

The SMTP server comes from the environment (never from a file in the project, never logged):
``KOMPETENCEPLAN_SMTP_HOST`` (without it nothing is e-mailed: the page offers "Markér som
udsendt"), ``KOMPETENCEPLAN_SMTP_PORT`` (587), ``KOMPETENCEPLAN_SMTP_STARTTLS`` (ja; nej only for
a relay on the same machine), ``KOMPETENCEPLAN_SMTP_USER`` and ``KOMPETENCEPLAN_SMTP_PASSWORD``
(or ``KOMPETENCEPLAN_SMTP_PASSWORD_FILE``), ``KOMPETENCEPLAN_SMTP_FROM`` (the sender) and
``KOMPETENCEPLAN_SMTP_CA_FILE`` (a CA bundle, when the server's certificate is the
municipality's own).
"""

from __future__ import annotations

import hashlib
import os
import smtplib
import ssl
import tomllib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path
from typing import Any

from ..actor import Actor
from ..errors import CaseError, KompetenceplanError, Problem
from ..plan.model import Plan
from ..plan.versions import PlanSet
from ..store.register import Register
from . import committee
from .model import Agenda

Plans = Plan | PlanSet
MEMBERS_ENV = "KOMPETENCEPLAN_UDVALG"


class MailError(KompetenceplanError):
    """The mail server did not take the agenda: nothing is recorded as sent."""


@dataclass(frozen=True)
class Member:
    name: str
    email: str

    @property
    def address(self) -> str:
        return formataddr((self.name, self.email))


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 587
    starttls: bool = True
    user: str = ""
    password: str = ""
    sender: str = ""
    ca_file: str = ""


def smtp_from_env(env: dict[str, str] | None = None) -> SmtpConfig | None:
    """The SMTP server the environment names, or None (no mail server configured)."""
    e = os.environ if env is None else env
    host = e.get("KOMPETENCEPLAN_SMTP_HOST", "").strip()
    if not host:
        return None
    password = e.get("KOMPETENCEPLAN_SMTP_PASSWORD", "")
    secret_file = e.get("KOMPETENCEPLAN_SMTP_PASSWORD_FILE", "")
    if secret_file:
        password = Path(secret_file).read_text(encoding="utf-8").strip()
    port_text = e.get("KOMPETENCEPLAN_SMTP_PORT", "587").strip()
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise CaseError("Mailserveren er ikke sat rigtigt op.", [Problem("KOMPETENCEPLAN_SMTP_PORT", "er ikke et portnummer.", "Skriv fx 587.")])
    return SmtpConfig(
        host=host,
        port=int(port_text),
        starttls=e.get("KOMPETENCEPLAN_SMTP_STARTTLS", "ja").strip().lower() not in ("nej", "0", "false", "no"),
        user=e.get("KOMPETENCEPLAN_SMTP_USER", ""),
        password=password,
        sender=e.get("KOMPETENCEPLAN_SMTP_FROM", "").strip() or f"kompetenceplan@{host}",
        ca_file=e.get("KOMPETENCEPLAN_SMTP_CA_FILE", ""),
    )


def members_path(plan_folder: Path) -> Path:
    """``$KOMPETENCEPLAN_UDVALG``, else ``<plan folder>-udvalg.toml`` next to the plan folder."""
    configured = os.environ.get(MEMBERS_ENV)
    if configured:
        return Path(configured)
    return plan_folder.parent / f"{plan_folder.name}-udvalg.toml"


def load_members(path: Path) -> dict[str, list[Member]]:
    """The recipients per body from the members file; an absent file is no members."""
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CaseError("Listen over udvalgenes medlemmer kan ikke læses.", [Problem(path.name, f"er ikke gyldig TOML ({type(exc).__name__}).", "Ret filen; se docs/register.md.")]) from None
    out: dict[str, list[Member]] = {}
    problems = []
    for body, section in (data.get("udvalg") or {}).items():
        for n, entry in enumerate((section or {}).get("medlemmer") or [], 1):
            name, email = (entry or {}).get("navn", ""), (entry or {}).get("email", "")
            if not isinstance(email, str) or "@" not in email or any(c in email for c in " <>,\r\n"):
                problems.append(Problem(f"{path.name}: udvalg.{body}.medlemmer[{n}]", "har ingen gyldig e-mailadresse.", 'Skriv fx { navn = "Anne Andersen", email = "anne@kommune.dk" }.'))
                continue
            out.setdefault(body, []).append(Member(str(name or email), email))
    if problems:
        raise CaseError("Listen over udvalgenes medlemmer har fejl.", problems)
    return out


def _message(agenda: Agenda, pdf: bytes, recipients: list[Member], sender: str, filename: str) -> EmailMessage:
    m = agenda.meeting
    msg = EmailMessage()
    msg["Subject"] = f"Dagsorden: {m.title}"
    msg["From"] = sender
    msg["To"] = ", ".join(r.address for r in recipients)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    items = len(agenda.active_items)
    msg.set_content(f"Dagsordenen til mødet i {m.body_name} er vedhæftet som PDF ({items} {'punkt' if items == 1 else 'punkter'}).\n\nMed venlig hilsen\nVisitationssekretariatet\n")
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=filename)
    return msg


def deliver(config: SmtpConfig, msg: EmailMessage, timeout: float = 30.0) -> None:
    """Hand ``msg`` to the SMTP server (STARTTLS and login when configured). Every refusal or
    network failure is a `MailError` naming what to check, never the server's reply text."""
    try:
        with smtplib.SMTP(config.host, config.port, timeout=timeout) as smtp:
            smtp.ehlo()
            if config.starttls:
                context = ssl.create_default_context(cafile=config.ca_file or None)
                smtp.starttls(context=context)
                smtp.ehlo()
            if config.user:
                smtp.login(config.user, config.password)
            smtp.send_message(msg)
    except smtplib.SMTPAuthenticationError:
        raise MailError("Dagsordenen er ikke sendt.", [Problem("mailserver", "afviste brugernavn eller adgangskode.", "Kontrollér KOMPETENCEPLAN_SMTP_USER og adgangskoden.")]) from None
    except smtplib.SMTPRecipientsRefused:
        raise MailError("Dagsordenen er ikke sendt.", [Problem("modtagere", "mailserveren afviste modtagerne.", "Kontrollér adresserne i listen over udvalgenes medlemmer.")]) from None
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        raise MailError(
            "Dagsordenen er ikke sendt.", [Problem("mailserver", f"kunne ikke nås eller afviste mailen ({type(exc).__name__}).", "Prøv igen om lidt, eller kontakt IT om mailserveren.")]
        ) from None


def send_agenda_mail(
    reg: Register, plans: Plans, meeting_id: int, agenda: Agenda, pdf: bytes, members: list[Member], smtp: SmtpConfig | None, *, actor: Actor, filename: str = "dagsorden.pdf"
) -> Agenda:
    """E-mail ``pdf`` (made from ``agenda``) to ``members`` and record the agenda as sent, with
    what went to whom. Without ``smtp`` the agenda is only marked sent ("markeret"). A mail the
    server does not take records nothing (`MailError`)."""
    actor.require("manage_meetings")
    digest = hashlib.sha256(pdf).hexdigest()
    if smtp is None:
        mailing: dict[str, Any] = {"transport": "markeret", "recipients": [], "pdf_sha256": digest}
    else:
        if not members:
            raise CaseError(
                "Dagsordenen er ikke sendt.",
                [Problem("modtagere", f"der er ingen medlemmer af {agenda.meeting.body_name} i listen over udvalgenes medlemmer.", "Tilføj medlemmerne i filen med udvalgenes medlemmer.")],
            )
        msg = _message(agenda, pdf, members, smtp.sender, filename)
        deliver(smtp, msg)
        mailing = {"transport": "smtp", "recipients": [r.email for r in members], "pdf_sha256": digest, "message_id": str(msg["Message-ID"])[:200]}
    return committee.send_agenda(reg, plans, meeting_id, actor=actor, as_sent=agenda, mailing=mailing)
