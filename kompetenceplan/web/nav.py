"""The main navigation: one entry per user task. A new page adds an entry here and a template
that extends ``base.html``. Ledelsestilsyn and økonomisk tilsyn are `tilsyn_pages`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    key: str
    path: str
    label: str
    description: str


NAV: list[NavItem] = [
    NavItem("afgoer", "/hvem-skal-afgoere", "Hvem skal afgøre?", "Find det niveau, der skal træffe afgørelsen om en indsats, og se hvorfor."),
    NavItem("indstilling", "/indstilling", "Indstilling", "Skriv en indstilling til udvalget, eller tjek indstillinger fra sagssystemet: hvad mangler, og hvordan det rettes."),
    NavItem("moede", "/moede", "Møde", "Dagsorden, udfald og referat for et møde i visitationsudvalget."),
    NavItem("frister", "/frister", "Frister", "Åbne frister i sagerne efter loven og kommunens sagsbehandlingsfrister: hvad der skal ske, og hvornår; registrér en hændelse."),
    NavItem("tilsyn", "/tilsyn", "Ledelsestilsyn", "Træk kvartalets stikprøve, se de automatiske kontroller, gennemgå sagerne med tjeklisten, og udskriv rapporten."),
    NavItem("oekonomi", "/oekonomi", "Økonomisk tilsyn", "Aktive indsatser, udgift, bevægelser på indsatstrappen og prisudvikling for et kvartal."),
    NavItem("plan", "/kompetenceplan", "Kompetenceplanen", "Planen og dokumentationsstandarden, versionen i kraft og ændringer mellem versioner."),
]
